"""The ``nnconf`` command line.

Exit codes (for CI gates): 0 all rows pass or are conventions; 1 at least one row fails;
2 bad usage or unreadable input (one clear line on stderr, a traceback only with --debug).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
from pathlib import Path

from . import __version__, profiles
from .audit.catalogue import CatalogueError
from .audit.page import PageError
from .data import DataError

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def _progress(desc: str, enabled: bool):
    def wrap(rows):
        if not enabled:
            return rows
        from tqdm import tqdm
        return tqdm(rows, desc=desc, unit="row", file=sys.stderr, dynamic_ncols=True,
                    total=len(rows) if hasattr(rows, "__len__") else None)
    return wrap


def _select_rows(only: list[str], oracles: list[str] | None):
    from .registry import all_rows
    rows = all_rows()
    if only:
        rows = [r for r in rows if any(fnmatch.fnmatch(r.check.id, pat) or
                                       fnmatch.fnmatch(r.check.section, pat) for pat in only)]
    if oracles:
        rows = [r for r in rows if r.oracle in oracles]
    if not rows:
        raise UsageError(f"no check matches --only {only} --oracle {oracles}; "
                         "`nnconf list` shows the registry")
    return rows


def cmd_report(args) -> int:
    from . import report
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    rows = _select_rows(args.only, args.oracle)
    seed = args.seed if args.seed is not None else (
        profiles.DEFAULT_SEED if args.profile == "thorough" else None)
    results = report.run(rows, profile=args.profile, seed=seed,
                         progress=_progress("conformance", not args.no_progress),
                         argv=sys.argv[1:], jobs=args.jobs)
    if args.mnist_epochs > 0:
        from . import mnist_report
        results["mnist"] = mnist_report.for_report(
            Path(args.out_dir), epochs=args.mnist_epochs, seeds=args.mnist_seeds,
            float32_epochs=args.mnist_float32_epochs, mnist_dir=args.mnist_dir,
            offline=args.offline, page=args.page, progress=not args.no_progress)
    if args.page:
        from types import SimpleNamespace

        from .audit import audit as audit_mod
        from .audit.commands import listing_settings, run_audit
        section, records = run_audit(SimpleNamespace(
            claims=None, page=args.page, mnist_dir=args.mnist_dir, results=None, train=False,
            no_progress=args.no_progress),
            mnist_section=results.get("mnist"), checks=results["checks"], listings=listing_settings(args))
        results["claims"] = records
        results["claims_summary"] = audit_mod.summary(records)
        results["audit"] = section
    from . import coverage, figures
    mutation = Path(args.out_dir) / "mutation.json"  # written by `tox -e mutation`
    if mutation.is_file():
        results["mutation"] = json.loads(mutation.read_text(encoding="utf-8"))
    results["coverage"] = coverage.matrix(
        results, coverage.page_sections(args.page) if args.page else None)
    if not args.no_figures:
        results["figures"] = figures.make_all(results, Path(args.out_dir))
    paths = report.write(results, Path(args.out_dir))
    s = results["summary"]
    print(f"{s['pass']} pass, {s['fail']} fail, {s['convention']} convention, "
          f"{s['skipped']} skipped")
    for c in results["checks"]:
        if c["status"] == "fail":
            print(f"FAIL {c['id']} [{c['oracle']}:{c['variant']}]: {c['note']}")
    if results.get("claims_summary"):
        from .audit.listing_claims import summary_line
        print("page claims: " + ", ".join(f"{n} {v}" for v, n in results["claims_summary"].items() if n)
              + " (`nnconf audit` gates on them); listings " + summary_line(results["audit"]))
    print("wrote " + ", ".join(str(p) for p in paths))
    return EXIT_FAIL if report.failed(results) else EXIT_OK


def cmd_mnist(args) -> int:
    from . import mnist_report
    return mnist_report.main(args)


def cmd_list(args) -> int:
    from .registry import all_rows
    for row in all_rows():
        print(f"{row.check.id:28s} {row.check.section:22s} {row.oracle:8s} {row.variant.label}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnconf",
        description="Conformance suite for the 'Neural Network Basics' page: checks a NumPy "
                    "reference of every formula against PyTorch, JAX/optax and scikit-learn, "
                    "and reports where frameworks follow other conventions than the page.",
        epilog="Exit codes: report: 0 no failing row, 1 a row fails; audit: 0 no verdict in "
               "--fail-on, 1 at least one; every command: 2 bad usage or unreadable input.")
    parser.add_argument("--version", action="version", version=f"nnconf {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    rep = sub.add_parser(
        "report", help="run every check and write reports/conformance.{json,md,html}",
        description="Run the registry's checks (reference vs every installed oracle, values "
                    "and gradients, page settings and framework defaults) under a hypothesis "
                    "profile and write the conformance report. A framework that is not "
                    "installed gives 'skipped' rows with the reason.")
    rep.add_argument("--profile", default="thorough", choices=sorted(profiles.PROFILES),
                     help="hypothesis profile: 'thorough' (default, 200 examples per row), "
                          "'ci' (derandomised, 40), 'mutation' (25, no shrinking)")
    rep.add_argument("--seed", type=int, default=None,
                     help=f"hypothesis seed (default for 'thorough': {profiles.DEFAULT_SEED}; "
                          "'ci' is derandomised)")
    rep.add_argument("--only", action="append", default=[], metavar="GLOB",
                     help="run only checks whose id or section matches (repeatable), "
                          "e.g. --only 'act.gelu*'")
    rep.add_argument("--oracle", action="append", choices=["torch", "jax", "sklearn"],
                     help="run only these oracles (repeatable)")
    rep.add_argument("--out-dir", default="reports", help="where to write (default: reports)")
    rep.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                     help="processes for the checks (default: the CPU count; 1 runs them here); "
                          "the results do not depend on it")
    rep.add_argument("--no-progress", action="store_true", help="no progress bar")
    rep.add_argument("--no-figures", action="store_true",
                     help="skip the activation, error and optimizer figures (about 10 s)")
    rep.add_argument("--page", default=os.environ.get("NNCONF_PAGE"),
                     help="the page (Markdown): its printed MNIST output is judged and its claims "
                          "audited into the report, its listings run sandboxed (default: $NNCONF_PAGE)")
    rep.add_argument("--mnist-epochs", type=int, default=20,
                     help="epochs of the MNIST section (default 20, the page's; 0 skips it)")
    rep.add_argument("--mnist-seeds", type=int, default=5,
                     help="seeds of the reference sweep (default 5)")
    rep.add_argument("--mnist-float32-epochs", type=int, default=2,
                     help="epochs of the float32 drift run (default 2; 0 skips it)")
    rep.add_argument("--mnist-dir", default=None, help="directory with the MNIST IDX files")
    rep.add_argument("--offline", action="store_true", help="no MNIST download or fetch_openml")
    from .audit.commands import add_listing_arguments
    add_listing_arguments(rep, os.environ)
    rep.set_defaults(func=cmd_report)

    mn = sub.add_parser(
        "mnist", help="train the page's MNIST MLP in every framework and compare",
        description="The page's MNIST experiment (784-256-128-10, ReLU, softmax + cross-entropy, "
                    "He init, plain SGD) with identical initial weights and batch order in the "
                    "NumPy reference, torch, JAX and scikit-learn; per-epoch loss and accuracy, "
                    "step-by-step agreement, a seed sweep of the reference, and (with --page) a "
                    "verdict on each printed point of the page's expected output. Writes "
                    "OUT_DIR/mnist.json and OUT_DIR/mnist.png.",
        epilog="Data: --mnist-dir, then $NNCONF_MNIST_DIR, the cache ~/.cache/nnconf/mnist "
               "($XDG_CACHE_HOME respected), a verified download, fetch_openml; --digits uses "
               "scikit-learn's bundled 8x8 digits instead (labelled; never judges the page).")
    mn.add_argument("--epochs", type=int, default=20, help="epochs (default 20, the page's)")
    mn.add_argument("--lr", type=float, default=0.001, help="learning rate (default 0.001)")
    mn.add_argument("--batch-size", type=int, default=64, help="batch size (default 64)")
    mn.add_argument("--steps-per-epoch", type=int, default=None,
                    help="only the first N batches of each epoch (a short run)")
    mn.add_argument("--seed", type=int, action="append",
                    help="seed(s); the first runs every framework, the others the reference "
                         "only (the sweep). Repeat: --seed 0 --seed 1 ... (default: 0)")
    mn.add_argument("--framework", action="append", choices=["reference", "torch", "jax", "sklearn"],
                    help="frameworks to run (repeatable; default all)")
    mn.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    mn.add_argument("--mnist-dir", default=None, help="directory with the four IDX files (gz or raw)")
    mn.add_argument("--offline", action="store_true", help="no download, no fetch_openml")
    mn.add_argument("--digits", action="store_true",
                    help="use scikit-learn's bundled digits (fallback; not MNIST)")
    mn.add_argument("--page", default=None,
                    help="the page (Markdown) whose printed expected output is judged")
    mn.add_argument("--fail-on-claims", action="store_true",
                    help="exit 1 when a printed point is not reproduced")
    mn.add_argument("--out-dir", default="reports", help="where to write (default: reports)")
    mn.add_argument("--no-progress", action="store_true", help="no progress bars")
    mn.set_defaults(func=cmd_mnist)

    from .audit.commands import add_parsers
    add_parsers(sub, os.environ)

    lst = sub.add_parser("list", help="list the registry's rows (check, section, oracle, setting)")
    lst.set_defaults(func=cmd_list)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, OSError, ValueError, DataError, CatalogueError, PageError) as exc:
        if args.debug:
            raise
        print(f"nnconf: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("nnconf: interrupted; the previous report is left as it was", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
