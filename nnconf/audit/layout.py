"""``nnconf tables --layout page``: a worked example's section in the page's own layout — its
tables with their columns as printed (the sigmoid example's x | e⁻ˣ | σ(x)), its step lists as
step lists — with every printed value of its claims recomputed by the reference at the page's
printed precision and every announced step inserted (``fix.plan`` without verdicts: each
located number is written from the reference's value), as Markdown ready to replace the
section wholesale, or as LaTeX.

The LaTeX keeps the page's Unicode (σ, e⁻ˣ, −, subscripts): compile it with LuaLaTeX or
XeLaTeX and a font that has them.
"""

from __future__ import annotations

import re

from nnconf.audit import catalogue as C
from nnconf.audit import fix
from nnconf.audit.page import Page
from nnconf.audit.units import LIST_ITEM, TABLE_RULE


class LayoutError(ValueError):
    """The page does not show the example's section."""


def example_sections(cat: C.Catalogue, example_id: str) -> list[str]:
    """The sections the example's claims are printed in (its own first)."""
    ex = cat.examples[example_id]
    out = [ex.section or ex.id]
    for c in cat.claims:
        if c.value and c.value.split(":")[0] == example_id and c.section not in out:
            out.append(c.section)
    return out


def sections(cat: C.Catalogue, page: Page, example_ids: list[str]) -> dict[str, str]:
    """``{example id: its section(s) as Markdown, values recomputed}``; an example whose
    section the page does not show is a :class:`LayoutError`."""
    wanted = {s for e in example_ids for s in example_sections(cat, e)}
    fixed = Page(fix.plan(cat, page, None, sections=wanted).text, page.path)
    out = {}
    for e in example_ids:
        bodies = [b for s in example_sections(cat, e) for b in fixed.bodies(s)]
        if not bodies:
            raise LayoutError(f"--example {e}: the page has no section [{example_sections(cat, e)[0]}]")
        out[e] = "\n".join(fixed.text[b.head:b.end].rstrip("\n") + "\n" for b in sorted(bodies, key=lambda b: b.head))
    return out


def render(texts: dict[str, str], fmt_name: str = "md") -> str:
    if fmt_name == "latex":
        return "\n".join(latex(t) for t in texts.values())
    return "\n".join(texts.values())


# ------------------------------------------------------------------ Markdown -> LaTeX
_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%",
            "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\~{}"}


def _escape(s: str) -> str:
    return "".join(_SPECIAL.get(ch, ch) for ch in s)


def _inline(s: str) -> str:
    """``**bold**`` and ``code`` spans of one Markdown line, the rest escaped."""
    out, pos = [], 0
    for m in re.finditer(r"\*\*([^*\n]+?)\*\*|`([^`\n]+)`", s):
        out.append(_escape(s[pos:m.start()]))
        out.append(r"\textbf{" + _escape(m.group(1)) + "}" if m.group(1) is not None
                   else r"\texttt{" + _escape(m.group(2)) + "}")
        pos = m.end()
    out.append(_escape(s[pos:]))
    return "".join(out)


def _cells(row: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]


def latex(markdown: str) -> str:
    """One section of the page in LaTeX: heading, tables (tabular), step lists (itemize),
    paragraphs, fenced code (verbatim)."""
    lines = markdown.splitlines()
    out, i = ["% Unicode as printed on the page: compile with LuaLaTeX or XeLaTeX"], 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            j = next((k for k in range(i + 1, len(lines)) if lines[k].startswith("```")), len(lines))
            out += [r"\begin{verbatim}", *lines[i + 1:j], r"\end{verbatim}"]
            i = j + 1
            continue
        m = re.match(r"(#{1,6})\s+(.*)", line)
        if m:
            title = m.group(2)
            label = re.search(r"`\[([\w.]+)\]`", title)
            title = re.sub(r"\s*`\[[\w.]+\]`", "", title).strip()
            level = {1: "section", 2: "section", 3: "subsection", 4: "subsubsection"}.get(len(m.group(1)), "paragraph")
            out.append(f"\\{level}*{{{_inline(title)}}}" + (f"\\label{{{label.group(1)}}}" if label else ""))
            i += 1
        elif line.lstrip().startswith("|") and i + 1 < len(lines) and TABLE_RULE.match(lines[i + 1].strip()):
            rows = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                if not TABLE_RULE.match(lines[i].strip()):
                    rows.append(_cells(lines[i]))
                i += 1
            width = max(len(r) for r in rows)
            body = [" & ".join(_inline(c) for c in r) + r" \\" for r in rows]
            out += [f"\\begin{{tabular}}{{{'l' * width}}}", r"\hline", body[0], r"\hline", *body[1:],
                    r"\hline", r"\end{tabular}"]
        elif LIST_ITEM.match(line):
            out.append(r"\begin{itemize}")
            while i < len(lines) and (LIST_ITEM.match(lines[i]) or (lines[i][:1] in " \t" and lines[i].strip())):
                text = lines[i]
                mark = LIST_ITEM.match(text)
                out.append(("  \\item " + _inline(text[mark.end():])) if mark else "    " + _inline(text.strip()))
                i += 1
            out += [r"\end{itemize}"]
        elif not line.strip():
            out.append("")
            i += 1
        else:
            out.append(_inline(line))
            i += 1
    return "\n".join(out).rstrip("\n") + "\n"
