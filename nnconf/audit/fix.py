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
3. Every announced but missing step is inserted as a line built from its own ``locate``
   template (so the audit finds it): the value at the catalogue's ``precision``; the
   template's wildcard filled with the claim's ``slip`` expression in the page's notation
   (``notation.py``) over the printed values of the fixed page. The lines go after the last
   line of its neighbours (the shown claims of the same quantity at another step: ``m@2``
   for ``m@3``, ``dW2`` for ``dW1``), with their list marker and ``Step N:`` numbering; a new
   step of an example whose steps have header lines (``Step 2 (t = 2, g₂ = 1.5):``) gets its
   own header, the step index and the example's per-step givens advanced.
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

from . import audit, notation, printed, units
from . import catalogue as C
from .page import Page, numbers
from .template import compile_template
from .verdicts import fmt, rounds_to

FIXABLE = ("wrong", "rounding-slip")
STEP_LABEL = re.compile(r"Step (\d+): ")
MINUS = "−"
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


class FixError(ValueError):
    """The fix cannot be made safely (one line: which claim, why)."""


@dataclass(frozen=True, kw_only=True)
class Change:
    claim: str
    action: str  # "value" (a claim's printed value), "operand" (a repeat of it), "insert" (a missing step)
    line: int  # the original page's line (for an insertion: the line it follows)
    old: str
    new: str
    verdict: str

    def describe(self, path: str) -> str:
        if self.action == "insert":
            return f"{path}:{self.line}: {self.claim} ({self.verdict}): inserted after line {self.line}: {self.new}"
        what = "value" if self.action == "value" else "operand repeating it"
        return f"{path}:{self.line}: {self.claim} ({self.verdict}): {what} {self.old} -> {self.new}"


@dataclass(frozen=True, kw_only=True)
class Fixed:
    text: str
    changes: tuple
    for_human: tuple  # the claims' records the fix does not rewrite (page findings: see ``after``)
    not_inserted: tuple  # (claim id, why) of missing steps it could not write


@dataclass
class _Edit:
    start: int
    end: int
    new: str
    change: Change


def _page_minus(text: str, like: str) -> str:
    return text.replace("-", MINUS) if MINUS in like or "-" not in like else text


def _shape(value) -> tuple:
    return np.asarray(value, dtype=np.float64).shape


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
        return _page_minus(fmt(v, t), printed_text)
    return re.sub(r"[−-]?\d+(?:\.\d+)?", one, printed_text)


def shown(value, token: str, like: str = MINUS) -> str:
    """``value`` (number, vector or matrix) at ``token``'s precision, as the page prints one."""
    arr = np.asarray(value, dtype=np.float64)

    def one(v):
        return _page_minus(fmt(float(v), token), like)
    if arr.ndim == 0:
        return one(arr)
    if arr.ndim == 1:
        return "[" + ", ".join(one(v) for v in arr) + "]"
    return "[" + ", ".join("[" + ", ".join(one(v) for v in row) + "]" for row in arr) + "]"


def _stem(claim_id: str) -> str:
    return re.sub(r"\d+", "#", claim_id)


