"""The results model: one function assembles the report document from its parts and derives
what follows from them (the summary by status, the claims' summary by verdict, the coverage
matrix). Every command that writes a report goes through :func:`assemble` (or :func:`update`,
which re-assembles an existing document with some parts replaced), so no part is stale: the
audit's claims count in the coverage, a mutation run refreshes the mutation section only.

The document's shape is the JSON Schema ``nnconf/report/schemas/conformance.schema.json``; the
renderers (:mod:`nnconf.report.markdown`, :mod:`nnconf.report.html`) only format it.
"""

from __future__ import annotations

from nnconf.audit.verdicts import VERDICTS
from nnconf.report import coverage as coverage_matrix

SCHEMA = "nnconf.conformance/1"
STATUSES = ("pass", "fail", "convention", "skipped")
# the parts a document is assembled from, in the order its keys are written
PARTS = ("provenance", "checks", "mnist", "claims", "audit", "pitfalls", "mutation", "figures", "figure_data",
         "sections")
EXPERIMENT = "experiment"  # the kind of the pitfalls' claim records


def assemble(*, provenance: dict, checks: list[dict], mnist: dict | None = None, claims: list[dict] | None = None,
             audit: dict | None = None, pitfalls: dict | None = None, mutation: dict | None = None,
             figures: dict | None = None, figure_data: dict | None = None, sections: list[str] | None = None) -> dict:
    """The report document. ``checks``: the rows' records; ``claims`` and ``audit``: the page
    audit's verdicts and its settings; ``pitfalls``: the pitfalls experiments' section, whose
    ``records`` (claims of kind "experiment") join the audit's claims; ``mnist``: the MNIST
    section; ``mutation``: the mutmut score; ``figures``: figure files by name, ``figure_data``
    what they measured; ``sections``: the page's section ids in order (the coverage matrix's
    rows; rows that name other sections are added after them)."""
    doc = {"schema": SCHEMA, "provenance": provenance, "summary": summary(checks), "checks": checks}
    if mnist is not None:
        doc["mnist"] = mnist
    experiments = list((pitfalls or {}).get("records") or [])
    if claims is not None or experiments:
        claims = [c for c in claims or [] if c.get("kind") != EXPERIMENT] + experiments
        doc["claims"] = claims
        doc["claims_summary"] = claims_summary(claims)
    if audit is not None:
        doc["audit"] = audit
    if pitfalls is not None:
        doc["pitfalls"] = {k: v for k, v in pitfalls.items() if k != "records"}  # they are in the claims
    if mutation is not None:
        doc["mutation"] = mutation
    doc["coverage"] = coverage_matrix.matrix({"checks": checks, "claims": claims or []}, sections)
    if figures is not None:
        doc["figures"] = figures
    if figure_data is not None:
        doc["figure_data"] = figure_data
    return doc


def parts(doc: dict) -> dict:
    """The parts ``doc`` was assembled from (derived keys left out): ``assemble(**parts(doc))``
    gives ``doc`` back."""
    out = {k: doc[k] for k in PARTS if k in doc and k != "sections"}
    if "pitfalls" in doc:  # the experiments' records travel with their section, not the audit's
        out["pitfalls"] = {**doc["pitfalls"],
                           "records": [c for c in doc.get("claims", []) if c.get("kind") == EXPERIMENT]}
        out["claims"] = [c for c in doc.get("claims", []) if c.get("kind") != EXPERIMENT] \
            if "audit" in doc else None
    if doc.get("coverage"):
        out["sections"] = [r["section"] for r in doc["coverage"]["rows"]]
    return out


def update(doc: dict, **changes) -> dict:
    """``doc`` re-assembled with the given parts replaced (the derived keys recomputed)."""
    unknown = set(changes) - set(PARTS)
    if unknown:
        raise TypeError(f"not a part of the report: {sorted(unknown)}; parts: {', '.join(PARTS)}")
    return assemble(**{**parts(doc), **changes})


def empty(provenance: dict) -> dict:
    """A document without rows (the audit writes its claims into one when there is no report)."""
    return assemble(provenance=provenance, checks=[])


def summary(checks: list[dict]) -> dict:
    return {s: sum(c["status"] == s for c in checks) for s in STATUSES}


def claims_summary(claims: list[dict]) -> dict:
    return {v: sum(c["verdict"] == v for c in claims) for v in VERDICTS}


def failed(doc: dict) -> bool:
    return any(c["status"] == "fail" for c in doc["checks"])
