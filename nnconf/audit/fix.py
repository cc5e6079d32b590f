"""``nnconf audit --fix``: a corrected copy of the page, change by change, from the audit's
own verdicts and locations.

1. Every ``wrong`` or ``rounding-slip`` number claim (those ``carried from`` another included)
   gets the reference's value rounded at its printed precision, written over its located
   value span (``Located.value``: the ``{}`` hole of its template), number by number, in the
   page's own brackets, spacing and minus sign.
2. The same result repeated later in its section as an operand (``[0.438 − 1, 0.562 − 0]``
   after ``ŷ = **[0.438, 0.562]**``) is updated with it, so the page's printed arithmetic stays
   consistent: a number token of the section (``printed.tokens``: the numbers the audit
   accounts for) after the fixed value, outside every located claim value and every located
   prose, formula or listing claim, whose text is a number of the nearest such fixed value
   before it. A given of the section's example (``0.5``, ``1.0``) is never touched.
3. Every announced but missing step is inserted as a line in the style of its neighbours, with
   its computation and value (``steps.py``).
4. Prose, formula, listing and curve claims are not rewritten: they are listed for a human,
   with the page's inconsistent links and unchecked numbers.

The fixed text is checked before it is returned: every claim the page showed is still found,
and every inserted step is found with its value; a fix that would lose one is an error.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from nnconf.audit import audit, printed, steps, units
from nnconf.audit import catalogue as C
from nnconf.audit.page import Page, numbers
from nnconf.audit.steps import Change, Edit, FixError, page_minus, shown
from nnconf.audit.verdicts import fmt, rounds_to

__all__ = ["FIXABLE", "Change", "Fixed", "FixError", "at_precision", "plan", "shown"]

FIXABLE = ("wrong", "rounding-slip")


@dataclass(frozen=True, kw_only=True)
class Fixed:
    text: str
    changes: tuple
    for_human: tuple  # the claims' records the fix does not rewrite (page findings: see ``after``)
    not_inserted: tuple  # (claim id, why) of missing steps it could not write


def at_precision(printed_text: str, value) -> str:
    """``printed_text`` with each number replaced by ``value``'s at that number's printed
    precision, brackets and spacing kept (a printed shape that does not fit is rewritten
    whole at the first number's precision)."""
    values = [float(v) for v in np.ravel(np.asarray(value, dtype=np.float64))]
    tokens = numbers(printed_text)
    if len(tokens) != len(values):
        return shown(value, tokens[0] if tokens else "0.000", printed_text)
    it = iter(zip(values, tokens, strict=True))

    def one(m):
        v, t = next(it)
        return page_minus(fmt(v, t), printed_text)
    return re.sub(r"[−-]?\d+(?:\.\d+)?", one, printed_text)


class _Planner:
    def __init__(self, cat: C.Catalogue, page: Page, records: list[dict] | None, sections):
        self.cat, self.page, self.text = cat, page, page.text
        self.sections = set(sections) if sections else None
        self.cache: dict = {}
        self.by_id = cat.by_id()
        ctx = audit.Context(cat, audit.Options())
        self.located, self.announced = audit.locate_all(cat, page, ctx)
        self.records = {r["id"]: r for r in records} if records is not None else None
        self.units = units.units(page)
        self.unit_starts = [u.start for u in self.units]
        self.edits: list[Edit] = []
        self.final: dict[str, str] = {}  # claim id -> its printed text on the fixed page
        self.not_inserted: list[tuple[str, str]] = []

    def wanted(self, c: C.Claim) -> bool:
        return self.sections is None or c.section in self.sections

    def value(self, c: C.Claim):
        return C.value_of(self.cat, c.value, self.cache)

    def verdict(self, c: C.Claim) -> str | None:
        """The audit's verdict (or, without records, the rule's first test: does the exact value
        round to the printed text)."""
        if self.records is not None:
            return self.records.get(c.id, {}).get("verdict")
        hit = self.located.get(c.id)
        if hit is None:
            return "missing" if c.announced and c.id in self.announced else None
        exact = np.ravel(np.asarray(self.value(c), dtype=np.float64))
        toks = numbers(hit.printed)
        ok = len(toks) == exact.size and all(rounds_to(float(v), t) for v, t in zip(exact, toks, strict=True))
        return "confirmed" if ok else "wrong"

    # ------------------------------------------------------------------ values and operands
    def values(self) -> None:
        fixed = []  # (value start, claim, {old magnitude: {new magnitudes}})
        for c in self.cat.claims:
            hit = self.located.get(c.id)
            if c.kind != "number" or hit is None or hit.value is None:
                continue
            self.final[c.id] = hit.printed
            verdict = self.verdict(c)
            if not self.wanted(c) or verdict not in FIXABLE:
                continue
            new = at_precision(hit.printed, self.value(c))
            self.final[c.id] = new
            mapping: dict[str, set] = {}
            for a, b in zip(numbers(hit.printed), numbers(new), strict=False):
                same_sign = a.startswith("-") == b.startswith("-")
                mapping.setdefault(a.lstrip("-"), set()).add(b.lstrip("-") if same_sign else None)
            fixed.append((hit.value[0], c, mapping))
            if new != hit.printed:
                self.edits.append(Edit(start=hit.value[0], end=hit.value[1], new=new, change=Change(
                    claim=c.id, action="value", line=hit.line, old=hit.printed, new=new, verdict=verdict)))
        if fixed:
            self._operands(sorted(fixed, key=lambda f: f[0]))

    def _operands(self, fixed: list) -> None:
        values = [(h.value[0], h.value[1], cid) for cid, h in self.located.items() if h.value]
        prose = [(h.start, h.end, cid) for cid, h in self.located.items()
                 if self.by_id[cid].kind not in ("number", "curve")]
        inside = printed.Spans(values + prose)
        givens: dict[str, set] = {}
        for ex in self.cat.examples.values():
            flat = {abs(float(v)) for val in ex.inputs.values() if not isinstance(val, str)
                    for v in np.ravel(np.asarray(val, dtype=np.float64))}
            givens.setdefault(ex.section or ex.id, set()).update(flat)
        starts = [f[0] for f in fixed]
        for t in printed.tokens(self.page):
            if t.bold or inside.find(t.start) or not re.fullmatch(r"\d+(?:\.\d+)?", t.text):
                continue
            if float(t.text) in givens.get(t.section, ()):
                continue
            for k in range(bisect_right(starts, t.start) - 1, -1, -1):
                _, c, mapping = fixed[k]
                if c.section != t.section or t.text not in mapping:
                    continue
                news = mapping[t.text]
                if len(news) == 1 and None not in news:
                    new = next(iter(news))
                    if new != t.text:
                        self.edits.append(Edit(start=t.start, end=t.end, new=new, change=Change(
                            claim=c.id, action="operand", line=t.line, old=t.text, new=new,
                            verdict=self.verdict(c))))
                break

    # ------------------------------------------------------------------ the fixed text
    def apply(self) -> str:
        edits = sorted(self.edits, key=lambda e: (e.start, e.end))
        out, pos = [], 0
        for e in edits:
            if e.start < pos:
                raise FixError(f"{e.change.claim}: its change at line {e.change.line} overlaps another")
            out.append(self.text[pos:e.start])
            out.append(e.new)
            pos = e.end
        out.append(self.text[pos:])
        return "".join(out)


def plan(cat: C.Catalogue, page: Page, records: list[dict] | None = None, *, sections=None) -> Fixed:
    """The fixed page for these verdict records (``records=None``: every located number that
    does not round to its printed text, and every announced missing step). ``sections``: only
    the claims of these sections."""
    p = _Planner(cat, page, records, sections)
    p.values()
    steps.insert_missing(p)
    text = p.apply()
    _check(cat, page, Page(text, page.path), p)
    changes = tuple(e.change for e in sorted(p.edits, key=lambda e: e.start))
    handled = {c.claim for c in changes if c.action != "operand"}
    human = [r for r in records or [] if r["verdict"] != "confirmed" and r["id"] not in handled
             and r["kind"] not in ("link", "printed")]
    return Fixed(text=text, changes=changes, for_human=tuple(human), not_inserted=tuple(p.not_inserted))


def _check(cat: C.Catalogue, before: Page, after: Page, p: _Planner) -> None:
    ctx = audit.Context(cat, audit.Options())
    located, _ = audit.locate_all(cat, after, ctx)
    lost = [cid for cid in p.located if cid not in located]
    if lost:
        raise FixError(f"the fix would make {', '.join(lost)} unfindable on the page; nothing written")
    inserted = {e.change.claim for e in p.edits if e.change.action == "insert"}
    for cid in inserted:
        hit = located.get(cid)
        if hit is None or hit.printed != p.final[cid]:
            raise FixError(f"{cid}: the inserted step is not found as {p.final[cid]!r} by its own locate template")
    for cid, hit in located.items():
        if cid in p.located and hit.value and p.final.get(cid) is not None and hit.printed != p.final[cid]:
            raise FixError(f"{cid}: after the fix its template finds {hit.printed!r}, not {p.final[cid]!r}")
