"""Runs the registry and writes the conformance report (JSON, the contract, Markdown, HTML).

Data flows one way: registry -> runner -> results document (:func:`nnconf.report.results.assemble`)
-> renderers (:mod:`nnconf.report.markdown`, :mod:`nnconf.report.html`), which compute nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from nnconf.conformance import profiles
from nnconf.conformance.registry import Row, all_rows
from nnconf.conformance.runner import run_row
from nnconf.report import results
from nnconf.report.markdown import render as render_markdown
from nnconf.report.results import SCHEMA, failed
from nnconf.run import cache as cache_mod
from nnconf.run import parallel, provenance, work
from nnconf.run.cache import Cache
from nnconf.run.output import finite as _finite
from nnconf.run.output import write_atomic

__all__ = ["SCHEMA", "convention_catalogue", "failed", "render_markdown", "reproduce_command", "run", "write",
           "write_atomic"]


def _row_key(row: Row) -> tuple:
    return (row.check.id, row.oracle, row.variant.label)


def _run_keyed(key: tuple | Row, profile: str, seed: int | None) -> dict:
    """In a worker process: find the row by its key in the registry and run it (here, in this
    process, the row itself may be given: rows declared outside the registry, by tests)."""
    row = key if isinstance(key, Row) else next(r for r in all_rows() if _row_key(r) == key)
    return run_row(row, profile=profile, seed=seed)


# expected seconds of a row (its order in the pool only): JAX compiles for every network shape
_COSTS = (("exactness.", 14.0), ("backprop.", 8.0), ("mlp.", 8.0), ("gradcheck.", 6.0), ("init.he.second", 4.0))


def _row_cost(row: Row) -> float:
    base = next((c for prefix, c in _COSTS if row.check.id.startswith(prefix)), 1.0)
    return base * (1.5 if row.oracle == "jax" else 1.0)


def plan(rows: Iterable[Row] | None = None, *, profile: str = "thorough", seed: int | None = None, argv=None,
         cache: Cache | None = None, portable: bool = True) -> work.Plan:
    """The rows not in ``cache`` as tasks; ``finish`` returns the results document (registry
    order). With a ``cache``, rows whose result is cached (same code, versions, profile and
    seed) are not run again; failing rows are always run."""
    rows = list(all_rows() if rows is None else rows)
    checks: list = [None] * len(rows)
    keys = [None] * len(rows)
    if cache is not None and (profiles.get(profile).derandomize or seed is not None):
        for i, r in enumerate(rows):
            keys[i] = cache_mod.key("check-row", row=list(_row_key(r)), profile=profile, seed=seed)
            checks[i] = cache.get(*keys[i])
    todo = [i for i, c in enumerate(checks) if c is None]

    def finish(computed: list) -> dict:
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
        return results.assemble(provenance=prov, checks=checks)

    tasks = [work.Task(fn=_run_keyed, args=(_row_key(rows[i]) if portable else rows[i], profile, seed),
                       cost=_row_cost(rows[i]),
                       label=rows[i].key) for i in todo]
    return work.Plan(name="checks", tasks=tasks, finish=finish)


def run(rows: Iterable[Row] | None = None, *, profile: str = "thorough", seed: int | None = None,
        progress: Callable[[Iterable], Iterable] = lambda it: it, argv=None, jobs: int = 1,
        cache: Cache | None = None, backend: str = "loky") -> dict:
    """Run ``rows`` (default: the whole registry) and return the results document; ``jobs`` > 1
    runs them in that many worker processes (:mod:`nnconf.run.work`: the same results, in registry
    order; each row's hypothesis seed is fixed, so which process ran it does not matter);
    ``backend="dask"`` sends them to the current dask.distributed client."""
    p = plan(rows, profile=profile, seed=seed, argv=argv, cache=cache, portable=jobs > 1 or backend != "loky")
    if backend != "loky":
        return p.finish(parallel.map_tasks(_run_keyed, [t.args for t in p.tasks], jobs=jobs, progress=progress,
                                           backend=backend))
    return work.run([p], jobs=jobs, progress=progress)["checks"]


def reproduce_command(check: dict, profile: str, seed: int | None) -> str:
    """The command that runs one failing row again (same profile and seed)."""
    cmd = f"nnconf report --only '{check['id']}' --profile {profile}"
    if seed is not None:
        cmd += f" --seed {seed}"
    if check["oracle"] in ("torch", "jax", "sklearn"):
        cmd += f" --oracle {check['oracle']}"
    return cmd + " --mnist-epochs 0 --out-dir nnconf-repro"  # relative: the report names no machine path


# ---------------------------------------------------------------- writing, atomically

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
    from nnconf.report import html as html_report
    paths = {name: out_dir / name for name in ("conformance.json", "conformance.md",
                                                "conformance.html", "conventions.json")}
    write_atomic(paths["conformance.json"], json.dumps(_finite(results), indent=1) + "\n")
    write_atomic(paths["conformance.md"], render_markdown(results))
    write_atomic(paths["conformance.html"], html_report.render(results, out_dir))
    write_atomic(paths["conventions.json"],
                 json.dumps(_finite(convention_catalogue(results)), indent=1) + "\n")
    return list(paths.values())
