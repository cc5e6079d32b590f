"""Runs the registry and writes the conformance report (JSON, the contract, and Markdown).

Data flows one way: registry -> runner -> results dict -> renderers. The Markdown renderer
reads only the results dict; it computes nothing.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from . import cache as cache_mod
from . import parallel, profiles, provenance
from .cache import Cache
from .registry import Row, all_rows
from .runner import STATUSES, run_row

SCHEMA = "nnconf.conformance/1"


def _row_key(row: Row) -> tuple:
    return (row.check.id, row.oracle, row.variant.label)


def _run_keyed(key: tuple, profile: str, seed: int | None) -> dict:
    """In a worker process: find the row by its key in the registry and run it."""
    row = next(r for r in all_rows() if _row_key(r) == key)
    return run_row(row, profile=profile, seed=seed)


def run(rows: Iterable[Row] | None = None, *, profile: str = "thorough", seed: int | None = None,
        progress: Callable[[Iterable], Iterable] = lambda it: it, argv=None, jobs: int = 1,
        cache: Cache | None = None, backend: str = "loky") -> dict:
    """Run ``rows`` (default: the whole registry) and return the results document; ``jobs`` > 1
    runs them in that many worker processes (:func:`nnconf.parallel.map_tasks`: the same
    results, in registry order; each row's hypothesis seed is fixed, so which process ran it
    does not matter). With a ``cache``, rows whose result is cached (same code, versions,
    profile and seed) are not run again; failing rows are always run."""
    rows = list(all_rows() if rows is None else rows)
    checks: list = [None] * len(rows)
    keys = [None] * len(rows)
    if cache is not None and (profiles.get(profile).derandomize or seed is not None):
        for i, r in enumerate(rows):
            keys[i] = cache_mod.key("check-row", row=list(_row_key(r)), profile=profile, seed=seed)
            checks[i] = cache.get(*keys[i])
    todo = [i for i, c in enumerate(checks) if c is None]
    tasks = [(_row_key(rows[i]), profile, seed) for i in todo]
    if (jobs > 1 or backend != "loky") and len(tasks) > 1:
        computed = parallel.map_tasks(_run_keyed, tasks, jobs=jobs, progress=progress, backend=backend)
    else:
        computed = [run_row(rows[i], profile=profile, seed=seed) for i in progress(todo)]
    for i, record in zip(todo, computed, strict=True):
        checks[i] = record
        if keys[i] is not None and record["status"] != "fail":
            cache.put(*keys[i], record)
    for c in checks:
        if c["status"] == "fail":
            c["reproduce"] = reproduce_command(c, profile, seed)
    prov = provenance.collect(profile=profile, seed=seed, argv=argv)
    if cache is not None:
        prov["cache"] = cache.stats()
    return {
        "schema": SCHEMA,
        "provenance": prov,
        "summary": {s: sum(c["status"] == s for c in checks) for s in STATUSES},
        "checks": checks,
    }


def reproduce_command(check: dict, profile: str, seed: int | None) -> str:
    """The command that runs one failing row again (same profile and seed)."""
    cmd = f"nnconf report --only '{check['id']}' --profile {profile}"
    if seed is not None:
        cmd += f" --seed {seed}"
    if check["oracle"] in ("torch", "jax", "sklearn"):
        cmd += f" --oracle {check['oracle']}"
    return cmd + " --mnist-epochs 0 --out-dir /tmp/nnconf-repro"


def failed(results: dict) -> bool:
    return any(c["status"] == "fail" for c in results["checks"])


# ---------------------------------------------------------------- writing, atomically
def _finite(obj):
    """JSON has no infinities or NaN: write them as the strings "inf", "-inf", "nan"."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it: never a half-written report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # a path that is not valid UTF-8 (a byte 0xff in a directory name) is shown escaped
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is for reading
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def convention_catalogue(results: dict) -> dict:
    """The convention rows as data for people porting code: per check and framework, the
    setting, the measured difference from the page, and what it agrees with instead."""
    keep = ("id", "section", "oracle", "variant", "settings", "max_abs_err", "max_rel_err",
            "matches", "figures", "note")
    return {"schema": "nnconf.conventions/1",
            "provenance": {k: results["provenance"].get(k) for k in
                           ("torch", "jax", "optax", "scikit-learn", "git")},
            "conventions": [{k: c[k] for k in keep if k in c}
                            for c in results["checks"] if c["status"] == "convention"],
            "page_matching_settings": [
                {"id": c["id"], "oracle": c["oracle"], "settings": c["settings"], "note": c["note"]}
                for c in results["checks"]
                if c["status"] == "pass" and c["settings"] and c["variant"] == "page"]}


