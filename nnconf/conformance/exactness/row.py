"""The exactness row: the reference against mpmath and against the most accurate framework.

It runs :mod:`nnconf.conformance.exactness.measure` over every quantity that declares its exact value
(hypothesis-drawn inputs over the whole finite range and the hard regions, float64 and
float32) and fails when, on any input, the reference is less accurate than the most accurate
framework by more than 1 ULP. Its figures hold the full table (formula × implementation ×
dtype: max and median ULP, input of the max). Where a page is audited in the same report, the
audit adds its worked examples' values at the page's inputs (rows ``example:…``, from
:mod:`nnconf.audit.exactness`) to this table, and their violations to this row.
"""

from __future__ import annotations

from nnconf.conformance.records import Outcome

ID = "exactness.reference_vs_best"
SECTION = "act"
DESCRIPTION = ("the reference within 1 ULP of the most accurate framework on every drawn input, "
               "float64 and float32")


def reference_vs_best(profile, seed) -> Outcome:
    from nnconf.conformance.exactness import measure
    r = measure.run(profile, seed, 200 if profile == "thorough" else 40)
    ref = [row for row in r["rows"] if row["impl"] == "reference" and row["max_ulp"] is not None]
    worst = max(ref, key=lambda row: row["max_ulp"])
    v = r["violations"]
    note = (f"{len(r['rows'])} formula × implementation × dtype cells over {r['inputs_per_formula']} drawn inputs "
            f"per formula (mpmath, 400 digits); the reference's largest error: {worst['max_ulp']:.3g} ulp "
            f"({worst['formula']}, {worst['dtype']}, at {worst['at']}); inputs where it is worse than the best "
            f"framework by more than 1 ulp: {len(v)}")
    if v:
        note += "; e.g. " + "; ".join(f"{x['formula']} {x['dtype']} at {x['at']}: reference {x['reference_ulp']:.3g} "
                                      f"vs {x['best']} {x['best_ulp']:.3g}" for x in v[:3])
    return Outcome(status="fail" if v else "pass", note=note, figures={"exactness": r},
                   examples=r["inputs_per_formula"])
