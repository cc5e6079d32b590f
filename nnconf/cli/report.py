"""``nnconf report``: every input checked first, then the stages, timed, into one output set.

Stages, in order: the page's listings start in a background thread (sandboxed) while one pool
of worker processes runs the registry's rows, the MNIST section's trainings and the pitfalls
experiments together, longest first (:mod:`nnconf.run.work`); then the page audit (which takes the
listings' runs), the figures and the renderers. Each stage's wall-clock seconds, and the
seconds the pool's tasks took by kind, go into the report's provenance (``timings``), which
``benchmarks/report_time.py`` reads. Everything cacheable goes through the results cache.
"""

from __future__ import annotations

import fnmatch
import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from nnconf.cli.config import path_base
from nnconf.cli.options import UsageError
from nnconf.conformance import profiles
from nnconf.run.cache import Cache
from nnconf.run.output import OutputSet, relative_paths
from nnconf.run.progress import wrapper as progress_wrapper

EXIT_OK, EXIT_FAIL = 0, 1


class Stages:
    """Wall-clock seconds per stage."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._started = time.perf_counter()

    @contextmanager
    def __call__(self, name: str):
        t = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - t, 2)

    def total(self) -> dict:
        return {**self.seconds, "total": round(time.perf_counter() - self._started, 2)}


def select_rows(only: list[str], oracles: list[str] | None):
    """The registry's rows matching ``--only`` (check id or section globs) and ``--oracle``."""
    from nnconf.conformance.registry import all_rows
    rows = all_rows()
    unknown = sorted(set(oracles or ()) - {r.oracle for r in rows})
    if unknown:
        raise UsageError(f"--oracle: no rows of {', '.join(unknown)}; the registry's oracles: "
                         + ", ".join(sorted({r.oracle for r in rows})))
    if only:
        rows = [r for r in rows if any(fnmatch.fnmatch(r.check.id, pat) or
                                       fnmatch.fnmatch(r.check.section, pat) for pat in only)]
    if oracles:
        rows = [r for r in rows if r.oracle in oracles]
    if not rows:
        raise UsageError(f"no check matches --only {only} --oracle {oracles}; "
                         "`nnconf list` shows the registry")
    return rows


def check_page(page) -> None:
    """The page given to a command must be readable before any work starts."""
    if page is None:
        return
    from nnconf.audit.page import Page
    Page.read(page)  # PageError: one line naming the file


def _inputs(args):
    """Everything the run needs, checked before the long work starts."""
    from nnconf.run import parallel
    rows = select_rows(args.only, args.oracle)
    jobs = parallel.effective_jobs(args.jobs, len(rows), backend=args.backend)
    client = parallel.dask_client(args.scheduler, workers=jobs) if args.backend == "dask" else None
    check_page(args.page)
    cat = None
    if args.page:
        from nnconf.audit import catalogue
        cat = catalogue.load(args.claims)
    dataset = None
    if args.mnist_epochs > 0:
        from nnconf.mnist import job as mnist_report
        dataset = mnist_report.dataset_for_report(args.mnist_dir, offline=args.offline)
    return rows, jobs, client, dataset, cat


def _plans(args, out, rows, seed, dataset, cache):
    """The long work as plans of :mod:`nnconf.run.work`: the rows, the MNIST trainings, the pitfalls."""
    from nnconf.mnist import job as mnist_report
    from nnconf.report import build as report
    plans = [report.plan(rows, profile=args.profile, seed=seed, argv=sys.argv[1:], cache=cache,
                         portable=True)]
    if dataset is not None:
        plans.append(mnist_report.plan_for_report(
            out.dir, dataset=dataset, epochs=args.mnist_epochs, seeds=args.mnist_seeds,
            float32_epochs=args.mnist_float32_epochs, page=args.page, progress=not args.no_progress, cache=cache))
        if not args.no_pitfalls:
            from nnconf.cli.pitfalls import plan_for_report
            plans.append(plan_for_report(out.dir, dataset=dataset, page=args.page, cache=cache, panels=False))
    return plans


def _work_seconds(parts: dict, checks: list[dict]) -> dict:
    """What the pool's tasks took, by kind (CPU-bound, one thread each: seconds of one core)."""
    out = {"rows (sum)": round(sum(c.get("seconds") or 0.0 for c in checks), 1)}
    for name, run in ((parts.get("mnist") or {}).get("runs") or {}).items():
        out[f"mnist {name} (sum)"] = round(sum(run.get("seconds_per_epoch") or []), 1)
    if parts.get("pitfalls"):
        out["pitfalls (sum)"] = round(parts["pitfalls"].get("compute_seconds") or 0.0, 1)
    return out


