"""Inserting the steps a page announces but does not show (``nnconf audit --fix``, item 3 of
``fix.py``): each missing number claim becomes a line built from its own ``locate`` template
(so the audit finds it), its value at the catalogue's ``precision``, the template's wildcard
filled with its ``slip`` expression in the page's notation (``notation.py``) over the printed
values of the fixed page. The lines go after the last line of its neighbours (the shown claims
of the same quantity at another step: ``m@2`` for ``m@3``, ``dW2`` for ``dW1``), with their list
marker and ``Step N:`` numbering; a new step of an example whose steps have header lines
(``Step 2 (t = 2, g₂ = 1.5):``) gets its own header, its step index and the example's per-step
givens advanced.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from nnconf.audit import catalogue as C
from nnconf.audit import notation, units
from nnconf.audit.template import compile_template
from nnconf.audit.verdicts import fmt

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
class Edit:
    """One replacement of the page's text ``[start, end)`` (an insertion when they are equal)."""
    start: int
    end: int
    new: str
    change: Change


def page_minus(text: str, like: str) -> str:
    return text.replace("-", MINUS) if MINUS in like or "-" not in like else text


def shown(value, token: str, like: str = MINUS) -> str:
    """``value`` (number, vector or matrix) at ``token``'s precision, as the page prints one."""
    arr = np.asarray(value, dtype=np.float64)

    def one(v):
        return page_minus(fmt(float(v), token), like)
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


def insert_missing(p) -> None:
    """Every announced but missing number claim of ``p`` (the fix's planner) inserted as a line."""
    groups: dict[str, list[C.Claim]] = {}
    for c in p.cat.claims:
        if c.kind == "number" and p.wanted(c) and p.verdict(c) == "missing" and c.id not in p.located:
            groups.setdefault(c.section, []).append(c)
    for c in (c for cs in groups.values() for c in cs):  # every missing value first: slips refer to them
        p.final[c.id] = shown(p.value(c), "0." + "0" * (c.precision if c.precision is not None else 3))
    for section, claims in groups.items():
        _insert(p, section, claims)


def _neighbour(p, c: C.Claim):
    same = [(h.value[0], o) for o in p.cat.claims
            if o.section == c.section and o.kind == "number" and o.id != c.id
            and _stem(o.id) == _stem(c.id) and (h := p.located.get(o.id)) is not None and h.value]
    return max(same, key=lambda s: s[0])[1] if same else None


def _unit(p, pos: int):
    k = bisect_right(p.unit_starts, pos) - 1
    return p.units[k] if k >= 0 and pos < p.units[k].end else None


def _insert(p, section: str, claims: list[C.Claim]) -> None:
    neighbours = {c.id: _neighbour(p, c) for c in claims}
    shown_nb = [n for n in neighbours.values() if n is not None]
    if shown_nb:
        last = max(shown_nb, key=lambda n: p.located[n.id].value[0])
    else:  # none of the same quantity shown: after the section's last shown number
        last = max((o for o in p.cat.claims if o.section == section and o.kind == "number"
                    and p.located.get(o.id) is not None and p.located[o.id].value),
                   key=lambda o: p.located[o.id].value[0], default=None)
    if last is None:
        for c in claims:
            p.not_inserted.append((c.id, f"no shown number of section [{section}] to place it after"))
        return
    anchor = _unit(p, p.located[last.id].value[0])
    steps = [int(m.group(1)) for s in p.page.bodies(section)
             for m in STEP_LABEL.finditer(p.text, s.start, s.end)]
    next_label = max(steps, default=0) + 1
    lines = []
    for c in claims:
        nb = neighbours[c.id] or last
        try:
            line, labelled = _line(p, c, nb, next_label)
        except (notation.NotationError, FixError) as exc:
            p.not_inserted.append((c.id, str(exc)))
            continue
        next_label += labelled
        lines.append((c, line))
    if not lines:
        return
    header = _header(p, claims, neighbours)
    block = "".join(line + "\n" for _, line in lines)
    if header:
        block = "\n" + header + "\n" + block
    pos = anchor.end  # just after the anchor's last line
    if pos == len(p.text) and not p.text.endswith("\n"):
        block = "\n" + block.rstrip("\n")
    after = p.page.line_of(pos - 1)
    for i, (c, line) in enumerate(lines):
        new = (header + " / " if header and i == 0 else "") + line
        p.edits.append(Edit(start=pos, end=pos, new=block if i == 0 else "", change=Change(
            claim=c.id, action="insert", line=after, old="", new=new, verdict="missing")))


def _line(p, c: C.Claim, nb: C.Claim, label: int) -> tuple[str, int]:
    t = compile_template(c.locate, need_value=True)
    holes = [piece for k, piece in t.pieces if k == "hole" and piece != "{}"]
    if len(holes) > 1:
        raise FixError(f"its locate template {c.locate!r} has {len(holes)} wildcards; one line cannot be "
                       f"written from it")
    expr = None
    if holes:
        if not c.slip:
            raise FixError("it has no slip expression to show its computation with (add one to the catalogue)")
        expr = notation.render(c.slip, p.final)
    body = "".join(piece if k == "lit" else (p.final[c.id] if piece == "{}" else expr) for k, piece in t.pieces)
    nb_hit = p.located[nb.id]
    line_start = p.page.line_starts[p.page.line_of(nb_hit.start) - 1]
    prefix = p.text[line_start:nb_hit.start]
    if units.LIST_ITEM.match(body):
        prefix = ""
    labelled = 0
    if STEP_LABEL.match(nb.locate) and not STEP_LABEL.match(c.locate):
        prefix, labelled = prefix + f"Step {label}: ", 1
    elif prefix and STEP_LABEL.search(prefix):
        prefix, labelled = STEP_LABEL.sub(f"Step {label}: ", prefix), 1
    return prefix + body, labelled


def _header(p, claims: list[C.Claim], neighbours: dict) -> str | None:
    """A header line for a new step, by analogy with the neighbours' own header."""
    pairs = {(_step(n.id), _step(c.id)) for c in claims if (n := neighbours[c.id]) is not None}
    if len(pairs) != 1 or None in next(iter(pairs)) or any(neighbours[c.id] is None for c in claims):
        return None
    (old, new), = pairs
    first = min(p.located[n.id].value[0] for n in neighbours.values())
    unit = _unit(p, first)
    k = p.units.index(unit) if unit is not None else 0
    prev = p.units[k - 1] if k > 0 else None
    if prev is None or prev.kind != "para" or prev.section != unit.section:
        return None
    header = p.text[prev.start:prev.end].strip()
    if not header.endswith(":") or "\n" in header or any(
            prev.start <= h.start < prev.end for h in p.located.values()):
        return None
    example = next((ex for ex in p.cat.examples.values() if (ex.section or ex.id) == claims[0].section), None)
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
