"""Reading a Markdown page: its sections (headings carrying a `` `[id]` ``), the printed numbers
a claim locates by a short context template, and its fenced Python listings.

A locate template is literal text with three kinds of holes:

- ``{}``  the printed value: a number (``0.119``, ``−0.45``, ``55.6``), a vector
  (``[0.556, 0.444]``) or a matrix (``[[0.685, −0.159], [0.015, 0.459]]``);
- ``{expr}`` a printed arithmetic expression, shown in explanations;
- ``…`` any text within one line and one table cell, without an ``=``;
- ``⋯`` any text within one table cell, ``=`` included, across line breaks but not across a
  blank line.

The page writes minus as U+2212; both it and ``-`` are read as minus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$", re.M)
SECTION_ID = re.compile(r"`\[([\w.]+)\]`")
NUMBER = r"[−-]?\d+(?:\.\d+)?"
VALUE = rf"\[\[[^\n]*?\]\]|\[[^\[\]\n]*\]|{NUMBER}"
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)


class PageError(Exception):
    """The page cannot be read or parsed."""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    start: int  # character offsets of the section's body in the page
    end: int
    line: int  # 1-based line of the heading


@dataclass(frozen=True)
class Located:
    printed: str
    expression: str | None
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
        fences = [(m.start(), m.end()) for m in FENCE.finditer(text)]
        heads = [h for h in HEADING.finditer(text)
                 if not any(a < h.start() < b for a, b in fences)]  # '# comment' in code is no heading
        self.sections: list[Section] = []
        for i, h in enumerate(heads):
            m = SECTION_ID.search(h.group(2))
            if not m:
                continue
            end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
            self.sections.append(Section(m.group(1), h.group(2), h.end(), end,
                                         text.count("\n", 0, h.start()) + 1))

    @classmethod
    def read(cls, path) -> Page:
        try:
            return cls(Path(path).read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError) as exc:
            raise PageError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None

    def section_ids(self) -> list[str]:
        return [s.id for s in self.sections]

    def bodies(self, section: str) -> list[Section]:
        return [s for s in self.sections if s.id == section]

    def locate(self, section: str, template: str) -> Located | None:
        """The first match of ``template`` in the section(s) with this id, or None."""
        pattern = compile_template(template)
        for sec in self.bodies(section):
            m = pattern.search(self.text, sec.start, sec.end)
            if m:
                expr = m.groupdict().get("expr")
                return Located(m.group("v"), expr.strip() if expr else None,
                               self.text.count("\n", 0, m.start("v")) + 1)
        return None

    def listings(self, section: str) -> list[Listing]:
        """The fenced ``python`` blocks in the section(s) with this id."""
        out = []
        for sec in self.bodies(section):
            body = self.text[sec.start:sec.end]
            for m in FENCE.finditer(body):
                if m.group(1) == "python":
                    out.append(Listing(section, m.group(2),
                                       self.text.count("\n", 0, sec.start + m.start()) + 1,
                                       body[m.end():]))
        return out


def compile_template(template: str) -> re.Pattern:
    parts = re.split(r"(\{\}|\{expr\}|…|⋯)", template)
    out = []
    for p in parts:
        if p == "{}":
            out.append(f"(?P<v>{VALUE})")
        elif p == "{expr}":
            out.append(r"(?P<expr>[^=|\n]+?)")
        elif p == "…":
            out.append(r"[^|=\n]*?")
        elif p == "⋯":
            out.append(r"(?:[^|\n]|\n(?![ \t]*\n))*?")
        else:
            out.append(re.escape(p))
    if "{}" not in parts:
        raise ValueError(f"locate template {template!r} has no {{}} hole for the printed value")
    return re.compile("".join(out))


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