def _step(claim_id: str) -> int | None:
    m = re.search(r"@(\d+)$", claim_id)
    return int(m.group(1)) if m else None


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
        self.edits: list[_Edit] = []
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
                self.edits.append(_Edit(*hit.value, new, Change(claim=c.id, action="value", line=hit.line,
                                                               old=hit.printed, new=new, verdict=verdict)))
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
                        self.edits.append(_Edit(t.start, t.end, new, Change(
                            claim=c.id, action="operand", line=t.line, old=t.text, new=new,
                            verdict=self.verdict(c))))
                break

    # ------------------------------------------------------------------ missing steps
    def missing(self) -> None:
        groups: dict[str, list[C.Claim]] = {}
        for c in self.cat.claims:
            if c.kind == "number" and self.wanted(c) and self.verdict(c) == "missing" and c.id not in self.located:
                groups.setdefault(c.section, []).append(c)
        for c in (c for cs in groups.values() for c in cs):  # every missing value first: slips refer to them
            self.final[c.id] = shown(self.value(c), "0." + "0" * (c.precision if c.precision is not None else 3))
        for section, claims in groups.items():
            self._insert(section, claims)

    def _neighbour(self, c: C.Claim):
        same = [(h.value[0], o) for o in self.cat.claims
                if o.section == c.section and o.kind == "number" and o.id != c.id
                and _stem(o.id) == _stem(c.id) and (h := self.located.get(o.id)) is not None and h.value]
        return max(same, key=lambda s: s[0])[1] if same else None

    def _unit(self, pos: int):
        k = bisect_right(self.unit_starts, pos) - 1
        return self.units[k] if k >= 0 and pos < self.units[k].end else None

    def _insert(self, section: str, claims: list[C.Claim]) -> None:
        neighbours = {c.id: self._neighbour(c) for c in claims}
        shown_nb = [n for n in neighbours.values() if n is not None]
        if shown_nb:
            last = max(shown_nb, key=lambda n: self.located[n.id].value[0])
        else:  # none of the same quantity shown: after the section's last shown number
            last = max((o for o in self.cat.claims if o.section == section and o.kind == "number"
                        and self.located.get(o.id) is not None and self.located[o.id].value),
                       key=lambda o: self.located[o.id].value[0], default=None)
        if last is None:
            for c in claims:
                self.not_inserted.append((c.id, f"no shown number of section [{section}] to place it after"))
            return
        anchor = self._unit(self.located[last.id].value[0])
        steps = [int(m.group(1)) for s in self.page.bodies(section)
                 for m in STEP_LABEL.finditer(self.text, s.start, s.end)]
        next_label = max(steps, default=0) + 1
        lines = []
        for c in claims:
            nb = neighbours[c.id] or last
            try:
                line, labelled = self._line(c, nb, next_label)
            except (notation.NotationError, FixError) as exc:
                self.not_inserted.append((c.id, str(exc)))
                continue
            next_label += labelled
            lines.append((c, line))
        if not lines:
            return
        header = self._header(claims, neighbours)
        block = "".join(line + "\n" for _, line in lines)
        if header:
            block = "\n" + header + "\n" + block
        pos = anchor.end if anchor.end == len(self.text) or self.text[anchor.end - 1] == "\n" else anchor.end
        if not self.text.endswith("\n") and pos == len(self.text):
            block = "\n" + block.rstrip("\n")
        after = self.page.line_of(pos - 1)
        for i, (c, line) in enumerate(lines):
            new = (header + " / " if header and i == 0 else "") + line
            self.edits.append(_Edit(pos, pos, block if i == 0 else "", Change(
                claim=c.id, action="insert", line=after, old="", new=new, verdict="missing")))

    def _line(self, c: C.Claim, nb: C.Claim, label: int) -> tuple[str, int]:
        t = compile_template(c.locate, need_value=True)
        holes = [p for k, p in t.pieces if k == "hole" and p != "{}"]
        if len(holes) > 1:
            raise FixError(f"its locate template {c.locate!r} has {len(holes)} wildcards; one line cannot be "
                           f"written from it")
        expr = None
        if holes:
            if not c.slip:
                raise FixError("it has no slip expression to show its computation with (add one to the catalogue)")
            expr = notation.render(c.slip, self.final)
        body = "".join(p if k == "lit" else (self.final[c.id] if p == "{}" else expr) for k, p in t.pieces)
        nb_hit = self.located[nb.id]
        line_start = self.page.line_starts[self.page.line_of(nb_hit.start) - 1]
        prefix = self.text[line_start:nb_hit.start]
        if units.LIST_ITEM.match(body):
            prefix = ""
        labelled = 0
        if STEP_LABEL.match(nb.locate) and not STEP_LABEL.match(c.locate):
            prefix, labelled = prefix + f"Step {label}: ", 1
        elif prefix and STEP_LABEL.search(prefix):
            prefix, labelled = STEP_LABEL.sub(f"Step {label}: ", prefix), 1
        return prefix + body, labelled

    def _header(self, claims: list[C.Claim], neighbours: dict) -> str | None:
        """A header line for a new step, by analogy with the neighbours' own header."""
        pairs = {(_step(n.id), _step(c.id)) for c in claims if (n := neighbours[c.id]) is not None}
        if len(pairs) != 1 or None in next(iter(pairs)) or any(neighbours[c.id] is None for c in claims):
            return None
        (old, new), = pairs
        first = min(self.located[n.id].value[0] for n in neighbours.values())
        unit = self._unit(first)
        k = self.units.index(unit) if unit is not None else 0
        prev = self.units[k - 1] if k > 0 else None
        if prev is None or prev.kind != "para" or prev.section != unit.section:
            return None
        header = self.text[prev.start:prev.end].strip()
        if not header.endswith(":") or "\n" in header or any(
                prev.start <= h.start < prev.end for h in self.located.values()):
            return None
        example = next((ex for ex in self.cat.examples.values() if (ex.section or ex.id) == claims[0].section), None)
        per_step = [v for v in (example.inputs.values() if example else ()) if isinstance(v, list)
                    and len(v) >= max(old, new) and all(isinstance(x, int | float) for x in v)]

        def number(m):
            tok = m.group()
            if float(tok) == old and "." not in tok:
                return str(new)
            for seq in per_step:
                if float(tok) == float(seq[old - 1]):
                    return repr(float(seq[new - 1])) if "." in tok else str(seq[new - 1])
            raise FixError(f"header {header!r}: no step analogue for {tok}")
        try:
            out = re.sub(r"(?<![\w.])\d+(?:\.\d+)?", number, header)
        except FixError:
            return None
        return out.replace(str(old).translate(SUBSCRIPT), str(new).translate(SUBSCRIPT))

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
    p.missing()
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
