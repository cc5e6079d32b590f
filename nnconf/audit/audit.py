"""The audit: every claim of the catalogue gets a verdict, computed now, never typed in.

Data flows one way: page + catalogue -> located printed text -> reference values (and, for
prose, registry checks and frameworks; for the MNIST curve, a seed sweep) -> verdicts. The
renderers read the verdict records only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import catalogue as C
from . import listing_claims, prose
from .page import Page
from .verdicts import FAILING, VERDICTS, evaluate_slip, judge_number

__all__ = ["Options", "run", "summary", "FAILING", "VERDICTS"]


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
            self._mnist, self.mnist_note = _mnist_results(self.opts)
            self.opts.mnist_note = self.mnist_note
        return self._mnist or None


# ------------------------------------------------------------------ MNIST results
def _reusable(section: dict) -> str | None:
    """Why a report's MNIST section cannot be reused for the page's claims (None if it can)."""
    from nnconf import data, mnist
    if section.get("dataset") != "MNIST":
        return f"dataset is {section.get('dataset')!r}, not MNIST"
    prov = section.get("data_provenance", {})
    canonical = {name: sha for name, (sha, _, _) in data.FILES.items()}
    if not prov.get("verified") or prov.get("sha256_uncompressed") != canonical:
        return "its data checksums are not the canonical MNIST ones"
    cfg = section.get("config", {})
    config = mnist.Config(sizes=tuple(cfg.get("sizes", ())), lr=cfg.get("lr"),
                          batch_size=cfg.get("batch_size"), steps_per_epoch=cfg.get("steps_per_epoch"))
    if not mnist.is_page_configuration(config) or cfg.get("dtype") != "float64":
        return f"its configuration {cfg} is not the page's (784-256-128-10, lr 0.001, batch 64, float64)"
    if len(section.get("sweep", [])) < mnist.MIN_SEEDS:
        return f"it has {len(section.get('sweep', []))} seeds, the rule needs {mnist.MIN_SEEDS}"
    return None


def _mnist_results(opts: Options):
    tried = []
    if opts.mnist_section is not None:
        why = _reusable(opts.mnist_section)
        if why is None:
            return opts.mnist_section, "the MNIST run of this report"
        tried.append(f"this report's MNIST run: {why}")
    if opts.results and Path(opts.results).is_file():
        try:
            doc = json.loads(Path(opts.results).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            tried.append(f"{opts.results}: unreadable ({exc})")
        else:
            section = doc.get("mnist", doc)
            why = _reusable(section) if isinstance(section, dict) else "no MNIST section"
            if why is None:
                return section, f"reused the MNIST run of {opts.results}"
            tried.append(f"{opts.results}: {why}")
    elif opts.results:
        tried.append(f"{opts.results}: no such file")
    if opts.train:
        from types import SimpleNamespace

        from nnconf import mnist_report
        section = mnist_report.run(SimpleNamespace(
            mnist_dir=opts.mnist_dir, offline=True, digits=False, lr=0.001, batch_size=64,
            steps_per_epoch=None, framework=["reference", "torch"], no_progress=opts.progress is None,
            page=None, epochs=20, seed=list(range(opts.seeds)), dtype="float64"))
        why = _reusable(section)
        if why is None:
            return section, f"ran the seed sweep ({opts.seeds} seeds, 20 epochs)"
        tried.append(f"the run made here: {why}")
    return False, ("no MNIST results for the page's configuration: " + "; ".join(tried or ["none given"])
                   + " (run `nnconf report`, or `nnconf audit --train`)")


# ------------------------------------------------------------------ one claim
def _record(claim: C.Claim, **kw) -> dict:
    rec = {"id": claim.id, "section": claim.section, "kind": claim.kind, "what": claim.what,
           "printed": None, "computed": None, "verdict": None, "explanation": "", "page_line": None}
    rec.update(kw)
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


def _number(ctx: Context, claim: C.Claim, printed: str) -> tuple[str, str, str]:
    value = C.value_of(ctx.cat, claim.value, ctx.cache)
    slip, slip_note = None, ""
    if claim.slip:
        refs = claim.refs()
        if all(ctx.printed.get(r) for r in refs):
            slip = evaluate_slip(claim.slip, ctx.printed)
        else:
            slip_note = " (rounding-slip not assessed: an input it needs is not on the page)"
    verdict, why = judge_number(printed, value, slip)
    return _show(value), verdict, why + slip_note


def _evidence(ctx: Context, claim: C.Claim) -> tuple[str, str, str]:
    from nnconf.registry import all_rows
    from nnconf.runner import run_row
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
    from nnconf import mnist
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
def run(cat: C.Catalogue, page: Page | None, opts: Options | None = None) -> list[dict]:
    """A verdict record for every claim, in catalogue order."""
    opts = opts or Options()
    ctx = Context(cat, opts)
    records: dict[str, dict] = {}
    located = {}
    for c in cat.claims:  # 1. read every printed value first (slips refer to each other)
        if not c.locate:
            continue
        if page is None:
            if c.printed is not None:
                ctx.printed[c.id] = c.printed
            continue
        hit = page.locate(c.section, c.locate)
        if hit:
            ctx.printed[c.id] = hit.printed
            located[c.id] = hit
    tick = opts.progress or (lambda: None)
    curve_claims = [c for c in cat.claims if c.kind == "curve"]
    curve = None
    for c in cat.claims:
        hit = located.get(c.id)
        printed = ctx.printed.get(c.id)
        base = {"printed": printed, "page_line": hit.line if hit else None,
                "expression": hit.expression if hit and hit.expression else None}
        if c.locate and printed is None:
            if c.announced:
                value = C.value_of(cat, c.value, ctx.cache)
                records[c.id] = _record(c, **base, computed=_show(value, c.precision),
                                        verdict="missing",
                                        explanation=f"announced but not shown; the reference gives "
                                                    f"{_show(value, c.precision)}")
            else:
                records[c.id] = _record(c, **base, verdict="stale",
                                        explanation=f"not found on the page: searched section "
                                                    f"[{c.section}] for {c.locate!r}"
                                        if page is not None else "no printed text recorded")
            tick()
            continue
        if c.kind == "number":
            computed, verdict, why = _number(ctx, c, printed)
            records[c.id] = _record(c, **base, computed=computed, verdict=verdict, explanation=why)
        elif c.kind == "curve":
            if curve is None:
                curve = _curves(ctx, curve_claims)
            computed, verdict, why = curve.get(c.id, ("", "unverifiable", ctx.mnist_note))
            records[c.id] = _record(c, **base, computed=computed, verdict=verdict, explanation=why)
        elif c.kind == "listing":
            records[c.id] = _record(c, **{**base, **listing_claims.judge(ctx, c, page, printed)})
        else:
            if c.evidence:
                computed, verdict, why = _evidence(ctx, c)
            else:
                f = prose.TESTS[c.test](ctx, **c.args)
                computed, verdict, why = f.computed, f.verdict, f.explanation
            records[c.id] = _record(c, **base, computed=computed, verdict=verdict, explanation=why)
        tick()
    return [records[c.id] for c in cat.claims]


def summary(records: list[dict]) -> dict:
    return {v: sum(r["verdict"] == v for r in records) for v in VERDICTS}


def failing(records: list[dict], fail_on=FAILING) -> list[dict]:
    return [r for r in records if r["verdict"] in fail_on]


def table(records: list[dict]) -> str:
    """A plain-text table of every claim that is not confirmed, and the count of those that are."""
    rows = [r for r in records if r["verdict"] != "confirmed"]
    lines = []
    width = max((len(r["id"]) for r in rows), default=10)
    for r in rows:
        printed = r["printed"] if r["printed"] is not None else "—"
        lines.append(f"{r['verdict']:15s} {r['id']:{width}s}  printed {printed}  |  {r['explanation']}")
    s = summary(records)
    lines.append(f"{s['confirmed']} confirmed; " + ", ".join(f"{s[v]} {v}" for v in VERDICTS
                                                               if v != "confirmed" and s[v]))
    return "\n".join(lines)