def write(results: dict, out_dir: Path) -> list[Path]:
    from . import html_report
    paths = {name: out_dir / name for name in ("conformance.json", "conformance.md",
                                                "conformance.html", "conventions.json")}
    write_atomic(paths["conformance.json"], json.dumps(_finite(results), indent=1) + "\n")
    write_atomic(paths["conformance.md"], render_markdown(results))
    write_atomic(paths["conformance.html"], html_report.render(results, out_dir))
    write_atomic(paths["conventions.json"],
                 json.dumps(_finite(convention_catalogue(results)), indent=1) + "\n")
    return list(paths.values())


# ---------------------------------------------------------------- Markdown renderer
def _num(x) -> str:
    if x is None:
        return "–"
    if isinstance(x, str):
        return x
    if x == 0:
        return "0"
    return f"{x:.3g}" if 1e-3 <= abs(x) < 1e4 else f"{x:.2e}"


def _settings(d: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in d.items()) or "defaults"


def _cell(text: str, limit: int = 400) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tolerance(tol: dict | None) -> str:
    if not tol:
        return "–"
    parts = [f"rtol {_num(tol['rtol'])}"]
    if tol.get("atol"):
        parts.append(f"atol {_num(tol['atol'])}")
    if tol.get("atol_x"):
        parts.append(f"atol_x {_num(tol['atol_x'])}")
    if tol.get("atol_path"):
        parts.append(f"atol_path {_num(tol['atol_path'])}")
    if tol.get("rtol_x"):
        parts.append(f"rtol_x {_num(tol['rtol_x'])}")
    return ", ".join(parts)


def _claims_section(results: dict) -> list[str]:
    from .audit.listing_claims import summary_line
    claims, a = results["claims"], results.get("audit", {})
    s = results.get("claims_summary", {})
    out = ["## The page's claims (audit)", "",
           "**" + " · ".join(f"{n} {v}" for v, n in s.items() if n) + "**", "",
           f"Page: `{a.get('page')}` ({a.get('page_source')}); catalogue `{a.get('catalogue')}`; "
           + "listings " + summary_line(a) + (f"; {a['listing_note']}" if a.get("listing_note") else "") + ".", ""]
    if a.get("coverage"):
        from .audit.terminal import coverage_line
        out += [coverage_line(a["coverage"]).replace("coverage:", "Page coverage:", 1) + ".", ""]
    shown = [c for c in claims if c["verdict"] != "confirmed"]
    if shown:
        out += ["| line | verdict | claim | printed | computed | explanation |", "|---|---|---|---|---|---|"]
        out += [f"| {c.get('line') or '–'} | **{c['verdict']}** | `{c['id']}` | {_cell(c['printed'] or '–')} | "
                f"{_cell(c['computed'] or '–', 120)} | {_cell(c['explanation'], 600)} |" for c in shown]
        out.append("")
    return out


def _confirmed_claims(results: dict) -> list[str]:
    rows = [c for c in results.get("claims", []) if c["verdict"] == "confirmed"]
    if not rows:
        return []
    out = ["## Confirmed claims", "", "| line | claim | printed | computed | explanation |", "|---|---|---|---|---|"]
    out += [f"| {c.get('line') or '–'} | `{c['id']}` | {_cell(c['printed'] or '–')} | "
            f"{_cell(c['computed'] or '–', 120)} | {_cell(c['explanation'], 300)} |" for c in rows]
    return out + [""]


