"""Exactness: the reference against mpmath and against the most accurate framework, in ULPs.

One property row runs :mod:`nnconf.exactness.measure` (hypothesis-drawn inputs over the whole
finite range and the hard regions, float64 and float32) and fails when, on any input, the
reference is less accurate than the most accurate framework by more than 1 ULP. Its figures
hold the full table (formula × implementation × dtype: max and median ULP, input of the max),
which the report renders, followed by the worked examples' values at the page's inputs (rows
``example:…``; the Adam example's θ_t also for torch.optim.Adam and optax.adam).
"""

from __future__ import annotations

from ..registry import Outcome, Property


def reference_vs_best(profile, seed) -> Outcome:
    from ..exactness import measure
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
    return Outcome("fail" if v else "pass", note, {"exactness": r}, examples=r["inputs_per_formula"])


CHECKS = [
    Property("exactness.reference_vs_best", "act", "mpmath", reference_vs_best,
             ("activations.sigmoid", "activations.sigmoid_grad", "activations.tanh_grad", "activations.gelu",
              "activations.gelu_grad", "losses.binary_cross_entropy_with_logits",
              "losses.binary_cross_entropy_with_logits_grad", "activations.relu", "activations.leaky_relu",
              "activations.softmax", "losses.softmax_cross_entropy", "losses.softmax_cross_entropy_grad",
              "losses.mse", "losses.mse_grad", "optim.adam", "activations.softmax_jvp"),
             "the reference within 1 ULP of the most accurate framework on every drawn input, float64 and float32"),
]
