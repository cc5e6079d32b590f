"""Page readers by format. A reader turns a page's source into its sections and every number
it prints, each with its line, column and context (:class:`PrintedNumber`):

- ``"nnconf"``: the project's own Markdown (``[id]`` tags on headings; :mod:`nnconf.audit.page`);
- ``"jekyll"``: Jekyll/GitHub Markdown with front matter, ``<a name='…'>`` anchors, MathJax
  (``\\\\( … \\\\)`` inline, ``$$ … $$`` displayed) and inline SVG (:mod:`.jekyll`).

:func:`detect` picks the format from the content; ``--page-format`` forces one.
"""

from __future__ import annotations

import re

FORMATS = ("nnconf", "jekyll")
_TAGGED_HEADING = re.compile(r"^#{1,6} .*`\[[\w.]+\]`", re.M)
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_ANCHOR = re.compile(r"<a name=['\"][^'\"]+['\"]>")


def detect(text: str) -> str:
    """``"nnconf"`` when headings carry ``[id]`` tags; ``"jekyll"`` when the page has front
    matter, ``<a name>`` anchors or inline SVG; else ``"nnconf"`` (whose reader reports what it
    cannot place)."""
    if _TAGGED_HEADING.search(text):
        return "nnconf"
    if _FRONT_MATTER.match(text) or _ANCHOR.search(text) or "<svg" in text:
        return "jekyll"
    return "nnconf"
