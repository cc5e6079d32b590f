"""Locate templates: literal page text with holes, matched in O(n log n) over a section.

A template is literal text with these holes:

- ``{}``  the printed value: a number (``0.119``, ``−0.45``, ``55.6``), a vector
  (``[0.556, 0.444]``) or a matrix (``[[0.685, −0.159], [0.015, 0.459]]``);
- ``{expr}`` a printed arithmetic expression: the shortest non-empty text without ``=``, ``|``
  or a line break;
- ``…`` the shortest text within one line and one table cell, without an ``=``;
- ``⋯`` the shortest text within one table cell, ``=`` included, across line breaks but not
  across a blank line.

A template starts with literal text, and every ``…``, ``⋯`` and ``{expr}`` is followed by
literal text. Matching is leftmost: the first occurrence of the leading text from which the
rest matches, each wildcard stopping at the first occurrence of the text after it. Every step
is a binary search in precomputed occurrence lists, so no input makes a search quadratic (the
regular-expression form it replaces took 9 s for 20 KB of ``- θ₂ = a`` lines and about an
hour per MB).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

NUMBER = r"[−-]?\d+(?:\.\d+)?"
# bounded: a printed value is short, and an unbounded lazy scan would make one attempt O(line)
VALUE = re.compile(rf"\[\[[^\n]{{0,4000}}?\]\]|\[[^\[\]\n]{{0,4000}}\]|{NUMBER}")
HOLES = ("{}", "{expr}", "…", "⋯")
_SPLIT = re.compile(r"(\{\}|\{expr\}|…|⋯)")


class TemplateError(ValueError):
    """The template cannot be matched as written."""


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    value: tuple[int, int] | None  # span of the {} hole
    expr: tuple[int, int] | None  # span of the {expr} hole


@dataclass(frozen=True)
class Template:
    text: str
    pieces: tuple[tuple[str, str], ...]  # ("lit", text) or ("hole", "{}" | "{expr}" | "…" | "⋯")

    @property
    def has_value(self) -> bool:
        return ("hole", "{}") in self.pieces


def compile_template(template: str, *, need_value: bool = True) -> Template:
    parts = [p for p in _SPLIT.split(template) if p]
    pieces = []
    for p in parts:
        if p in HOLES:
            pieces.append(("hole", p))
        elif pieces and pieces[-1][0] == "lit":
            pieces[-1] = ("lit", pieces[-1][1] + p)
        else:
            pieces.append(("lit", p))
    t = Template(template, tuple(pieces))
    if need_value and not t.has_value:
        raise TemplateError(f"locate template {template!r} has no {{}} hole for the printed value")
    if not pieces or pieces[0][0] != "lit":
        raise TemplateError(f"locate template {template!r} must start with literal text")
    for i, (kind, text) in enumerate(pieces):
        if kind == "hole" and text != "{}" and (i + 1 == len(pieces) or pieces[i + 1][0] != "lit"):
            raise TemplateError(f"locate template {template!r}: {text} must be followed by literal text")
    return t


class Index:
    """Occurrence lists of one text range, built on demand, for template matching."""

    _FORBID = {"…": re.compile(r"[|=\n]"), "{expr}": re.compile(r"[|=\n]"),
               "⋯": re.compile(r"\||\n(?=[ \t]*\n)")}

    def __init__(self, text: str, start: int, end: int):
        self.text, self.start, self.end = text, start, end
        self._occ: dict[str, list[int]] = {}
        self._forbid: dict[str, list[int]] = {}

    def occurrences(self, lit: str) -> list[int]:
        if lit not in self._occ:
            out, find, i = [], self.text.find, self.start
            while True:
                i = find(lit, i, self.end)
                if i < 0:
                    break
                out.append(i)
                i += 1
            self._occ[lit] = out
        return self._occ[lit]

    def forbidden(self, hole: str) -> list[int]:
        if hole not in self._forbid:
            pat = self._FORBID[hole]
            self._forbid[hole] = [m.start() for m in pat.finditer(self.text, self.start, self.end)]
        return self._forbid[hole]

    def search(self, t: Template) -> Match | None:
        """The leftmost match of ``t`` in the range, or None."""
        steps = []  # the pieces after the first, with their occurrence lists resolved once
        pieces, i = t.pieces, 1
        while i < len(pieces):
            kind, p = pieces[i]
            if kind == "lit":
                steps.append((0, p, None, None))
            elif p == "{}":
                steps.append((1, p, None, None))
            else:
                lit = pieces[i + 1][1]
                steps.append((2 if p == "{expr}" else 3, lit, self.forbidden(p), self.occurrences(lit)))
                i += 1
            i += 1
        skip = len(pieces[0][1])
        for s in self.occurrences(pieces[0][1]):
            m = self._match_at(steps, s, s + skip)
            if m is not None:
                return m
        return None

    def _match_at(self, steps, s: int, cur: int) -> Match | None:
        text, end = self.text, self.end
        value = expr = None
        for kind, lit, forbid, occ in steps:
            if kind == 0:
                if not text.startswith(lit, cur, end):
                    return None
                cur += len(lit)
            elif kind == 1:
                m = VALUE.match(text, cur, end)
                if not m:
                    return None
                value = (cur, m.end())
                cur = m.end()
            else:  # a wildcard: stop at the first occurrence of the literal after it
                j = bisect_left(occ, cur + 1 if kind == 2 else cur)
                if j == len(occ):
                    return None
                q = occ[j]
                k = bisect_left(forbid, cur)
                if k < len(forbid) and q > forbid[k]:
                    return None
                if kind == 2:
                    expr = (cur, q)
                cur = q + len(lit)
        return Match(s, cur, value, expr)