def cmd_report(args) -> int:
    from nnconf.report import build as report
    from nnconf.report import coverage, figures
    from nnconf.report import results as R
    from nnconf.run import parallel, work
    stages = Stages()
    rows, jobs, client, dataset, cat = _inputs(args)
    seed = args.seed if args.seed is not None else (profiles.DEFAULT_SEED if args.profile == "thorough" else None)
    cache = Cache.for_options(args)
    with OutputSet(args.out_dir, wait=args.wait, command="nnconf report") as out:
        from nnconf.cli.audit import start_listing_prefetch
        listings_ahead = start_listing_prefetch(args, cache)  # sandboxed, beside the pool's work
        plans = _plans(args, out, rows, seed, dataset, cache)
        with stages("pool: rows, trainings, experiments"):
            # the rows, the trainings and the experiments: local workers, or the dask cluster (whose
            # workers read the MNIST directory at the same path and verify its checksums)
            done = work.run(plans, jobs=jobs, backend=args.backend,
                            progress=progress_wrapper("work", not args.no_progress))
        results = done.pop("checks")
        prov = {**results["provenance"], "configuration": {"file": args.config_file, "settings": args.configuration}}
        if client is not None:
            prov["dask"] = parallel.describe(client)
        parts = dict(done)
        if args.page:
            from types import SimpleNamespace

            from nnconf.cli.audit import listing_settings, run_audit
            with stages("listings (waiting)"):
                ahead = listings_ahead.result() if listings_ahead else None
            with stages("audit"):
                parts["audit"], parts["claims"] = run_audit(SimpleNamespace(
                    claims=args.claims, page=args.page, mnist_dir=args.mnist_dir, results=None, train=False,
                    no_progress=args.no_progress),
                    mnist_section=parts.get("mnist"), checks=results["checks"], listings=listing_settings(args),
                    cache=cache, prefetched=ahead)
            parts["sections"] = coverage.page_sections(args.page)
            from nnconf.audit import exactness
            results["checks"] = exactness.add_to(results["checks"], cat.examples.values())
        mutation = Path(args.out_dir) / "mutation.json"  # written by `tox -e mutation`
        if mutation.is_file():
            parts["mutation"] = json.loads(mutation.read_text(encoding="utf-8"))
        parts["provenance"] = {**prov, "cache": cache.stats()}
        results = R.update(results, **parts)  # one results model: summary and coverage derived
        if not args.no_figures:
            with stages("figures"):
                files, data = figures.make_all(results, out.dir)
                files.update((results.get("pitfalls") or {}).get("figures") or {})
                results = R.update(results, figures=files, figure_data=data)
        with stages("render"):
            timings = {**stages.total(), **_work_seconds(parts, results["checks"])}
            if work.LAST.get("utilisation") is not None:
                timings["pool utilisation"] = work.LAST["utilisation"]
                timings["pool first task after"] = work.LAST["first_task_after"]
            if listings_ahead is not None and listings_ahead.seconds is not None:
                timings["listings (sum)"] = listings_ahead.seconds
            results = R.update(results, provenance={**results["provenance"], "timings": timings})
            # every path relative to the configuration file (or the page): no path of this machine
            results = relative_paths(results, path_base(args))
            report.write(results, out.dir)
            if results.get("claims"):  # the claims as test cases, next to the tests' junit.xml
                from nnconf.audit import junit
                junit.write(out.path("junit-claims.xml"), results["claims"],
                            page=args.page, catalogue=results["audit"]["catalogue"], base=path_base(args))
        paths = out.commit()
    _finish(results, paths, args)
    return EXIT_FAIL if report.failed(results) else EXIT_OK


def _finish(results: dict, paths: list[Path], args) -> None:
    if args.format == "text":
        summary(results, paths, args)
        return
    from contextlib import redirect_stdout

    from nnconf.audit import formats
    with redirect_stdout(sys.stderr):  # standard output is the document; the summary goes to stderr
        summary(results, paths, args)
    sys.stdout.write(formats.for_report(args.format, results, page=args.page))


def summary(results: dict, paths: list[Path], args) -> None:
    """The report's last words: counts, failures, the page's verdicts, where the HTML is."""
    s = results["summary"]
    print(f"checks: {s['pass']} pass, {s['fail']} fail, {s['convention']} convention, "
          f"{s['skipped']} skipped")
    for c in results["checks"]:
        if c["status"] == "fail":
            print(f"FAIL {c['id']} [{c['oracle']}:{c['variant']}]: {c['note']}")
    if results.get("claims_summary"):
        from nnconf.audit.listing_claims import summary_line
        print("page claims: " + ", ".join(f"{n} {v}" for v, n in results["claims_summary"].items() if n)
              + " (`nnconf audit` gates on them)"
              + (f"; listings {summary_line(results['audit'])}" if results.get("audit") else ""))
    elif not args.page:
        print("page claims: not audited (no page configured: --page, $NNCONF_PAGE or [tool.nnconf] page)")
    m = results.get("mnist")
    if m:
        judged = [v["verdict"] for v in m.get("verdicts", [])]
        print(f"MNIST: {m['dataset']}" + (f"; page's curve: {judged.count('reproduced')} of {len(judged)} "
                                          "points reproduced" if judged else ""))
    t = results["provenance"].get("timings") or {}
    if t:
        print("seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in t.items() if "(sum)" not in k))
    html = next((p for p in paths if p.name == "conformance.html"), None)
    print(f"wrote {len(paths)} files to {paths[0].parent if paths else args.out_dir}"
          + (f"; open {html}" if html else ""))
