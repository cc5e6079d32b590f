"""The report's sections, built once from the results document (:mod:`nnconf.report.results`); the
Markdown and HTML renderers only format them. A section whose part is absent (no claims, no
MNIST run, no figures, ...) is left out of both."""

from __future__ import annotations

import json

from nnconf.audit.listing_claims import summary_line
from nnconf.report import formatting as fmt
from nnconf.report.document import (
    Bullets,
    Cards,
    Code,
    Count,
    Details,
    Heading,
    Image,
    Margin,
    Pre,
    Section,
    Strong,
    Table,
    Text,
)

FAILING_VERDICTS = ("wrong", "false", "missing", "not-reproduced")


def build(doc: dict) -> list[Section]:
    parts = (summary(doc), coverage(doc), claims(doc), conventions(doc), properties(doc), mnist(doc),
             pitfalls(doc), figures(doc), exactness(doc), mutation(doc), checks(doc), tolerances(doc), provenance(doc))
    return [s for s in parts if s is not None]


def exactness_table(doc: dict) -> dict | None:
    """The exactness row's table (figures of ``exactness.reference_vs_best``), if it ran."""
    for c in doc["checks"]:
        if c["id"] == "exactness.reference_vs_best" and (c.get("figures") or {}).get("exactness"):
            return c["figures"]["exactness"]
    return None


def _status(s: str) -> Strong:
    return Strong(s, s)


def summary(doc: dict) -> Section:
    checks, s, cs = doc["checks"], doc["summary"], doc.get("claims_summary", {})
    blocks = [Cards(tuple((k, v, k) for k, v in s.items())
                    + tuple((f"claims {k}", v, k) for k, v in cs.items() if v)),
              Text(("Rows: a check × an oracle × a setting.",))]
    fails = [c for c in checks if c["status"] == "fail"]
    if doc.get("audit"):
        blocks.append(Text((Strong("Page listings:"), f" {summary_line(doc['audit'])}.")))
    blocks.append(Text((Strong("Failing checks:"), f" {len(fails) or 'none'}.")))
    if fails:
        blocks.append(Bullets([(Code(c["id"]), f" [{c['oracle']}:{c['variant']}]: {fmt.clip(c['note'], 400)}; "
                                "reproduce: ", Code(c.get("reproduce") or "–")) for c in fails]))
    conv = [c for c in checks if c["status"] == "convention"]
    topics = sorted({f'{c["id"].split(".")[1] if "." in c["id"] else c["id"]} ({c["oracle"]})' for c in conv})
    blocks.append(Text((Strong("Differs by convention:"),
                        f" {len(conv)} framework settings (see the conventions): " + ", ".join(topics) + ".")))
    if doc.get("claims") is not None:
        bad = [c for c in doc["claims"] if c["verdict"] in FAILING_VERDICTS]
        blocks.append(Text((Strong("What the page gets wrong:"), f" {len(bad)} claims (see the page's claims).")))
        if bad:
            blocks.append(Bullets([(Strong(c["verdict"], c["verdict"]), " ", Code(c["id"]), f": {c['explanation']}")
                                   for c in bad]))
    return Section("summary", "Summary", blocks)


def coverage(doc: dict) -> Section | None:
    cov = doc.get("coverage")
    if not cov:
        return None
    rows = [(Code(r["section"]), *(Count(r["cells"][c]) for c in cov["columns"])) for r in cov["rows"]]
    uncovered = "; ".join(f"{s} × {c}" for s, c in cov["uncovered"]) or "none"
    return Section("coverage", "Coverage matrix", [
        Text(("Page sections × what checks them (counts of registry rows and audit claims); "
              "empty cells are listed below.",)),
        Table(("section", *cov["columns"]), rows),
        Details(f"Uncovered cells ({len(cov['uncovered'])})", [Text((uncovered,))])])


def _claims_table(rows: list[dict]) -> Table:
    return Table(("line", "verdict", "claim", "printed", "computed", "explanation"),
                 [(str(c.get("line") or "–"), Strong(c["verdict"], c["verdict"]),
                   (Code(c["id"]), f" {c.get('what') or ''}".rstrip()), c["printed"] or "–",
                   fmt.clip(c["computed"] or "–", 200), c["explanation"]) for c in rows])


