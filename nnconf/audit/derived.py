"""The audit's findings that are not catalogue claims: printed links that do not hold
(``inconsistent``), printed numbers no claim judges (``unchecked``), the page's coverage, and
formulas the page gives for one quantity compared with each other."""

from __future__ import annotations

import numpy as np

from nnconf.audit import chains, formulas, printed, units
from nnconf.audit.arith import MP
from nnconf.audit.arith import to_mp as mp
from nnconf.audit.page import Page, numbers


def _base(**kw) -> dict:
    rec = {"printed": None, "computed": None, "explanation": "", "line": None, "catalogue_line": None,
           "carried_from": None}
    rec.update(kw)
    rec["page_line"] = rec["line"]
    return rec


def formula_groups(cat, records: dict) -> list[dict]:
    """One record per quantity the page gives two or more formulas for."""
    groups: dict[str, list] = {}
    for c in cat.claims:
        if c.kind == "formula" and records[c.id]["verdict"] not in ("stale", "unverifiable"):
            groups.setdefault(c.quantity, []).append(c)
    out = []
    for quantity, cs in groups.items():
        if len(cs) < 2:
            continue
        f = formulas.agreement(cs)
        lines = [records[c.id]["line"] for c in cs]
        out.append(_base(id=f"same:{quantity}", section=cs[0].section, kind="formula",
                         what=f"the page's formulas for {formulas.QUANTITIES[quantity].what} agree",
                         printed=" = ".join(c.printed for c in cs), computed=f.computed, verdict=f.verdict,
                         explanation=f.explanation + (f" (page lines {', '.join(str(x) for x in lines if x)})"
                                                      if any(lines) else ""),
                         line=max((x for x in lines if x), default=None)))
    return out


def _text(page: Page, m) -> str:
    return page.text[m.start:m.end].replace("**", "").replace("\n", " ").strip()


def _shown(link, page: Page) -> str:
    items = link.left.value.items
    decs = [y.dec for y in link.right.value.items]
    vals = [MP.nstr(mp(x.v), d + 4) for x, d in zip(items, decs, strict=False)]
    return vals[0] if len(vals) == 1 else "[" + ", ".join(vals) + "]"


def page_findings(page: Page, cat, records: dict, located: dict, announced: dict) -> tuple[list, dict]:
    """Inconsistent links and unchecked numbers as records, and the coverage figure."""
    us = units.units(page)
    found = chains.links(page.text, us)
    members = printed.Spans([(m.start, m.end, "m") for lk in found for m in (lk.left, lk.right)])
    for c in cat.claims:  # a claim's printed expression that is not in an '=' chain: "6.5x (2.303/0.357)"
        hit = located.get(c.id)
        if hit is not None and hit.expr and hit.value and not members.find(hit.expr[0]):
            lk = chains.link_for_expression(page.text, c.section, hit.expr, hit.value)
            if lk is not None:
                found.append(lk)
    out = []
    for k, lk in enumerate(found):
        if lk.holds:
            continue
        line = page.line_of(lk.left.start)
        a, b = _text(page, lk.left), _text(page, lk.right)
        out.append(_base(id=f"link@{line}:{k}", section=lk.section or "page", kind="link",
                         what="a link of the page's printed arithmetic, checked for its own printed operands",
                         printed=f"{a} = {b}", computed=_shown(lk, page), verdict="inconsistent",
                         explanation=f"{a} = {b} does not hold: {lk.detail}", line=line))
    claim_spans, repeats = [], {}
    for c in cat.claims:
        hit = located.get(c.id)
        if hit is None:
            continue
        if c.kind in ("number", "curve") or hit.value:
            if hit.value:
                claim_spans.append((hit.value[0], hit.value[1], c.id))
            if c.kind == "number" and hit.printed:
                repeats.setdefault(c.section, {}).update({t.lstrip("-"): c.id for t in numbers(hit.printed)})
            if c.kind in ("number", "curve"):
                continue
        claim_spans.append((hit.start, hit.end, c.id))
    for cid, hit in announced.items():
        claim_spans.append((hit.start, hit.end, cid))
    link_spans = [(m.start, m.end, f"link@{page.line_of(m.start)}") for lk in found for m in (lk.left, lk.right)]
    givens: dict = {}
    for ex in cat.examples.values():
        flat = [abs(float(v)) for key, val in ex.inputs.items() if not isinstance(val, str)
                for v in np.ravel(np.asarray(val, dtype=np.float64))]
        givens.setdefault(ex.section or ex.id, {}).update(dict.fromkeys(flat, ex.id))
    exempt: dict = {}
    for e in cat.exempt:
        exempt.setdefault(e.section, {}).update(dict.fromkeys(e.numbers, e.reason))
    acc = printed.account(page, claim_spans, link_spans, repeats, givens, exempt)
    for t in acc.unchecked[:printed.MAX_RECORDS]:
        hint = ("a bold number is a result: give it a claim" if t.bold else
                "give it a claim, or declare it exempt in the catalogue ([[exempt]], with a reason) "
                "if it is a given or a hyperparameter")
        out.append(_base(id=f"unchecked@{t.line}:{t.start - page.line_starts[t.line - 1] + 1}",
                         section=t.section or "page", kind="printed",
                         what="a number the page prints that no claim judges", printed=t.text,
                         verdict="unchecked", line=t.line,
                         explanation=f"“{printed.context(page, t)}”: {hint}"))
    if len(acc.unchecked) > printed.MAX_RECORDS:
        rest = acc.unchecked[printed.MAX_RECORDS:]
        out.append(_base(id=f"unchecked@{rest[0].line}:more", section="page", kind="printed",
                         what="more printed numbers no claim judges", printed=None, verdict="unchecked",
                         line=rest[0].line, explanation=f"and {len(rest)} more printed numbers no claim "
                                                        f"judges, the first at line {rest[0].line}"))
    coverage = {"printed": acc.printed, "judged": acc.judged, "exempt": acc.exempt,
                "unchecked": len(acc.unchecked), "by": acc.by, "links": len(found),
                "inconsistent_links": sum(not lk.holds for lk in found),
                "figure": f"{acc.judged}/{acc.printed}" if acc.printed else "0/0"}
    return out, coverage