def exactness_table(results: dict) -> dict | None:
    """The exactness row's table (figures of ``exactness.reference_vs_best``), if it ran."""
    for c in results["checks"]:
        if c["id"] == "exactness.reference_vs_best" and (c.get("figures") or {}).get("exactness"):
            return c["figures"]["exactness"]
    return None


def _ulp(v) -> str:
    return "–" if v is None else (v if isinstance(v, str) else f"{v:.3g}")


def _exactness_markdown(results: dict) -> list[str]:
    t = exactness_table(results)
    if not t:
        return []
    out = ["## Exactness: ULP error against mpmath (400 digits)", "",
           f"{t['inputs_per_formula']} hypothesis-drawn inputs per formula (whole finite range, near 0, saturation, "
           f"exp's underflow edge; probabilities within 1e-300 of 0 and 1e-16 of 1); softmax and the softmax "
           f"cross-entropy take three drawn logits (true class 0, component 0 reported). Rows `example:…` are the "
           f"worked examples' values at the page's inputs (the Adam example's θ_t also through torch.optim.Adam and "
           f"optax.adam). Inputs where the reference is worse than the best framework by more than 1 ulp: "
           f"**{len(t['violations'])}**.", "",
           "| formula | implementation | dtype | max ulp | median ulp | input of the max |",
           "|---|---|---|---|---|---|"]
    out += [f"| {r['formula']} | {r['impl']} | {r['dtype']} | {_ulp(r['max_ulp'])} | {_ulp(r['median_ulp'])} | "
            f"{r['at']} |" for r in t["rows"]]
    return out + [""]


def _mutation_markdown(results: dict) -> list[str]:
    m = results.get("mutation")
    if not m:
        return []
    out = ["## Mutation score (mutmut on reference/)", "",
           f"**{m['score']:.1%}** killed: {m['killed']} killed, {m['survived']} survived of {m['total']} "
           f"({m['tests']}); {m['explained']} survivors explained in `mutation-survivors.toml`.", ""]
    if m["survivors"]:
        out += ["<details><summary>survivors</summary>", ""]
        out += [f"- `{s['name']}`" + (f": {s['explanation']}" if s["explanation"] else "") for s in m["survivors"]]
        out += ["", "</details>"]
    return out + [""]