def claims(doc: dict) -> Section | None:
    records = doc.get("claims")
    if records is None:
        return None
    a = doc.get("audit", {})
    s = doc.get("claims_summary", {})
    blocks = [Text((Strong(" · ".join(f"{n} {v}" for v, n in s.items() if n)),)),
              Text(("Page ", Code(str(a.get("page"))), f" ({a.get('page_source')}); catalogue ",
                    Code(str(a.get("catalogue"))),
                    f"; listings {summary_line(a)}"
                    + (f"; {a['listing_note']}" if a.get("listing_note") else "") + ". Reproduce: ",
                    Code(f"nnconf audit --page {a.get('page')}")))]
    if a.get("coverage"):
        from nnconf.audit.terminal import coverage_line
        blocks.append(Text((coverage_line(a["coverage"]).replace("coverage:", "Page coverage:", 1) + ".",)))
    shown = [c for c in records if c["verdict"] != "confirmed"]
    if shown:
        blocks.append(_claims_table(shown))
    ok = [c for c in records if c["verdict"] == "confirmed"]
    if ok:
        blocks.append(Details(f"{len(ok)} confirmed claims", [_claims_table(ok)]))
    return Section("claims", "The page's claims (audit)", blocks)


def conventions(doc: dict) -> Section:
    rows = []
    for c in (c for c in doc["checks"] if c["status"] == "convention"):
        m = c.get("matches")
        if m is None:  # a property: its figures are in the note
            rows.append((Code(c["id"]), c["oracle"], c["variant"], fmt.num(c["max_abs_err"]), "–",
                         "(see note)", "–", c["note"]))
            continue
        diff = c["max_abs_err"] if c["max_abs_err"] is not None else "shape"
        rows.append((Code(c["id"]), c["oracle"], fmt.settings(c["settings"]), fmt.num(diff),
                     fmt.num(c["max_rel_err"]), fmt.matched(m), Margin(m["margin"]), c["note"]))
    return Section("conventions", "Conventions: framework settings that differ from the page", [
        Text(("Each row: the framework's setting, the measured difference from the page (max |Δ| over the "
              "tested inputs), the reference settings it agrees with instead and the agreement reached "
              "(margin = error / tolerance, ≤ 1 passes).",)),
        Table(("check", "oracle", "setting", "max abs Δ vs page", "max rel Δ", "agrees with reference",
               "its margin", "what differs"), rows)])


def properties(doc: dict) -> Section | None:
    props = [c for c in doc["checks"] if c["kind"] == "property"]
    if not props:
        return None
    return Section("properties", "Properties and statistical checks", [Bullets([
        (_status(c["status"]), " ", Code(c["id"]), f" [{c['oracle']}]: {c['note']}") for c in props])])


def mnist(doc: dict) -> Section | None:
    m = doc.get("mnist")
    if not m:
        return None
    blocks = [Image(m.get("plot") or "", "MNIST curves"), Pre(m.get("summary") or "")]
    if m.get("fallback_note"):
        blocks.append(Text((Strong(m["fallback_note"]),)))
    if m.get("float32"):
        blocks.append(Text((f"float32 drift ({m['float32']['epochs']} epochs) from the float64 reference:",)))
        blocks.append(Bullets([(f"{name}: max |Δ batch loss| {fmt.num(a['max_batch_loss_diff'])}, max |ΔW| "
                                f"{fmt.num(a['max_final_weight_diff'])}, correct {a['correct']} vs "
                                f"{a['reference_correct']}",)
                               for name, a in m["float32"]["drift_from_float64_reference"].items()]))
    if m.get("verdicts"):
        blocks.append(Table(("epoch", "quantity", "printed", "measured mean", "sd", "seeds", "verdict"),
                            [(str(v["epoch"]), v["quantity"], str(v["printed"]), f"{v['measured_mean']:.4f}",
                              fmt.num(v.get("measured_sd")), str(v["seeds"]), Strong(v["verdict"], v["verdict"]))
                             for v in m["verdicts"]]))
    elif m.get("verdicts_note"):
        blocks.append(Text((m["verdicts_note"],)))
    d = m.get("data_provenance", {})
    blocks.append(Text((f"Data: {m.get('dataset')} from {d.get('source')} ({d.get('path')}), "
                        f"checksums verified: {d.get('verified')}.",)))
    return Section("mnist", "MNIST: the page's experiment in every framework", blocks)


def pitfalls(doc: dict) -> Section | None:
    p = doc.get("pitfalls")
    if not p:
        return None
    records = [c for c in doc.get("claims", []) if c.get("kind") == "experiment"]
    settings = p.get("settings") or {}
    blocks = [Text(("The page's table of common mistakes as controlled experiments: each row's symptom and its "
                    "fix, mistake arm against fixed arm over the same seeds and batches, judged by the rule written "
                    f"in the catalogue before the run. Scale: {settings.get('scale', '–')}. "
                    f"Experiments: {fmt.num(p.get('compute_seconds'))} s"
                    + (" (from the cache)" if p.get("cache") == "hit" else "") + ".",)),
              Table(("line", "claim", "verdict", "measured effect [95% interval]"),
                    [(str(c.get("line") or "–"), (Code(c["id"]), f" {c.get('what') or ''}".rstrip()),
                      Strong(c["verdict"], c["verdict"]), c.get("computed") or "–") for c in records])]
    if (doc.get("figures") or {}).get("pitfalls"):
        blocks.append(Image(doc["figures"]["pitfalls"], "pitfalls experiments: the two arms with seed bands"))
    return Section("pitfalls", "Common pitfalls: the page's table as experiments", blocks)


