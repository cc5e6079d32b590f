"""The HTML renderer: ``reports/conformance.html``, one self-contained file (inline CSS, figures
embedded as data URIs, no network), readable offline. It formats the sections that
:mod:`nnconf.report.sections` builds from the results document (the same ones the Markdown
renderer formats) and embeds the figure files they name; it computes nothing."""

from __future__ import annotations

import base64
import html
from pathlib import Path

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

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;
background:#fafbfc}
main{max-width:1280px;margin:0 auto;padding:18px 28px 60px}
h1{font-size:24px;margin:8px 0 4px}h2{margin-top:34px;border-bottom:2px solid #dde3ea;padding-bottom:4px}
nav a{margin-right:14px}table{border-collapse:collapse;margin:8px 0 14px;background:#fff;font-size:13px}
th,td{border:1px solid #dde3ea;padding:4px 7px;vertical-align:top;text-align:left}th{background:#eef2f6}
code{background:#eef2f6;padding:0 3px;border-radius:3px}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:10px 14px;min-width:120px}
.card b{font-size:22px;display:block}.pass,.confirmed{color:#17723a}
.fail,.wrong,.false,.missing,.not-reproduced{color:#b3261e}
.convention,.rounding-slip{color:#9a5b00}.skipped,.unverifiable,.not-checkable,.stale{color:#5b6472}
td.cov0{background:#fde8e6}td.cov{background:#e6f4ea}img{max-width:100%;border:1px solid #dde3ea;background:#fff}
.bar{display:inline-block;height:8px;background:#4b8bd6;vertical-align:middle}.bar.over{background:#b3261e}
pre{background:#fff;border:1px solid #dde3ea;padding:8px;overflow:auto;font-size:12px}details{margin:8px 0}
"""

PROBE = """
window.__nnconfErrors=[];
window.addEventListener('error',function(e){window.__nnconfErrors.push(String(e.message||e.type));},true);
window.addEventListener('load',function(){var imgs=Array.prototype.slice.call(document.images);
var bad=imgs.filter(function(i){return !(i.complete&&i.naturalWidth>0);}).map(function(i){return i.alt;});
document.body.setAttribute('data-images',String(imgs.length));
document.body.setAttribute('data-broken-images',bad.join(','));
document.body.setAttribute('data-errors',window.__nnconfErrors.join('|'));
document.body.setAttribute('data-loaded','yes');});
"""


TITLE = "Conformance report: “Neural Network Basics”"


def _e(x) -> str:
    return html.escape("–" if x is None else str(x))


def _img(out_dir: Path, name: str | None, alt: str) -> str:
    if not name or not (out_dir / name).is_file():
        return f"<p><em>{_e(alt)}: not produced in this run.</em></p>"
    data = base64.b64encode((out_dir / name).read_bytes()).decode()
    return f'<p><img alt="{_e(alt)}" src="data:image/png;base64,{data}"></p>'


def _margin(m) -> str:
    if not isinstance(m, int | float):
        return _e(fmt.num(m))
    width = max(2, min(120, int(120 * min(m, 1.0)))) if m > 0 else 2
    return f'<span class="bar{" over" if m > 1 else ""}" style="width:{width}px"></span> {fmt.num(m)}'


def _span(s) -> str:
    if isinstance(s, Code):
        return f"<code>{_e(s.text)}</code>"
    if isinstance(s, Strong):
        return f"<b class='{_e(s.cls)}'>{_e(s.text)}</b>" if s.cls else f"<b>{_e(s.text)}</b>"
    if isinstance(s, Margin):
        return _margin(s.value)
    if isinstance(s, Count):
        return str(s.value) if s.value else ""
    return _e(s)


def _inline(value) -> str:
    return "".join(_span(s) for s in spans(value))


def _cell(value) -> str:
    first = spans(value)[0]
    if isinstance(first, Count):
        return f"<td class='{'cov' if first.value else 'cov0'}'>{_inline(value)}</td>"
    return f"<td>{_inline(value)}</td>"


def _block(b, out_dir: Path) -> str:
    if isinstance(b, Text):
        return f"<p>{_inline(b.spans)}</p>"
    if isinstance(b, Cards):
        return "<div class='cards'>" + "".join(f"<div class='card {_e(cls)}'><b>{n}</b>{_e(label)}</div>"
                                               for label, n, cls in b.items) + "</div>"
    if isinstance(b, Heading):
        return f"<h3>{_inline(b.spans)}</h3>"
    if isinstance(b, Table):
        head = "<tr>" + "".join(f"<th>{_e(c)}</th>" for c in b.columns) + "</tr>"
        return "<table>" + head + "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in b.rows) \
            + "</table>"
    if isinstance(b, Bullets):
        return "<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in b.items) + "</ul>"
    if isinstance(b, Image):
        return _img(out_dir, b.file, b.alt)
    if isinstance(b, Pre):
        return f"<pre>{_e(b.text)}</pre>"
    if isinstance(b, Details):
        return f"<details><summary>{_e(b.summary)}</summary>" + "".join(_block(x, out_dir) for x in b.blocks) \
            + "</details>"
    raise TypeError(f"no HTML for {type(b).__name__}")


def render_sections(sections: list[Section], out_dir: Path) -> str:
    out_dir = Path(out_dir)
    body = ["<main>", f"<h1>{_e(TITLE)}</h1>",
            "<nav>" + "".join(f"<a href='#{s.id}'>{_e(s.title.split(':')[0])}</a>" for s in sections) + "</nav>"]
    for s in sections:
        body.append(f'<section id="{s.id}"><h2>{_e(s.title)}</h2>'
                    + "".join(_block(b, out_dir) for b in s.blocks) + "</section>")
    body.append("</main>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>nnconf conformance report</title>"
            f"<style>{CSS}</style><script>{PROBE}</script></head><body>" + "\n".join(body) + "</body></html>\n")


def render(doc: dict, out_dir: Path) -> str:
    return render_sections(report_sections.build(doc), out_dir)