def render_markdown(results: dict) -> str:
    checks = results["checks"]
    prov = results["provenance"]
    s = results["summary"]
    out = ["# Conformance report: “Neural Network Basics”", ""]
    out.append(f"**{s['pass']} pass · {s['fail']} fail · {s['convention']} convention · "
               f"{s['skipped']} skipped** (rows: a check × an oracle × a setting)")
    out.append("")
    if results.get("audit"):
        from .audit.listing_claims import summary_line
        out += [f"Page listings: {summary_line(results['audit'])}.", ""]
    if results.get("claims"):
        out += _claims_section(results)
    fails = [c for c in checks if c["status"] == "fail"]
    if fails:
        out += ["## Failures", ""]
        out += [f"- `{c['id']}` [{c['oracle']}:{c['variant']}]: {_cell(c['note'])}" for c in fails]
        out.append("")
    conventions = [c for c in checks if c["status"] == "convention"]
    out += ["## Conventions: framework settings that differ from the page", "",
            "Each row: the framework's setting, the measured difference from the page "
            "(max |Δ| over the tested inputs), the reference settings it agrees with instead "
            "and the agreement reached (margin = error / tolerance, ≤ 1 passes).", "",
            "| check | oracle | setting | max abs Δ vs page | max rel Δ | agrees with reference "
            "| its margin | what differs |", "|---|---|---|---|---|---|---|---|"]
    for c in conventions:
        m = c.get("matches")
        if m is None:  # a property: its figures are in the note
            out.append(f"| `{c['id']}` | {c['oracle']} | {c['variant']} | {_num(c['max_abs_err'])} "
                       f"| – | (see note) | – | {_cell(c['note'])} |")
            continue
        match = _settings(m["reference_settings"]) + (f" × {m['scale']}" if m["scale"] != 1 else "")
        diff = c["max_abs_err"] if c["max_abs_err"] is not None else "shape"
        out.append(f"| `{c['id']}` | {c['oracle']} | {_settings(c['settings'])} | {_num(diff)} | "
                   f"{_num(c['max_rel_err'])} | {match} | {_num(m['margin'])} | "
                   f"{_cell(c['note'])} |")
    out.append("")
    props = [c for c in checks if c["kind"] == "property"]
    if props:
        out += ["## Properties and statistical checks", ""]
        out += [f"- **{c['status']}** `{c['id']}` [{c['oracle']}]: {_cell(c['note'], 2000)}"
                for c in props]
        out.append("")
    if "mnist" in results:
        m = results["mnist"]
        out += ["## MNIST: the page's experiment in every framework", "",
                f"![MNIST curves]({m['plot']})", "", "```text", m["summary"], "```", ""]
        if m.get("fallback_note"):
            out += [f"**{m['fallback_note']}**", ""]
        if m.get("float32"):
            out += [f"float32 drift ({m['float32']['epochs']} epochs) from the float64 reference:", ""]
            out += [f"- {name}: max |Δ batch loss| {_num(a['max_batch_loss_diff'])}, max |ΔW| "
                    f"{_num(a['max_final_weight_diff'])}, correct {a['correct']} vs {a['reference_correct']}"
                    for name, a in m["float32"]["drift_from_float64_reference"].items()]
            out.append("")
        if m.get("verdicts"):
            out += ["| epoch | quantity | printed | measured mean | sd | seeds | verdict |",
                    "|---|---|---|---|---|---|---|"]
            out += [f"| {v['epoch']} | {v['quantity']} | {v['printed']} | {v['measured_mean']:.4f} | "
                    f"{_num(v.get('measured_sd'))} | {v['seeds']} | **{v['verdict']}** |"
                    for v in m["verdicts"]]
            out.append("")
        elif m.get("verdicts_note"):
            out += [m["verdicts_note"], ""]
        dprov = m["data_provenance"]
        out += [f"Data: {m['dataset']} from {dprov.get('source')} ({dprov.get('path')}), "
                f"checksums verified: {dprov.get('verified')}.", ""]
    out += ["## Checks by page section", ""]
    sections: dict[str, list[dict]] = {}
    for c in checks:
        sections.setdefault(c["section"], []).append(c)
    for section, rows in sections.items():
        out += [f"### `{section}`", "",
                "| check | oracle | setting | status | max abs err | max rel err | margin "
                "| tolerance | examples | note |", "|---|---|---|---|---|---|---|---|---|---|"]
        for c in rows:
            out.append(f"| `{c['id']}` | {c['oracle']} | {_settings(c['settings'])} | "
                       f"**{c['status']}** | {_num(c['max_abs_err'])} | {_num(c['max_rel_err'])} "
                       f"| {_num(c['margin'])} | {_tolerance(c['tolerance'])} | {c['examples']} | "
                       f"{_cell(c['note'], 160)} |")
        out.append("")
    out += _confirmed_claims(results)
    out += _exactness_markdown(results)
    out += _mutation_markdown(results)
    out += ["## Tolerances and their reasons", ""]
    seen = {}
    for c in checks:
        if c["tolerance"]:
            seen.setdefault(c["tolerance"]["reason"], []).append(c["id"])
    for reason, ids in seen.items():
        out.append(f"- {', '.join(f'`{i}`' for i in dict.fromkeys(ids))}: {reason}")
    out += ["", "## Provenance", "", "| key | value |", "|---|---|"]
    for k, v in prov.items():
        out.append(f"| {k} | {_cell(json.dumps(v) if not isinstance(v, str) else v)} |")
    out.append("")
    return "\n".join(out)
