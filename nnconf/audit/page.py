"""Reading a Markdown page: its sections (headings carrying a `` `[id]` ``), its fenced code,
the text a claim locates by a short context template (``template.py``), and its Python
listings.

Reading is one pass over the lines, and locating is a binary search per template piece, so a
page of any size and shape reads in time proportional to its length (``benchmarks/page_read.py``).
The page writes minus as U+2212; both it and ``-`` are read as minus.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from nnconf.audit.template import NUMBER, Index, Template, TemplateError, compile_template

SECTION_ID = re.compile(r"`\[([\w.]+)\]`")
HEADING = re.compile(r"(#{1,6})[ \t]")

__all__ = ["Page", "PageError", "Section", "Located", "Listing", "numbers", "shape", "NUMBER",
           "TemplateError", "compile_template"]


# a line of the page's printed MNIST output: "Epoch N | Loss: … | Test Accuracy: …"


class PageError(Exception):
    """The page cannot be read or parsed."""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    start: int  # character offsets of the section's body in the page
    end: int
    line: int  # 1-based line of the heading
    head: int  # character offset of the heading line


@dataclass(frozen=True)
class Located:
    printed: str | None  # the {} hole's text (None for a template without one)
    expression: str | None
    line: int  # the line of the printed value (or of the match when there is none)
    start: int  # the whole match
    end: int
    value: tuple[int, int] | None = None
    expr: tuple[int, int] | None = None


@dataclass(frozen=True)
class Fence:
    lang: str
    start: int  # offset of the opening ``` line
    end: int  # offset just after the closing ``` line (or the end of the page)
    code: str
    line: int


@dataclass(frozen=True)
class Listing:
    section: str
    code: str
    line: int  # 1-based line of the opening fence
    after: str  # the page's text after the listing up to the next heading


class Page:
    def __init__(self, text: str, path: str = "<page>"):
        self.text, self.path = text, path
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.fences: list[Fence] = []
        self.sections: list[Section] = []
        heads = []  # (offset, line, title)
        fence_open = None
        for i, start in enumerate(self.line_starts):
            end = self.line_starts[i + 1] if i + 1 < len(self.line_starts) else len(text)
            line = text[start:end]
            if line.startswith("```"):
                if fence_open is None:
                    fence_open = (start, i + 1, line[3:].split(None, 1)[0] if line[3:].strip() else "")
                else:
                    o, ln, lang = fence_open
                    code_start = self.line_starts[ln] if ln < len(self.line_starts) else len(text)
                    self.fences.append(Fence(re.sub(r"\W.*", "", lang), o, end, text[code_start:start], ln))
                    fence_open = None
                continue
            if fence_open is None and HEADING.match(line):
                heads.append((start, end, i + 1, line.lstrip("#").strip()))
        self.headings = [h[0] for h in heads]  # offsets of every heading line outside code
        self._units = None  # the text's units (units.py), computed on first use
        for k, (start, end, ln, title) in enumerate(heads):
            m = SECTION_ID.search(title)
            if not m:
                continue
            stop = heads[k + 1][0] if k + 1 < len(heads) else len(text)
            body = end if end <= stop else stop
            self.sections.append(Section(m.group(1), title, body, stop, ln, start))
        self._templates: dict[tuple[str, bool], Template] = {}
        self._indexes: dict[tuple[int, int], Index] = {}

    @classmethod
    def read(cls, path) -> Page:
        try:
            return cls(Path(path).read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError) as exc:
            raise PageError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None

    # ------------------------------------------------------------------ positions
    def line_of(self, pos: int) -> int:
        """The 1-based line of character offset ``pos``."""
        return bisect_right(self.line_starts, pos)

    def section_ids(self) -> list[str]:
        return [s.id for s in self.sections]

    def bodies(self, section: str) -> list[Section]:
        return [s for s in self.sections if s.id == section]

    def in_code(self) -> list[tuple[int, int]]:
        return [(f.start, f.end) for f in self.fences]

    # ------------------------------------------------------------------ locating
    def _template(self, template: str, need_value: bool) -> Template:
        key = (template, need_value)
        if key not in self._templates:
            self._templates[key] = compile_template(template, need_value=need_value)
        return self._templates[key]

    def _index(self, start: int, end: int) -> Index:
        if (start, end) not in self._indexes:
            self._indexes[(start, end)] = Index(self.text, start, end)
        return self._indexes[(start, end)]

    def locate(self, section: str, template: str, *, need_value: bool = True,
               with_heading: bool = False) -> Located | None:
        """The first match of ``template`` in the section(s) with this id, or None.
        ``with_heading``: the heading line is searched too (an announcement such as
        "Adam Optimizer (3 Steps)")."""
        t = self._template(template, need_value)
        for sec in self.bodies(section):
            m = self._index(sec.head if with_heading else sec.start, sec.end).search(t)
            if m is None:
                continue
            printed = self.text[m.value[0]:m.value[1]] if m.value else None
            expr = self.text[m.expr[0]:m.expr[1]].strip() if m.expr else None
            return Located(printed, expr, self.line_of(m.value[0] if m.value else m.start),
                           m.start, m.end, m.value, m.expr)
        return None

    def listings(self, section: str) -> list[Listing]:
        """The fenced ``python`` blocks in the section(s) with this id."""
        out = []
        for sec in self.bodies(section):
            for f in self.fences:
                if sec.start <= f.start < sec.end and f.lang == "python":
                    out.append(Listing(section, f.code, f.line, self.text[f.end:sec.end]))
        return out


def numbers(text: str) -> list[str]:
    """The number tokens of a printed value, minus signs normalised to ``-``."""
    return [t.replace("−", "-") for t in re.findall(NUMBER, text)]


def shape(text: str) -> tuple:
    """(rows, cols) of a printed matrix, (n,) of a vector, () of a number."""
    t = text.strip()
    if t.startswith("[["):
        rows = re.findall(r"\[([^\[\]]*)\]", t)
        return (len(rows), len(numbers(rows[0])) if rows else 0)
    if t.startswith("["):
        return (len(numbers(t)),)
    return ()
