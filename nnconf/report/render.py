"""The Jinja2 environment both report templates (``templates/report.md.j2``,
``templates/report.html.j2``) render in: one test per block and span type of
:mod:`nnconf.report.document` (``b is table``, ``s is code``) and the formatting filters.
The templates format what :mod:`nnconf.report.sections` built; nothing is computed here."""

from __future__ import annotations

from functools import cache

import jinja2

from nnconf.report import document as D
from nnconf.report import formatting as fmt

TITLE = "Conformance report: “Neural Network Basics”"
TYPES = {"code": D.Code, "strong": D.Strong, "margin": D.Margin, "count": D.Count, "text": D.Text,
         "cards": D.Cards, "table": D.Table, "bullets": D.Bullets, "image": D.Image, "pre": D.Pre,
         "heading": D.Heading, "details": D.Details}


def _plain(text, cell: bool) -> str:
    """Markdown: a table cell is one line, its ``|`` escaped; other text stays as it is."""
    return " ".join(str(text).split()).replace("|", "\\|") if cell else str(text)


def _bar_width(m: float) -> int:
    """HTML: a margin's bar, 120 px at the tolerance (margin 1), at least 2 px."""
    return max(2, min(120, int(120 * min(m, 1.0)))) if m > 0 else 2


def _is(cls):
    return lambda x: isinstance(x, cls)


@cache
def environment(kind: str) -> jinja2.Environment:
    """The environment of the ``"md"`` or the ``"html"`` template (autoescaped)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("nnconf.report", "templates"), autoescape=kind == "html",
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.tests.update({name: _is(t) for name, t in TYPES.items()})
    env.tests["number"] = lambda x: isinstance(x, int | float) and not isinstance(x, bool)
    env.filters.update(spans=D.spans, num=fmt.num)
    if kind == "md":
        env.filters.update(plain=_plain, squash=lambda s: " ".join(str(s).split()))
    else:
        env.filters.update(bar_width=_bar_width, dash=lambda x: "–" if x is None else x)
    return env
