"""The report as a document: sections of blocks of text spans, built once from the results
(:mod:`nnconf.report.sections`) and rendered alike by every renderer (Markdown, HTML).

Inline spans: a plain ``str``, :class:`Code`, :class:`Strong` (``cls`` names a status or a
verdict: bold in Markdown, coloured in HTML), :class:`Margin` (error / tolerance: a number,
and a bar in HTML), :class:`Count` (a coverage cell). A cell or a paragraph is a span or a
tuple of spans.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Strong:
    text: str
    cls: str = ""


@dataclass(frozen=True)
class Margin:
    value: object


@dataclass(frozen=True)
class Count:
    value: int


Span = str | Code | Strong | Margin | Count


@dataclass(frozen=True)
class Text:
    spans: tuple


@dataclass(frozen=True)
class Cards:
    """Counts by status or verdict: ``(label, count, cls)``."""

    items: tuple


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list


@dataclass(frozen=True)
class Bullets:
    items: list


@dataclass(frozen=True)
class Image:
    file: str
    alt: str


@dataclass(frozen=True)
class Pre:
    text: str


@dataclass(frozen=True)
class Heading:
    spans: tuple


@dataclass(frozen=True)
class Details:
    summary: str
    blocks: list


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: list = field(default_factory=list)


def spans(value) -> tuple:
    """A cell or paragraph as a tuple of spans."""
    return value if isinstance(value, tuple) else (value,)
