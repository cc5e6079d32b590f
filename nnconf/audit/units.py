"""The page's text as units: table rows, list items (with their continuation lines) and
paragraphs, outside fenced code and headings, each tagged with its section. The number
enumeration (``printed.py``) and the printed chains (``chains.py``) read these.

A unit is *in scope* for "nothing printed passes silently" when it is in a worked example
(a section whose title says "Worked Example"), is a table row, or prints an equation (``=`` or
``←``). Bold numbers are in scope anywhere.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import NamedTuple

from nnconf.audit.page import Page

LIST_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d+\.)[ \t]")
TABLE_RULE = re.compile(r"\|?[ \t]*:?-{2,}")
BOLD = re.compile(r"\*\*([^*\n]+?)\*\*")


class Unit(NamedTuple):
    section: str | None  # the tagged section it lies in (None: outside any)
    kind: str  # "row" | "item" | "para"
    start: int
    end: int
    example: bool  # in a worked-example section

    def in_scope(self, text: str) -> bool:
        return self.section is not None and (self.example or self.kind == "row" or self.equation(text))

    def equation(self, text: str) -> bool:
        return text.find("=", self.start, self.end) >= 0 or text.find("←", self.start, self.end) >= 0


def units(page: Page) -> list[Unit]:
    """The page's units, computed once per page."""
    if getattr(page, "_units", None) is None:
        page._units = _units(page)
    return page._units


def _units(page: Page) -> list[Unit]:
    text, starts = page.text, page.line_starts
    code = sorted((f.start, f.end) for f in page.fences)
    code_starts = [c[0] for c in code]
    secs = sorted((s.start, s.end, s.id, "worked example" in s.title.lower()) for s in page.sections)
    sec_starts = [s[0] for s in secs]
    heads = set(page.headings)

    def in_code(pos):
        i = bisect_right(code_starts, pos) - 1
        return i >= 0 and code[i][0] <= pos < code[i][1]

    def section_at(pos):
        i = bisect_right(sec_starts, pos) - 1
        if i >= 0 and secs[i][0] <= pos < secs[i][1]:
            return secs[i][2], secs[i][3]
        return None, False

    out, cur = [], None  # cur: [kind, start, end]

    def close():
        if cur is not None:
            sec, ex = section_at(cur[1])
            out.append(Unit(sec, cur[0], cur[1], cur[2], ex))

    for i, s in enumerate(starts):
        e = starts[i + 1] if i + 1 < len(starts) else len(text)
        line = text[s:e]
        stripped = line.strip()
        if not stripped or in_code(s) or s in heads:
            close()
            cur = None
            continue
        if stripped.startswith("|"):
            close()
            cur = None
            if not TABLE_RULE.match(stripped):
                sec, ex = section_at(s)
                out.append(Unit(sec, "row", s, e, ex))
            continue
        if LIST_ITEM.match(line):
            close()
            cur = ["item", s, e]
        elif cur is not None and (cur[0] == "para" or line[:1] in " \t"):
            cur[2] = e  # a paragraph line, or an indented continuation of a list item
        else:
            close()
            cur = ["para", s, e]
    close()
    return out