FIGURES = (("activations", "The page's activation figure, regenerated (reference; torch and JAX on top)",
            "activation functions"),
           ("errors", "Achieved error against tolerance, per check family", "error distributions"),
           ("optimizers", "Optimizer trajectories: reference vs frameworks, defaults and page-matching settings",
            "optimizer trajectories"))


def figures(doc: dict) -> Section | None:
    f = doc.get("figures")
    if not f:
        return None
    blocks = []
    for key, title, alt in FIGURES:
        if f.get(key):
            blocks += [Heading((title,)), Image(f[key], alt)]
    diffs = (doc.get("figure_data") or {}).get("activation_max_abs_diff")
    if diffs:
        blocks.append(Text(("Largest |framework − reference| per activation curve: "
                            + ", ".join(f"{k} {fmt.num(v)}" for k, v in diffs.items()) + ".",)))
    return Section("figures", "Figures", blocks)


def exactness(doc: dict) -> Section | None:
    t = exactness_table(doc)
    if not t:
        return None
    return Section("exactness", "Exactness: ULP error against mpmath (400 digits)", [
        Text((f"{t['inputs_per_formula']} hypothesis-drawn inputs per formula (whole finite range, near 0, "
              "saturation, exp's underflow edge; probabilities within 1e-300 of 0 and 1e-16 of 1); softmax and "
              "the softmax cross-entropy take three drawn logits (true class 0, component 0 reported). Rows "
              "example:… are the worked examples' values at the page's inputs (the Adam example's θ_t also "
              "through torch.optim.Adam and optax.adam). Inputs where the reference is worse than the best "
              "framework by more than 1 ulp: ", Strong(str(len(t["violations"]))), ".")),
        Table(("formula", "implementation", "dtype", "max ulp", "median ulp", "input of the max"),
              [(r["formula"], r["impl"], r["dtype"],
                Strong(fmt.ulp(r["max_ulp"]), "fail") if isinstance(r["max_ulp"], int | float) and r["max_ulp"] > 4
                else fmt.ulp(r["max_ulp"]), fmt.ulp(r["median_ulp"]), str(r["at"])) for r in t["rows"]])])


def mutation(doc: dict) -> Section | None:
    m = doc.get("mutation")
    if not m:
        return None
    return Section("mutation", "Mutation score (mutmut on reference/)", [
        Text((Strong(f"{m['score']:.1%}"), f" killed: {m['killed']} killed, {m['survived']} survived of "
              f"{m['total']} ({m['tests']}); {m['explained']} survivors explained in ",
              Code("mutation-survivors.toml"), ".")),
        Details(f"{len(m['survivors'])} survivors", [Bullets([
            (Code(s["name"]), f": {s['explanation']}" if s["explanation"] else "") for s in m["survivors"]])])])


def checks(doc: dict) -> Section:
    by_section: dict[str, list[dict]] = {}
    for c in doc["checks"]:
        by_section.setdefault(c["section"], []).append(c)
    blocks = []
    for section, rows in by_section.items():
        blocks += [Heading((Code(section),)), Table(
            ("check", "oracle", "setting", "status", "max abs err", "max rel err", "margin", "tolerance",
             "examples", "note"),
            [(Code(c["id"]), c["oracle"], fmt.settings(c["settings"]), _status(c["status"]), fmt.num(c["max_abs_err"]),
              fmt.num(c["max_rel_err"]), Margin(c["margin"]), fmt.tolerance(c["tolerance"]), str(c["examples"]),
              fmt.clip(c["note"], 300)) for c in rows])]
    return Section("checks", "Checks by page section", blocks)


def tolerances(doc: dict) -> Section:
    seen: dict[tuple, list[str]] = {}
    for c in doc["checks"]:
        if c["tolerance"]:
            seen.setdefault((fmt.tolerance(c["tolerance"]), c["tolerance"]["reason"]), []).append(c["id"])
    items = []
    for (terms, reason), ids in seen.items():
        spans_: list = []
        for i in dict.fromkeys(ids):
            spans_ += [Code(i), ", "]
        items.append((*spans_[:-1], f" ({terms}): {reason}"))
    return Section("tolerances", "Tolerances and their reasons", [Bullets(items)])


def provenance(doc: dict) -> Section:
    rows = [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in doc["provenance"].items()]
    if doc.get("mnist"):
        rows.append(("MNIST data", json.dumps(doc["mnist"].get("data_provenance", {}))))
    return Section("provenance", "Provenance", [Table(("key", "value"), rows)])
