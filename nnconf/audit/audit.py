"""The audit: every claim of the catalogue gets a verdict, computed now, never typed in.

Data flows one way: page + catalogue -> located printed text -> reference values (and, for
prose, registry checks and frameworks; for the MNIST curve, a seed sweep) -> verdicts. The
renderers read the verdict records only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from nnconf.audit import carry, derived, formulas, listing_claims, mnist_results, prose
from nnconf.audit import catalogue as C
from nnconf.audit.page import Page
from nnconf.audit.terminal import coverage_line, summary, table
from nnconf.audit.verdicts import FAILING, VERDICTS

__all__ = ["Options", "Result", "run", "audit", "summary", "failing", "table", "coverage_line", "FAILING",
           "VERDICTS"]


@dataclass
class Options:
    run_listings: bool = False  # the CLI runs them by default; see listing_claims.settings
    listing_timeout: float = 900.0
    listings: object = None  # nnconf.sandbox.Settings: mode (sandbox/unsafe/off), limits, bwrap
    mnist_dir: str | None = None  # for the MNIST listing's loader shim and for --train
    results: str | None = None  # a report (conformance.json or mnist.json) whose MNIST run to reuse
    train: bool = False  # run the seed sweep when no reusable results exist
    seeds: int = 5
    profile: str = "ci"  # for registry evidence
    progress: Callable | None = None
    mnist_section: dict | None = None  # a MNIST section already at hand (nnconf report's own)
    checks: list | None = None  # registry results already at hand (nnconf report's own): reused as evidence
    mnist_note: str = ""
    cache: object = None  # nnconf.run.cache.Cache: listing runs kept across audits
    prefetched: dict | None = None  # listing runs made ahead (nnconf.audit.listing_runs.Prefetch)


@dataclass
class Result:
    records: list  # one per catalogue claim, then the page's own findings (links, numbers, formula pairs)
    coverage: dict | None  # printed numbers judged / printed (None without a page)


@dataclass
class Context:
    cat: C.Catalogue
    opts: Options
    printed: dict = field(default_factory=dict)
    cache: dict = field(default_factory=dict)
    _mnist: object = None
    mnist_note: str = ""

    def example(self, example_id: str) -> dict:
        return C.computed(self.cat, example_id, self.cache)

    def inputs(self, example_id: str) -> dict:
        return self.cat.examples[example_id].inputs

    def mnist(self):
        if self._mnist is None:
            self._mnist, self.mnist_note = mnist_results.find(self.opts)
            self.opts.mnist_note = self.mnist_note
        return self._mnist or None


# ------------------------------------------------------------------ one claim
def _record(claim: C.Claim, **kw) -> dict:
    rec = {"id": claim.id, "section": claim.section, "kind": claim.kind, "what": claim.what,
           "printed": None, "computed": None, "verdict": None, "explanation": "", "line": None,
           "catalogue_line": claim.line, "carried_from": None}
    rec.update(kw)
    rec["page_line"] = rec["line"]  # the name earlier reports used
    return rec


def _show(value, decimals: int | None = None) -> str:
    arr = np.asarray(value, dtype=np.float64)

    def one(v):
        return f"{v:.{decimals}f}" if decimals is not None else f"{v:.6g}"
    if arr.ndim == 0:
        return one(float(arr))
    if arr.ndim == 1:
        return "[" + ", ".join(one(v) for v in arr) + "]"
    return "[" + ", ".join("[" + ", ".join(one(v) for v in row) + "]" for row in arr) + "]"


def _number(ctx: Context, claim: C.Claim, printed: str, done: dict) -> carry.Verdict:
    """The rule of ``carry.py``: exact, carried rounding, or wrong (with its origin)."""
    value = C.value_of(ctx.cat, claim.value, ctx.cache)
    by_id = ctx.cat.by_id()
    refs = []
    for ref in claim.refs():
        rec = done.get(ref, {})
        verdict = rec.get("verdict", "missing")
        refs.append(carry.Ref(ref, C.value_of(ctx.cat, by_id[ref].value, ctx.cache),
                              ctx.printed.get(ref) if verdict not in ("stale", "missing") else None,
                              verdict, rec.get("carried_from") or (ref if verdict == "wrong" else None)))
    return carry.judge(printed, value, claim.slip, refs)


def _evidence(ctx: Context, claim: C.Claim) -> tuple[str, str, str]:
    from nnconf.conformance.registry import all_rows
    from nnconf.conformance.runner import run_row
    done = [c for c in (ctx.opts.checks or []) if c["id"] in claim.evidence]
    if done:
        results = done  # the report ran these rows already
    else:
        rows = [r for r in all_rows() if r.check.id in claim.evidence]
        if not rows:
            return "", "unverifiable", f"no registry check {list(claim.evidence)}"
        results = [run_row(r, profile=ctx.opts.profile) for r in rows]
    statuses = {r["status"] for r in results}
    notes = "; ".join(f"{r['id']} [{r['oracle']}]: {r['status']}"
                      + (f" — {r['note']}" if r.get("note") else "") for r in results)
    if "fail" in statuses:
        return "fail", "false", notes
    if statuses <= {"pass", "convention"}:
        return "pass", "confirmed", notes
    return ",".join(sorted(statuses)), "unverifiable", notes


def _curves(ctx: Context, claims: list[C.Claim]) -> dict[str, tuple]:
    from nnconf.mnist import experiment as mnist
    m = ctx.mnist()
    if m is None:
        return {c.id: ("", "unverifiable", ctx.mnist_note) for c in claims}
    printed = {}
    for c in claims:
        text = ctx.printed.get(c.id)
        if text is not None:
            printed.setdefault(c.epoch, {})[c.quantity] = text
    table = {e: (q.get("loss", "nan"), q.get("accuracy", "nan")) for e, q in printed.items()}
    losses = [s["epoch_losses"] for s in m["sweep"]]
    accs = [s["accuracy"] for s in m["sweep"]]
    found = {(v["epoch"], v["quantity"]): v for v in mnist.verdicts_from_values(table, losses, accs)}
    out = {}
    for c in claims:
        v = found.get((c.epoch, c.quantity))
        if v is None or ctx.printed.get(c.id) is None:
            continue
        verdict = {"reproduced": "confirmed"}.get(v["verdict"], v["verdict"])
        out[c.id] = (f"{v['measured_mean']:.4f}", verdict, v["explanation"] + f" ({ctx.mnist_note})")
    return out


# ------------------------------------------------------------------ the whole audit
def _template(c: C.Claim) -> str:
    return c.locate.replace("{formula}", c.printed or "")


def locate_all(cat: C.Catalogue, page: Page, ctx: Context) -> tuple[dict, dict]:
    """Every claim's text on the page, and every announcement: ``({id: Located}, {id: Located})``."""
    located, announced = {}, {}
    for c in cat.claims:
        tmpl = _template(c)
        hit = page.locate(c.section, tmpl, need_value="{}" in tmpl)
        if hit:
            located[c.id] = hit
            if hit.printed is not None and c.kind in ("number", "curve", "listing"):
                ctx.printed[c.id] = hit.printed
        if c.announced:
            a = page.locate(c.section, c.announced, need_value=False, with_heading=True)
            if a:
                announced[c.id] = a
    return located, announced


