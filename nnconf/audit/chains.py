"""Printed arithmetic, link by link (issue 14, item 4).

Each unit of the page (``units.py``) is cut into clauses at ``;``, ``, ``, ``: ``, ``. ``, ``—``
and ``⇒`` outside brackets (quoted text is prose, not arithmetic), each clause into members at
``=`` and ``←``. Two neighbouring members that are both printed arithmetic (``arith.py``) form a
link ``A = B``; it holds when every element of A, evaluated exactly from its own printed
operands, lies within half a unit of the last printed digit of B's element (B's finest printed
precision when B is itself an expression). A link that does not hold is ``inconsistent``, with
both numbers, whatever the final value.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from fractions import Fraction

from nnconf.audit.arith import MP, NotArithmetic, Value, parse, to_mp
from nnconf.audit.units import LIST_ITEM
from nnconf.audit.verdicts import MP_TIE

QUOTED = re.compile(r"\(\s*[\"“][^\"”\n]*[\"”]\s*\)|[\"“][^\"”]*[\"”]")
CLAUSE = re.compile(r"[()\[\]]|;|,\s|:\s|\.\s|—|⇒|\n\s*\n")
MEMBER = re.compile(r"[()\[\]]|=|←")
CELL = re.compile(r"[()\[\]]|\|")


@dataclass(frozen=True)
class Member:
    start: int
    end: int
    value: Value
    spans: tuple  # page spans of the number tokens it read


@dataclass(frozen=True)
class Link:
    section: str | None
    left: Member
    right: Member
    holds: bool
    detail: str  # both numbers, in words


def _mask_quotes(s: str) -> str:
    return QUOTED.sub(lambda m: ";" + " " * (len(m.group()) - 1), s)


def _split(s: str, pattern: re.Pattern, offset: int) -> list[tuple[int, int]]:
    """Spans of ``s`` between separators outside () and []; ``pattern`` matches a bracket or
    a separator (one regex pass)."""
    out, depth, start = [], 0, 0
    for m in pattern.finditer(s):
        c = m.group()
        if c in ("(", "["):
            depth += 1
        elif c in (")", "]"):
            depth = max(depth - 1, 0)
        elif depth == 0 and m.start() >= start:
            out.append((offset + start, offset + m.start()))
            start = m.end()
    out.append((offset + start, offset + len(s)))
    return out


def _inner_equations(s: str) -> list[tuple[int, int]]:
    """Contents of innermost parentheses that hold an equation: ``(60 000 = 937 × 64 + 32)``."""
    out, opened = [], None
    for m in re.finditer(r"[()]", s):
        if m.group() == "(":
            opened = m.end()
        elif opened is not None:
            body = s[opened:m.start()]
            if "=" in body or "←" in body:
                out.append((opened, m.start()))
            opened = None
    return out


def _member(text: str, start: int, end: int, base: int = 0) -> Member | None:
    """The member at page offsets [start, end), read from ``text`` that begins at ``base``."""
    raw = text[start - base:end - base]
    body = raw.rstrip(" \t\n.(")  # "**2.0** (", "−0.1."
    lead = len(body) - len(body.lstrip(" \t\n"))
    body = body.strip(" \t\n")
    if not body or not re.search(r"\d|½", body):
        return None
    try:
        value, spans = parse(body)
    except NotArithmetic:
        return None
    base = start + lead
    return Member(base, base + len(body), value, tuple((base + a, base + b) for a, b in spans))


def _close(x, y, dec: int) -> bool:
    """|x − y| ≤ half a unit of the ``dec``-th decimal: exactly for fractions, with the tie
    tolerance of ``verdicts`` once mpmath took part."""
    h = Fraction(1, 2 * 10 ** dec)
    if isinstance(x, Fraction) and isinstance(y, Fraction):
        return abs(x - y) <= h
    x, y = to_mp(x), to_mp(y)
    return abs(x - y) <= to_mp(h) + MP_TIE * abs(x)


def _holds(left: Value, right: Value) -> tuple[bool, str]:
    a, b = left.items, right.items
    if len(a) != len(b):
        return False, f"{len(a)} value(s) on the left, {len(b)} on the right"
    bad = []
    for k, (x, y) in enumerate(zip(a, b, strict=True)):
        if not _close(x.v, y.v, y.dec):
            where = f"[{k}] " if len(a) > 1 else ""
            bad.append(f"{where}the left side is {MP.nstr(to_mp(x.v), y.dec + 4)}, which is not "
                       f"{MP.nstr(to_mp(y.v), max(y.dec, 1) + 3)} at its {y.dec} printed decimal(s)")
    return not bad, "; ".join(bad)


EQUATION = re.compile(r"[=←]")
DIGIT = re.compile(r"\d|½")


def _candidates(text: str, units) -> list:
    """The units that print an equation and a number (found from the '=' signs, not by
    visiting every unit)."""
    starts = [u.start for u in units]
    out, last = [], -1
    for m in EQUATION.finditer(text):
        k = bisect_right(starts, m.start()) - 1
        if k <= last or k < 0 or m.start() >= units[k].end:
            continue
        last = k
        if DIGIT.search(text, units[k].start, units[k].end):
            out.append(units[k])
    return out


def links(text: str, units) -> list[Link]:
    """Every link of every unit's printed chains."""
    out = []
    for u in _candidates(text, units):
        raw = text[u.start:u.end]
        if u.kind == "item":  # "- e^2.0 = …": the list marker is no minus sign
            marker = LIST_ITEM.match(raw)
            raw = " " * marker.end() + raw[marker.end():]
        masked = _mask_quotes(raw)
        cells = _split(masked, CELL, u.start) if u.kind == "row" else [(u.start, u.end)]
        for cs, ce in cells:
            cell = masked[cs - u.start:ce - u.start]
            inner = [(cs + a, cs + b) for a, b in _inner_equations(cell)]
            for ks, ke in _split(cell, CLAUSE, cs) + inner:
                seg = masked[ks - u.start:ke - u.start]
                if "=" not in seg and "←" not in seg:
                    continue
                members = [_member(masked, a, b, u.start) for a, b in _split(seg, MEMBER, ks)]
                for left, right in zip(members, members[1:], strict=False):
                    if left is None or right is None:
                        continue
                    ok, detail = _holds(left.value, right.value)
                    out.append(Link(u.section, left, right, ok, detail))
    return out


def link_for_expression(text: str, section: str | None, expr: tuple[int, int],
                        value: tuple[int, int]) -> Link | None:
    """A claim's printed expression and its printed value as one link (``6.5x (2.303/0.357)``)."""
    left, right = _member(text, *expr), _member(text, *value)
    if left is None or right is None:
        return None
    ok, detail = _holds(left.value, right.value)
    return Link(section, left, right, ok, detail)
