"""The HTML renderer: ``reports/conformance.html``, the template ``templates/report.html.j2``
over the sections that :mod:`nnconf.report.sections` builds from the results document (the
same ones the Markdown template formats). One self-contained file (inline CSS, figures
embedded as data URIs, no network), readable offline; it computes nothing."""

from __future__ import annotations

import base64
from pathlib import Path

from nnconf.report import sections as report_sections
from nnconf.report.document import Section
from nnconf.report.render import TITLE, environment

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


def _data_uri(out_dir: Path, name: str | None) -> str:
    """The figure ``name`` of ``out_dir`` as a data URI, or "" where this run made none."""
    if not name or not (out_dir / name).is_file():
        return ""
    return "data:image/png;base64," + base64.b64encode((out_dir / name).read_bytes()).decode()


def render_sections(sections: list[Section], out_dir: Path) -> str:
    out_dir = Path(out_dir)
    return environment("html").get_template("report.html.j2").render(
        title=TITLE, sections=sections, css=CSS, probe=PROBE, data_uri=lambda name: _data_uri(out_dir, name))


def render(doc: dict, out_dir: Path) -> str:
    return render_sections(report_sections.build(doc), out_dir)
