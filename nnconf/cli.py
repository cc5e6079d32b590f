"""The ``nnconf`` command line.

Exit codes (for CI gates): 0 all rows pass or are conventions; 1 at least one row fails;
2 bad usage or unreadable input (one clear line on stderr, a traceback only with --debug).
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
from pathlib import Path

from . import __version__, profiles

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def _progress(desc: str, enabled: bool):
    def wrap(rows):
        if not enabled:
            return rows
        from tqdm import tqdm
        return tqdm(rows, desc=desc, unit="row", file=sys.stderr, dynamic_ncols=True)
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
    rows = _select_rows(args.only, args.oracle)
    seed = args.seed if args.seed is not None else (
        profiles.DEFAULT_SEED if args.profile == "thorough" else None)
    results = report.run(rows, profile=args.profile, seed=seed,
                         progress=_progress("conformance", not args.no_progress),
                         argv=sys.argv[1:])
    paths = report.write(results, Path(args.out_dir))
    s = results["summary"]
    print(f"{s['pass']} pass, {s['fail']} fail, {s['convention']} convention, "
          f"{s['skipped']} skipped")
    for c in results["checks"]:
        if c["status"] == "fail":
            print(f"FAIL {c['id']} [{c['oracle']}:{c['variant']}]: {c['note']}")
    print("wrote " + ", ".join(str(p) for p in paths))
    return EXIT_FAIL if report.failed(results) else EXIT_OK


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
        epilog="Exit codes: 0 no failing row; 1 a row fails; 2 bad usage or input.")
    parser.add_argument("--version", action="version", version=f"nnconf {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    rep = sub.add_parser(
        "report", help="run every check and write reports/conformance.{json,md}",
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
    rep.add_argument("--no-progress", action="store_true", help="no progress bar")
    rep.set_defaults(func=cmd_report)

    lst = sub.add_parser("list", help="list the registry's rows (check, section, oracle, setting)")
    lst.set_defaults(func=cmd_list)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, OSError, ValueError) as exc:
        if args.debug:
            raise
        print(f"nnconf: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("nnconf: interrupted; the previous report is left as it was", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
