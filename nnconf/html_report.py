"""The HTML renderer: ``reports/conformance.html``, one self-contained file (inline CSS, figures
embedded as data URIs, no network), readable offline. It reads the results document and the
figure files named in it; it computes nothing."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from .report import _num

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
.convention,.rounding-slip{color:#9a5b00}.skipped,.unverifiable,.stale{color:#5b6472}
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


def _e(x) -> str:
    return html.escape("–" if x is None else str(x))


def _img(out_dir: Path, name: str | None, alt: str) -> str:
    if not name or not (out_dir / name).is_file():
        return f"<p><em>{_e(alt)}: not produced in this run.</em></p>"
    data = base64.b64encode((out_dir / name).read_bytes()).decode()
    return f'<p><img alt="{_e(alt)}" src="data:image/png;base64,{data}"></p>'


def _margin(m) -> str:
    if not isinstance(m, int | float):
        return _e(m)
    width = max(2, min(120, int(120 * min(m, 1.0)))) if m > 0 else 2
    return f'<span class="bar{" over" if m > 1 else ""}" style="width:{width}px"></span> {_num(m)}'


def _summary(results: dict) -> list[str]:
    s, cs = results["summary"], results.get("claims_summary", {})
    out = ['<section id="summary"><h2>Summary</h2><div class="cards">']
    out += [f'<div class="card {k}"><b>{v}</b>{_e(k)}</div>' for k, v in s.items()]
    out += [f'<div class="card {k}"><b>{v}</b>claims {_e(k)}</div>' for k, v in cs.items() if v]
    out.append("</div>")
    fails = [c for c in results["checks"] if c["status"] == "fail"]
    out.append(f"<p><b>Failing checks:</b> {len(fails) or 'none'}.</p>")
    if results.get("audit"):
        from .audit.listing_claims import summary_line
        out.append(f"<p><b>Page listings:</b> {_e(summary_line(results['audit']))}.</p>")
    if fails:
        out.append("<ul>" + "".join(f"<li><code>{_e(c['id'])}</code> [{_e(c['oracle'])}]: {_e(c['note'])}<br>"
                                    f"reproduce: <code>{_e(c.get('reproduce'))}</code></li>" for c in fails) + "</ul>")
    conv = [c for c in results["checks"] if c["status"] == "convention"]
    out.append(f"<p><b>Differs by convention:</b> {len(conv)} framework settings "
               f"(<a href='#conventions'>catalogue</a>): "
               + ", ".join(sorted({f'{c["id"].split(".")[1] if "." in c["id"] else c["id"]} ({c["oracle"]})'
                                   for c in conv})) + ".</p>")
    bad = [c for c in results.get("claims", []) if c["verdict"] in ("wrong", "false", "missing", "not-reproduced")]
    if results.get("claims") is not None:
        out.append(f"<p><b>What the page gets wrong:</b> {len(bad)} claims "
                   f"(<a href='#claims'>all verdicts</a>).</p><ul>")
        out += [f"<li><span class='{c['verdict']}'>{_e(c['verdict'])}</span> <code>{_e(c['id'])}</code>: "
                f"{_e(c['explanation'])}</li>" for c in bad[:40]]
        out.append("</ul>")
    return out + ["</section>"]


def _coverage(results: dict) -> list[str]:
    cov = results.get("coverage")
    if not cov:
        return []
    out = ['<section id="coverage"><h2>Coverage matrix</h2><p>Page sections × what checks them '
           "(counts of registry rows and audit claims). Empty cells are named below.</p>",
           "<table><tr><th>section</th>" + "".join(f"<th>{_e(c)}</th>" for c in cov["columns"]) + "</tr>"]
    for r in cov["rows"]:
        out.append(f"<tr><td><code>{_e(r['section'])}</code></td>" + "".join(
            f"<td class='{'cov' if r['cells'][c] else 'cov0'}'>{r['cells'][c] or ''}</td>" for c in cov["columns"])
            + "</tr>")
    out.append("</table><details><summary>Uncovered cells "
               f"({len(cov['uncovered'])})</summary><p>"
               + "; ".join(f"<code>{_e(s)}</code> × {_e(c)}" for s, c in cov["uncovered"]) + "</p></details>")
    return out + ["</section>"]


def _claims(results: dict) -> list[str]:
    claims = results.get("claims")
    if claims is None:
        return []
    from .audit.listing_claims import summary_line
    a = results.get("audit", {})
    out = ['<section id="claims"><h2>The page\'s claims (audit)</h2>',
           f"<p>Page <code>{_e(a.get('page'))}</code> ({_e(a.get('page_source'))}); catalogue "
           f"<code>{_e(a.get('catalogue'))}</code>; listings {_e(summary_line(a))}"
           f"{'; ' + _e(a['listing_note']) if a.get('listing_note') else ''}. Reproduce: "
           f"<code>nnconf audit --page {_e(a.get('page'))}</code></p>"]

    def table(rows):
        return (["<table><tr><th>line</th><th>verdict</th><th>claim</th><th>printed</th><th>computed</th>"
                 "<th>explanation</th></tr>"]
                + [f"<tr><td>{_e(c.get('line') or '–')}</td>"
                   f"<td class='{c['verdict']}'><b>{_e(c['verdict'])}</b></td><td><code>{_e(c['id'])}</code>"
                   f"<br><small>{_e(c.get('what'))}</small></td><td>{_e(c['printed'])}</td>"
                   f"<td>{_e(c['computed'])}</td><td>{_e(c['explanation'])}</td></tr>" for c in rows] + ["</table>"])
    out += table([c for c in claims if c["verdict"] != "confirmed"])
    ok = [c for c in claims if c["verdict"] == "confirmed"]
    out += [f"<details><summary>{len(ok)} confirmed claims</summary>"] + table(ok) + ["</details></section>"]
    return out


def _conventions(results: dict) -> list[str]:
    rows = [c for c in results["checks"] if c["status"] == "convention"]
    out = ['<section id="conventions"><h2>Conventions: framework settings that differ from the page</h2>',
           "<table><tr><th>check</th><th>oracle</th><th>setting</th><th>max |Δ| vs page</th>"
           "<th>agrees with reference under</th><th>margin there</th><th>note</th></tr>"]
    for c in rows:
        m = c.get("matches") or {}
        settings = ", ".join(f"{k}={v!r}" for k, v in (c.get("settings") or {}).items()) or "defaults"
        ref = ", ".join(f"{k}={v!r}" for k, v in (m.get("reference_settings") or {}).items()) or "–"
        out.append(f"<tr><td><code>{_e(c['id'])}</code></td><td>{_e(c['oracle'])}</td><td>{_e(settings)}</td>"
                   f"<td>{_num(c['max_abs_err'])}</td><td>{_e(ref)}</td><td>{_margin(m.get('margin'))}</td>"
                   f"<td>{_e(c['note'])}</td></tr>")
    return out + ["</table></section>"]


def _mnist(results: dict, out_dir: Path) -> list[str]:
    m = results.get("mnist")
    if not m:
        return []
    out = ['<section id="mnist"><h2>MNIST: the page\'s experiment in every framework</h2>',
           _img(out_dir, m.get("plot"), "MNIST curves"), f"<pre>{_e(m.get('summary'))}</pre>"]
    if m.get("verdicts"):
        out.append("<table><tr><th>epoch</th><th>quantity</th><th>printed</th><th>measured mean</th><th>sd</th>"
                   "<th>seeds</th><th>verdict</th></tr>")
        out += [f"<tr><td>{v['epoch']}</td><td>{_e(v['quantity'])}</td><td>{_e(v['printed'])}</td>"
                f"<td>{v['measured_mean']:.4f}</td><td>{_num(v.get('measured_sd'))}</td><td>{v['seeds']}</td>"
                f"<td class='{v['verdict']}'>{_e(v['verdict'])}</td></tr>" for v in m["verdicts"]]
        out.append("</table>")
    return out + ["</section>"]


def _figures(results: dict, out_dir: Path) -> list[str]:
    f = results.get("figures", {})
    return ['<section id="figures"><h2>Figures</h2>',
            "<h3>The page's activation figure, regenerated (reference; torch and JAX on top)</h3>",
            _img(out_dir, f.get("activations"), "activation functions"),
            "<h3>Achieved error against tolerance, per check family</h3>",
            _img(out_dir, f.get("errors"), "error distributions"),
            "<h3>Optimizer trajectories: reference vs frameworks, defaults and page-matching settings</h3>",
            _img(out_dir, f.get("optimizers"), "optimizer trajectories"), "</section>"]


def _checks(results: dict) -> list[str]:
    out = ['<section id="checks"><h2>Checks by page section</h2>']
    sections: dict[str, list[dict]] = {}
    for c in results["checks"]:
        sections.setdefault(c["section"], []).append(c)
    for sec, rows in sections.items():
        out.append(f"<h3><code>{_e(sec)}</code></h3><table><tr><th>check</th><th>oracle</th><th>setting</th>"
                   "<th>status</th><th>max abs err</th><th>margin (error / tolerance)</th><th>tolerance</th>"
                   "<th>examples</th><th>note</th></tr>")
        for c in rows:
            tol = c.get("tolerance") or {}
            settings = ", ".join(f"{k}={v!r}" for k, v in (c.get("settings") or {}).items()) or "defaults"
            out.append(f"<tr><td><code>{_e(c['id'])}</code></td><td>{_e(c['oracle'])}</td><td>{_e(settings)}</td>"
                       f"<td class='{c['status']}'><b>{_e(c['status'])}</b></td><td>{_num(c['max_abs_err'])}</td>"
                       f"<td>{_margin(c['margin'])}</td><td title='{_e(tol.get('reason'))}'>"
                       f"rtol {_num(tol.get('rtol'))}, atol {_num(tol.get('atol'))}</td><td>{c['examples']}</td>"
                       f"<td>{_e(c['note'][:300])}</td></tr>")
        out.append("</table>")
    return out + ["</section>"]


def _exactness(results: dict) -> list[str]:
    from .report import exactness_table
    t = exactness_table(results)
    if not t:
        return []
    out = ['<section id="exactness"><h2>Exactness: ULP error against mpmath (400 digits)</h2>',
           f"<p>{t['inputs_per_formula']} hypothesis-drawn inputs per formula; rows <code>example:…</code> are the "
           f"worked examples' values at the page's inputs; inputs where the reference is worse "
           f"than the best framework by more than 1 ulp: <b>{len(t['violations'])}</b>.</p>",
           "<table><tr><th>formula</th><th>implementation</th><th>dtype</th><th>max ulp</th><th>median ulp</th>"
           "<th>input of the max</th></tr>"]
    for r in t["rows"]:
        m = r["max_ulp"]
        cls = "fail" if isinstance(m, int | float) and m > 4 else ""
        out.append(f"<tr><td>{_e(r['formula'])}</td><td>{_e(r['impl'])}</td><td>{_e(r['dtype'])}</td>"
                   f"<td class='{cls}'>{_num(m)}</td><td>{_num(r['median_ulp'])}</td><td>{_e(r['at'])}</td></tr>")
    return out + ["</table></section>"]


def _mutation(results: dict) -> list[str]:
    m = results.get("mutation")
    if not m:
        return []
    out = ['<section id="mutation"><h2>Mutation score (mutmut on reference/)</h2>',
           f"<p><b>{m['score']:.1%}</b> killed: {m['killed']} killed, {m['survived']} survived of {m['total']} "
           f"({_e(m['tests'])}); {m['explained']} survivors explained.</p>",
           f"<details><summary>{len(m['survivors'])} survivors</summary><ul>"]
    out += [f"<li><code>{_e(s['name'])}</code>{': ' + _e(s['explanation']) if s['explanation'] else ''}</li>"
            for s in m["survivors"]]
    return out + ["</ul></details></section>"]


def _provenance(results: dict) -> list[str]:
    p = results["provenance"]
    out = ['<section id="provenance"><h2>Provenance</h2><table>']
    out += [f"<tr><th>{_e(k)}</th><td>{_e(v if isinstance(v, str) else json.dumps(v))}</td></tr>" for k, v in p.items()]
    if results.get("mnist"):
        d = results["mnist"].get("data_provenance", {})
        out.append(f"<tr><th>MNIST data</th><td>{_e(json.dumps(d))}</td></tr>")
    return out + ["</table></section>"]


def render(results: dict, out_dir: Path) -> str:
    out_dir = Path(out_dir)
    body = ["<main>", "<h1>Conformance report: “Neural Network Basics”</h1>",
            "<nav><a href='#summary'>summary</a><a href='#coverage'>coverage</a><a href='#claims'>page claims</a>"
            "<a href='#conventions'>conventions</a><a href='#mnist'>MNIST</a><a href='#figures'>figures</a>"
            "<a href='#exactness'>exactness</a><a href='#checks'>checks</a><a href='#provenance'>provenance</a></nav>"]
    for part in (_summary(results), _coverage(results), _claims(results), _conventions(results),
                 _mnist(results, out_dir), _figures(results, out_dir), _exactness(results), _mutation(results),
                 _checks(results), _provenance(results)):
        body += part
    body.append("</main>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>nnconf conformance report</title>"
            f"<style>{CSS}</style><script>{PROBE}</script></head><body>" + "\n".join(body) + "</body></html>\n")
