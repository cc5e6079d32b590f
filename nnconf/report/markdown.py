"""The Markdown renderer: ``reports/conformance.md``. It formats the sections that
:mod:`nnconf.report.sections` builds from the results document; it computes nothing."""

from __future__ import annotations

from nnconf.report import formatting as fmt
from nnconf.report import sections as report_sections
from nnconf.report.document import (
    Bullets,
    Cards,
    Code,
    Count,
    Details,
    Heading,
    Image,
    Margin,
    Pre,
    Section,
    Strong,
    Table,
    Text,
    spans,
)

TITLE = "Conformance report: “Neural Network Basics”"


def _span(s, cell: bool) -> str:
    if isinstance(s, Code):
        return f"`{s.text}`"
    if isinstance(s, Strong):
        return f"**{_plain(s.text, cell)}**"
    if isinstance(s, Margin):
        return fmt.num(s.value)
    if isinstance(s, Count):
        return str(s.value) if s.value else "–"
    return _plain(s, cell)


def _plain(text: str, cell: bool) -> str:
    return " ".join(str(text).split()).replace("|", "\\|") if cell else str(text)


def _inline(value, cell: bool = False) -> str:
    return "".join(_span(s, cell) for s in spans(value))


def _block(b) -> list[str]:
    if isinstance(b, Text):
        return [_inline(b.spans), ""]
    if isinstance(b, Cards):
        return ["**" + " · ".join(f"{n} {label}" for label, n, _ in b.items) + "**", ""]
    if isinstance(b, Heading):
        return [f"### {_inline(b.spans)}", ""]
    if isinstance(b, Table):
        out = ["| " + " | ".join(b.columns) + " |", "|" + "---|" * len(b.columns)]
        out += ["| " + " | ".join(_inline(c, cell=True) for c in row) + " |" for row in b.rows]
        return [*out, ""]
    if isinstance(b, Bullets):
        return [*(f"- {' '.join(_inline(item).split())}" for item in b.items), ""]
    if isinstance(b, Image):
        return [f"![{b.alt}]({b.file})", ""]
    if isinstance(b, Pre):
        return ["```text", b.text, "```", ""]
    if isinstance(b, Details):
        return [f"<details><summary>{b.summary}</summary>", "", *(x for inner in b.blocks for x in _block(inner)),
                "</details>", ""]
    raise TypeError(f"no Markdown for {type(b).__name__}")


def render_sections(sections: list[Section]) -> str:
    out = [f"# {TITLE}", ""]
    for section in sections:
        out += [f'<a id="{section.id}"></a>', f"## {section.title}", ""]
        for b in section.blocks:
            out += _block(b)
    return "\n".join(out)


def render(doc: dict) -> str:
    return render_sections(report_sections.build(doc))
