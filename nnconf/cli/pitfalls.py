"""``nnconf pitfalls`` and the report's pitfalls section (page section ``pitfalls``).

:func:`for_report` is what ``nnconf report`` calls: it runs every row of the catalogue, writes
the figures into the report's directory and returns the section (records in the audit's shape,
figures, settings, seconds, a cache key). :func:`add_parser` registers the subcommand.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

from nnconf.cli import options as opt
from nnconf.mnist import data
from nnconf.pitfalls import catalogue, experiments, figures, records

VERDICTS = ("confirmed", "false", "unverifiable", "stale")
DEFAULT_FAIL_ON = "false,unverifiable,stale"


def finite(obj):
    """Non-finite floats as the strings ``"nan"``, ``"inf"``, ``"-inf"`` (the report's JSON
    contract); tuples as lists."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, dict):
        return {str(k): finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    return obj


def scale_text(s: experiments.Settings) -> str:
    return (f"the page's MLP {'-'.join(map(str, s.sizes))} and plain SGD, batch {s.batch_size}, on the "
            f"first {s.train_samples} MNIST training images for {s.epochs} epoch(s) ({s.steps()} steps), "
            f"evaluated on the first {s.eval_samples} test images; seeds {list(s.seeds)}")


def summary(recs: list[dict]) -> dict:
    return {v: sum(r["verdict"] == v for r in recs) for v in VERDICTS}


def _unavailable(cat, reason: str, scale: str) -> list[dict]:
    return [{"id": f"{cat.section}.{row.id}.{part}", "section": cat.section, "kind": records.KIND,
             "what": f"{row.mistake} ({part})", "printed": None, "computed": None,
             "verdict": "unverifiable", "explanation": f"not run: {reason}", "line": None, "page_line": None,
             "frameworks": [], "scale": scale, "tests": [], "settings": []}
            for row in cat.rows for part in ("symptom", "fix")]


def results(cat, settings, ds, *, progress: bool = False, cache=None) -> tuple[dict, str | None]:
    """The experiments' results as JSON data (rows and arms), computed or, with ``cache``
    (:class:`nnconf.run.cache.Cache`), taken from it: they depend only on the code, the framework
    versions, the catalogue, the settings and the data's checksums. Returns them and
    ``"hit"``/``"miss"`` (None without a cache)."""
    from nnconf.run.progress import Progress

    def compute_here() -> dict:
        with Progress("pitfalls", experiments.work(cat, settings), enabled=progress, unit="epoch") as bar:
            return json.loads(json.dumps(finite(experiments.run(cat, ds, settings, progress=bar.update))))

    checksums = ds.provenance.get("sha256_uncompressed")
    if cache is None or not checksums:
        return compute_here(), None
    before = cache.hits
    result = cache.cached("pitfalls", {"data": checksums, "catalogue": cat.sha256,
                                       "settings": asdict(settings)}, compute_here)
    return result, "hit" if cache.hits > before else "miss"


def compute(catalogue_path, settings, spec) -> dict:
    """The experiments' results (JSON data), in a worker process: the data from ``spec``
    (:func:`nnconf.mnist.runs.spec`)."""
    from nnconf.mnist.runs import dataset
    cat = catalogue.load(catalogue_path)
    return json.loads(json.dumps(finite(experiments.run(cat, dataset(spec), settings))))


def plan_for_report(out_dir, *, seeds: int | None = None, epochs: int | None = None, dataset=None, page=None,
                    catalogue_path=None, cache=None, panels: bool = True):
    """:func:`for_report` as a plan of :mod:`nnconf.run.work`: the experiments are one task (unless
    cached); ``finish`` judges, draws and returns the section."""
    from nnconf.mnist import runs as mnist_runs
    from nnconf.run import work
    cat = catalogue.load(catalogue_path)
    settings = experiments.Settings.from_catalogue(cat, seeds=seeds, epochs=epochs)
    if dataset is None or dataset.name != "MNIST" or dataset.x_train.shape[1] != settings.sizes[0]:
        return work.Plan(name="pitfalls", finish=lambda _: for_report(out_dir, dataset=dataset, page=page,
                                                                      catalogue_path=catalogue_path))
    checksums = dataset.provenance.get("sha256_uncompressed")
    key = None
    if cache is not None and checksums:
        key = cache.key_of("pitfalls", {"data": checksums, "catalogue": cat.sha256, "settings": asdict(settings)})
        hit = cache.get(*key)
        if hit is not None:
            return work.Plan(name="pitfalls", finish=lambda _: run_section(
                out_dir, cat=cat, settings=settings, ds=dataset, page=page, panels=panels, computed=(hit, "hit")))

    def finish(outputs: list) -> dict:
        if key is not None:
            cache.put(*key, outputs[0])
        return run_section(out_dir, cat=cat, settings=settings, ds=dataset, page=page, panels=panels,
                           computed=(outputs[0], "miss" if key else None))

    task = work.Task(fn=compute, args=(cat.path, settings, mnist_runs.spec(dataset)),
                     cost=experiments.work(cat, settings) * 0.2, label="pitfalls")
    return work.Plan(name="pitfalls", tasks=[task], finish=finish)


def run_section(out_dir, *, cat, settings, ds, page=None, progress: bool = False,
                panels: bool = True, cache=None, computed: tuple | None = None) -> dict:
    """Run (or take from ``cache``, or ``computed``: results and cache status), judge against
    the page, draw; the section as JSON-able data."""
    import time

    from nnconf.audit.page import Page

    started = time.perf_counter()
    page_obj = Page.read(page) if isinstance(page, str | Path) else page
    result, cached = computed or results(cat, settings, ds, progress=progress, cache=cache)
    scale = scale_text(settings)
    recs = records.make(cat, result["rows"], result["arms"], scale=scale, page=page_obj)
    out = Path(out_dir)
    figs = {"pitfalls": figures.figure(result["rows"], result["arms"], recs, out).name}
    if panels:
        for row in result["rows"]:
            figs[f"pitfalls-{row['id']}"] = figures.panel(row, result["arms"], recs, out).name
    return finite({
        "schema": catalogue.SCHEMA, "section": cat.section, "records": recs, "summary": summary(recs),
        "figures": figs, "settings": {**asdict(settings), "rule": cat.rule, "base": cat.base,
                                      "scale": scale},
        "catalogue": {"path": cat.path, "sha256": cat.sha256},
        "data": {"dataset": ds.name, "provenance": ds.provenance},
        "page": str(page) if page is not None else None,
        "frameworks": result["frameworks"], "rows": result["rows"], "arms": result["arms"],
        "seconds": time.perf_counter() - started, "cache": cached,
        "compute_seconds": result["seconds"], "cpu_seconds": result["cpu_seconds"],
        "cache_key": experiments.cache_key(cat, settings, ds.provenance)})


def for_report(out_dir, *, seeds: int | None = None, epochs: int | None = None, mnist_dir=None,
               offline: bool = True, dataset=None, page=None, catalogue_path=None,
               progress: bool = False, cache=None, panels: bool = True) -> dict:
    """The report's pitfalls section: ``records`` (14, the audit's claim shape with kind
    ``experiment``), ``summary``, ``figures`` (name -> PNG file written into ``out_dir``: the
    composite ``pitfalls.png`` and one panel per row), ``settings``, ``seconds`` (this call),
    ``compute_seconds``/``cpu_seconds`` (the experiments'), ``cache`` (hit/miss), ``cache_key``
    and the measurements (``rows``, ``arms``). ``dataset`` reuses MNIST already loaded;
    ``cache`` (:class:`nnconf.run.cache.Cache`) reuses the experiments of an identical earlier run
    (the records are judged against the page each time). Without MNIST every record is
    ``unverifiable`` with the reason."""
    cat = catalogue.load(catalogue_path)
    settings = experiments.Settings.from_catalogue(cat, seeds=seeds, epochs=epochs)
    try:
        ds = dataset or data.load(mnist_dir, allow_download=not offline, allow_openml=not offline)
        if ds.name != "MNIST" or ds.x_train.shape[1] != settings.sizes[0]:
            raise data.DataError(f"the data given is {ds.name!r}, not MNIST: the page's claims are "
                                 "judged on MNIST only")
    except data.DataError as exc:
        recs = _unavailable(cat, f"MNIST unavailable ({exc})", scale_text(settings))
        return finite({"schema": catalogue.SCHEMA, "section": cat.section, "records": recs,
                       "summary": summary(recs), "figures": {}, "settings": asdict(settings),
                       "seconds": 0.0, "cpu_seconds": 0.0, "cache_key": None, "rows": []})
    return run_section(out_dir, cat=cat, settings=settings, ds=ds, page=page, progress=progress,
                       cache=cache, panels=panels)


# ------------------------------------------------------------------ the command
def cmd_pitfalls(args) -> int:
    """Every input checked before the work (numbers by argparse, then the verdict names, the
    catalogue, the page, MNIST, the out-dir), then run; 0, or 1 when a verdict is in
    ``--fail-on``. The two files are staged and moved into place together."""
    from nnconf.audit.page import Page
    from nnconf.run.cache import Cache
    from nnconf.run.output import OutputSet, write_atomic

    fail_on = opt.verdict_list(args.pitfalls_fail_on, VERDICTS)
    cat = catalogue.load(args.catalogue)
    page = Page.read(args.page) if args.page else None
    ds = data.load(args.mnist_dir, allow_download=not args.offline, allow_openml=not args.offline)
    settings = experiments.Settings.from_catalogue(cat, seeds=args.seeds, epochs=args.epochs,
                                                   train_samples=args.train_samples)
    if settings.train_samples > len(ds.x_train):
        raise ValueError(f"--train-samples {settings.train_samples}: the data has {len(ds.x_train)} "
                         "training images")
    with OutputSet(args.out_dir, wait=args.wait, command="nnconf pitfalls") as out:
        section = run_section(out.dir, cat=cat, settings=settings, ds=ds, page=page,
                              progress=not args.no_progress, panels=False, cache=Cache.for_options(args))
        if args.page:
            section["page"] = str(args.page)
        write_atomic(out.path("pitfalls.json"), json.dumps(section, indent=1) + "\n")
        paths = out.commit()
    for r in section["records"]:
        print(f"{r['verdict']:13s} {r['id']:36s} {r['computed'] or ''}")
    print(", ".join(f"{n} {v}" for v, n in section["summary"].items() if n)
          + f" ({section['seconds']:.1f} s{', cached' if section['cache'] == 'hit' else ''}; "
            f"{section['settings']['scale']})")
    print("wrote " + ", ".join(str(p) for p in paths))
    return 1 if any(r["verdict"] in fail_on for r in section["records"]) else 0


def add_parser(sub) -> None:
    """Register ``nnconf pitfalls`` on the CLI's subparsers."""
    p = sub.add_parser(
        "pitfalls", help="run the page's pitfalls table as controlled experiments",
        description="Each row of the page's 'Common Pitfalls' table as a controlled experiment "
                    "on real MNIST with the page's MLP and SGD: a 'mistake' and a 'fixed' arm "
                    "with the same seeds and batches (training rows in the NumPy reference; "
                    "shapes and integer labels in the reference, torch, JAX/optax and "
                    "scikit-learn). Each row's symptom and fix get a verdict (confirmed, false, "
                    "unverifiable; stale when the page no longer has the row) by the rule in "
                    "the catalogue: the effect's confidence interval over the seeds against a "
                    "threshold. Writes OUT_DIR/pitfalls.json and OUT_DIR/pitfalls.png.",
        epilog="Exit codes: 0 no verdict in --fail-on; 1 at least one; 2 bad usage or "
               "unreadable input (one line on stderr). The default scale (about 30 CPU-s "
               "here) is the catalogue's [scale].")
    p.add_argument("--seeds", type=opt.integer(1), default=None,
                   help="seeds 0..N-1 (default: the catalogue's, 5; verdicts need at least 5)")
    p.add_argument("--epochs", type=opt.integer(1), default=None,
                   help="epochs of every training arm (default: the catalogue's, 2)")
    p.add_argument("--train-samples", type=opt.integer(1), default=None,
                   help="the first N MNIST training images (default: the catalogue's, 5000)")
    p.add_argument("--mnist-dir", type=opt.directory, default=None,
                   help=f"directory with the MNIST IDX files (default: ${data.ENV_DIR}, then "
                        "[tool.nnconf] mnist-dir)")
    p.add_argument("--offline", action="store_true", help="no MNIST download or fetch_openml")
    p.add_argument("--page", type=opt.file, default=None,
                   help="the page (Markdown) whose table rows are read and judged (default: "
                        "$NNCONF_PAGE, then [tool.nnconf] page; without one the catalogue's rows "
                        "are judged)")
    p.add_argument("--catalogue", type=opt.file, default=None,
                   help="pitfalls catalogue (TOML; default: the bundled catalogue.toml)")
    p.add_argument("--fail-on", dest="pitfalls_fail_on", default=DEFAULT_FAIL_ON,
                   help=f"verdicts that make the exit code 1 (default: {DEFAULT_FAIL_ON}; the "
                        "audit's fail-on setting does not apply: other verdicts)")
    p.add_argument("--out-dir", type=opt.directory, default=None,
                   help="where to write (default: [tool.nnconf] out-dir, else reports)")
    p.add_argument("--no-cache", action="store_true",
                   help="run the experiments again even when this run is cached (NNCONF_NO_CACHE=1)")
    p.add_argument("--cache-dir", type=opt.directory, default=None,
                   help="results cache (default: $NNCONF_CACHE_DIR, else ~/.cache/nnconf/report/results)")
    p.add_argument("--wait", action="store_true",
                   help="wait for another nnconf run writing to --out-dir instead of stopping")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress (a bar on a terminal, a few plain lines otherwise)")
    p.set_defaults(func=cmd_pitfalls)