def _absent(ctx: Context, c: C.Claim, page: Page | None, located: dict, announced: dict) -> dict | None:
    """The record of a claim whose text the page does not show (None when it does)."""
    if page is None:
        if c.kind == "number" and c.announced and c.printed is None:
            value = C.value_of(ctx.cat, c.value, ctx.cache)
            return _record(c, computed=_show(value, c.precision), verdict="missing",
                           explanation=f"announced but not shown; the reference gives {_show(value, c.precision)}")
        return None
    if c.id in located:
        return None
    where = (f"section [{c.section}] is not on the page" if not page.bodies(c.section)
             else f"searched section [{c.section}] for {_template(c)!r}")
    if c.announced:
        hit = announced.get(c.id)
        if hit is not None:
            value = C.value_of(ctx.cat, c.value, ctx.cache)
            return _record(c, computed=_show(value, c.precision), verdict="missing", line=hit.line,
                           explanation=f"announced ({c.announced!r}) but not shown; the reference gives "
                                       f"{_show(value, c.precision)}")
        return _record(c, verdict="stale", explanation=f"neither the step nor its announcement "
                                                       f"{c.announced!r} is on the page: {where}")
    return _record(c, verdict="stale", explanation=f"not found on the page: {where}")


def audit(cat: C.Catalogue, page: Page | None, opts: Options | None = None) -> Result:
    """A verdict record for every claim (catalogue order), then the page's own findings."""
    opts = opts or Options()
    ctx = Context(cat, opts)
    ctx.cache.update(opts.prefetched or {})
    tick = opts.progress or (lambda: None)
    if page is not None:
        located, announced = locate_all(cat, page, ctx)
    else:
        located, announced = {}, {}
        ctx.printed.update({c.id: c.printed for c in cat.claims
                            if c.printed is not None and c.kind in ("number", "curve", "listing")})
    records: dict[str, dict] = {}
    for c in C.dependency_order(cat):  # numbers first, each after the printed values it carries
        if c.kind != "number":
            continue
        rec = _absent(ctx, c, page, located, announced)
        if rec is None:
            hit = located.get(c.id)
            v = _number(ctx, c, ctx.printed[c.id], records)
            rec = _record(c, printed=ctx.printed[c.id], line=hit.line if hit else None,
                          expression=hit.expression if hit else None,
                          computed=_show(C.value_of(cat, c.value, ctx.cache)), verdict=v.verdict,
                          explanation=v.explanation, carried_from=v.carried_from, carried=list(v.carried))
        records[c.id] = rec
        tick()
    curve_claims = [c for c in cat.claims if c.kind == "curve"]
    curve = None
    for c in cat.claims:
        if c.id in records:
            continue
        rec = _absent(ctx, c, page, located, announced)
        if rec is not None:
            records[c.id] = rec
            tick()
            continue
        hit = located.get(c.id)
        printed = ctx.printed.get(c.id)
        base = {"printed": printed, "line": hit.line if hit else None}
        if c.kind == "curve":
            if curve is None:
                curve = _curves(ctx, curve_claims)
            computed, verdict, why = curve.get(c.id, ("", "unverifiable", ctx.mnist_note))
            records[c.id] = _record(c, **base, computed=computed, verdict=verdict, explanation=why)
        elif c.kind == "listing":
            records[c.id] = _record(c, **{**base, **listing_claims.judge(ctx, c, page, printed)})
        elif c.kind == "formula":
            f = formulas.judge(c)
            records[c.id] = _record(c, **{**base, "printed": c.printed}, computed=f.computed,
                                    verdict=f.verdict, explanation=f.explanation)
        else:
            if c.evidence:
                computed, verdict, why = _evidence(ctx, c)
            else:
                f = prose.TESTS[c.test](ctx, **c.args)
                computed, verdict, why = f.computed, f.verdict, f.explanation
            records[c.id] = _record(c, **base, computed=computed, verdict=verdict, explanation=why)
        tick()
    extra = derived.formula_groups(cat, records)
    coverage = None
    if page is not None:
        found, coverage = derived.page_findings(page, cat, records, located, announced)
        extra += found
    return Result([records[c.id] for c in cat.claims] + extra, coverage)


def run(cat: C.Catalogue, page: Page | None, opts: Options | None = None) -> list[dict]:
    """The records of :func:`audit`."""
    return audit(cat, page, opts).records


def failing(records: list[dict], fail_on=FAILING) -> list[dict]:
    return [r for r in records if r["verdict"] in fail_on]
