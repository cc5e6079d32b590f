"""The reader of Jekyll/GitHub Markdown pages: markdown-it-py (with mdit-py-plugins' front
matter and dollar math) for the block structure and its line maps, lxml for the inline SVG and
HTML blocks. Every printed number comes out as a :class:`PrintedNumber` with its 1-based line
and column in the source and its context:

- ``prose`` (paragraphs, lists, quotes; ``heading`` for headings), ``table`` (a table cell);
- ``code`` and ``code-comment`` (a fenced listing: in the code, or after its ``#``);
- ``svg-text`` (a ``<text>`` element of an inline SVG, with its ``fill`` colour and the role the
  page's configuration gives that colour, e.g. green = value, red = gradient, and the label
  of the wire it sits on: the nearest black text to its left on the same row);
- ``math`` (inside ``\\\\( … \\\\)`` or a ``$$`` block).

Sections come from the page's own anchors (``<a name='ID'>`` before a heading), else from a
heading's slug. The reader knows no page: colours' roles are given by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree, html
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

NUMBER = re.compile(r"(?<![\w.\[])[−-]?\d+(?:\.\d+)?(?![\w])")
INLINE_MATH = re.compile(r"\\\\\((.*?)\\\\\)", re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK_TARGET = re.compile(r"\]\([^)]*\)|https?://\S+")
ANCHOR = re.compile(r"<a name=['\"]([^'\"]+)['\"]>\s*</a>")
MAX_SVG_BYTES = 2_000_000  # an SVG block larger than this is not parsed (reported instead)


@dataclass(frozen=True)
class PrintedNumber:
    text: str
    line: int  # 1-based, in the page's source
    column: int  # 1-based
    section: str
    kind: str  # prose, heading, table, code, code-comment, svg-text, math
    colour: str = ""  # svg-text: its fill
    role: str = ""  # svg-text: the role of its colour (the caller's mapping)
    label: str = ""  # svg-text: the wire's label
    context: str = ""  # the source line, stripped


@dataclass
class Section:
    id: str
    title: str
    line: int  # the heading's line
    listings: list = field(default_factory=list)  # (first line of the code, code)
    math: list = field(default_factory=list)  # (line, LaTeX) of displayed math


@dataclass
class JekyllPage:
    text: str
    sections: list[Section]
    numbers: list[PrintedNumber]
    problems: list[str]

    def section(self, sid: str) -> Section:
        return next(s for s in self.sections if s.id == sid)


def _slug(title: str) -> str:
    return re.sub(r"[^\w]+", "-", title.lower()).strip("-")


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").use(front_matter_plugin).use(dollarmath_plugin)


def _spans(line: str, pattern: re.Pattern) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(line)]


def _inside(i: int, spans) -> bool:
    return any(a <= i < b for a, b in spans)


def read(text: str, *, roles: dict | None = None) -> JekyllPage:
    """The page ``text`` read: sections, listings, displayed math and every printed number."""
    roles = roles or {}
    lines = text.splitlines()
    tokens = _parser().parse(text)
    sections: list[Section] = []
    numbers: list[PrintedNumber] = []
    problems: list[str] = []
    pending_anchor = None
    current = Section("", "", 0)

    def emit(s, line_no, col, kind, **kw):
        numbers.append(PrintedNumber(s, line_no, col, current.id, kind,
                                     context=lines[line_no - 1].strip()[:200], **kw))

    def prose(first: int, last: int, kind: str):
        in_table = kind == "table"
        for n in range(first, last):
            line = lines[n]
            math = _spans(line, INLINE_MATH)
            skip = _spans(line, INLINE_CODE) + _spans(line, LINK_TARGET) + _spans(line, ANCHOR)
            for m in NUMBER.finditer(line):
                if _inside(m.start(), skip):
                    continue
                k = "math" if _inside(m.start(), math) else ("table" if in_table else kind)
                emit(m.group(), n + 1, m.start() + 1, k)

    for i, tok in enumerate(tokens):
        if tok.map is None or tok.nesting == -1:
            continue
        first, last = tok.map
        if tok.type == "front_matter":
            continue
        if tok.type == "html_block":
            block = "\n".join(lines[first:last])
            anchor = ANCHOR.search(block)
            if anchor and "<svg" not in block:
                pending_anchor = anchor.group(1)
                continue
            if "<svg" in block:
                _svg(block, first, roles, emit, problems)
            continue
        if tok.type == "heading_open":
            title = tokens[i + 1].content
            current = Section(pending_anchor or _slug(title), title, first + 1)
            pending_anchor = None
            sections.append(current)
            prose(first, last, "heading")
            continue
        if tok.type == "fence":
            code = tok.content
            current.listings.append((first + 2, code))
            for n in range(first + 1, last - 1):
                line = lines[n]
                hash_at = _comment_start(line)
                for m in NUMBER.finditer(line):
                    kind = "code-comment" if hash_at is not None and m.start() > hash_at else "code"
                    emit(m.group(), n + 1, m.start() + 1, kind)
            continue
        if tok.type == "math_block":
            current.math.append((first + 1, tok.content))
            for n in range(first, last):
                for m in NUMBER.finditer(lines[n]):
                    emit(m.group(), n + 1, m.start() + 1, "math")
            continue
        if tok.type == "paragraph_open" and ANCHOR.fullmatch(tokens[i + 1].content.strip()):
            pending_anchor = ANCHOR.fullmatch(tokens[i + 1].content.strip()).group(1)
            continue
        if tok.type in ("paragraph_open", "table_open") and tok.level == 0 or (
                tok.type == "paragraph_open" and tokens[i - 1].type in ("list_item_open", "blockquote_open")):
            prose(first, last, "table" if tok.type == "table_open" else "prose")
    return JekyllPage(text, sections, numbers, problems)


def _comment_start(line: str) -> int | None:
    """Where a Python comment starts on ``line`` (a ``#`` outside a string literal), or None."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return i
    return None


def _svg(block: str, first: int, roles: dict, emit, problems) -> None:
    """The ``<text>`` numbers of an SVG block, with colour, role, wire label and position."""
    if len(block) > MAX_SVG_BYTES:
        problems.append(f"line {first + 1}: SVG block of {len(block)} bytes not read (limit {MAX_SVG_BYTES})")
        return
    try:
        root = html.fragment_fromstring(block, create_parent="div",
                                        parser=html.HTMLParser(huge_tree=False, no_network=True))
    except (etree.ParserError, ValueError) as exc:
        problems.append(f"line {first + 1}: SVG block not readable: {exc}")
        return
    texts = []
    for el in root.iter("text"):
        try:
            x, y = float(el.get("x", "nan")), float(el.get("y", "nan"))
        except ValueError:
            x = y = float("nan")
        texts.append((el, (el.text or "").strip(), x, y, (el.get("fill") or "").lower(), el.get("text-anchor")))
    cursor = {}  # the next search offset per text, so repeated texts map to successive places
    for _el, t, x, y, fill, _ in texts:
        if not NUMBER.fullmatch(t):
            continue
        needle = f">{t}</text>"
        at = block.find(needle, cursor.get(needle, 0))
        if at < 0:
            continue
        cursor[needle] = at + len(needle)
        line_no = first + 1 + block.count("\n", 0, at)
        col = at - (block.rfind("\n", 0, at) + 1) + 2
        label = _label(texts, x, y)
        emit(t, line_no, col, "svg-text", colour=fill, role=roles.get(fill, ""), label=label)


def _label(texts, x, y) -> str:
    """The wire a value sits on: the nearest wire label to its left within ±25 units of height
    (a label is right-aligned text, ``text-anchor="end"``, that is not a number; gate symbols
    are centred)."""
    best, dist = "", float("inf")
    for _, t, tx, ty, _fill, anchor in texts:
        if anchor != "end" or NUMBER.fullmatch(t) or not t or tx >= x:
            continue
        d = abs(ty - y) / 25 + (x - tx) / 20  # a wire's label sits ~10 units left of its value
        if abs(ty - y) <= 25 and d < dist:
            best, dist = t, d
    return best
