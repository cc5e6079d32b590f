"""The ``nnconf`` command line.

Exit codes (for CI gates): 0 all rows pass or are conventions; 1 at least one row fails;
2 bad usage or unreadable input (one clear line on stderr, a traceback only with --debug).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from nnconf import __version__
from nnconf.audit.catalogue import CatalogueError
from nnconf.audit.page import PageError
from nnconf.cli import config
from nnconf.cli import options as opt
from nnconf.cli.options import UsageError
from nnconf.conformance import profiles
from nnconf.mnist.data import DataError
from nnconf.run import interrupts
from nnconf.run.output import OutputError

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def cmd_report(args) -> int:
    from nnconf.cli.report import cmd_report as run
    return run(args)


def cmd_mnist(args) -> int:
    from nnconf.mnist import job as mnist_report
    return mnist_report.main(args)


def cmd_list(args) -> int:
    from nnconf.conformance.registry import all_rows
    for row in all_rows():
        print(f"{row.check.id:28s} {row.check.section:22s} {row.oracle:8s} {row.variant.label}")
    return EXIT_OK


def parallel_backends() -> tuple[str, ...]:
    from nnconf.run.parallel import BACKENDS
    return BACKENDS


def build_parser() -> argparse.ArgumentParser:
    parser = opt.Parser(
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
    rep.add_argument("--profile", default=None, choices=sorted(profiles.PROFILES),
                     help="hypothesis profile: 'thorough' (default, 200 examples per row), "
                          "'ci' (derandomised, 40), 'mutation' (25, no shrinking)")
    rep.add_argument("--seed", type=int, default=None,
                     help=f"hypothesis seed (default for 'thorough': {profiles.DEFAULT_SEED}; "
                          "'ci' is derandomised)")
    rep.add_argument("--only", action="append", default=[], metavar="GLOB",
                     help="run only checks whose id or section matches (repeatable), "
                          "e.g. --only 'act.gelu*'")
    rep.add_argument("--oracle", action="append", metavar="NAME",
                     help="run only the rows of these oracles (repeatable): torch, jax, jax.example_libraries, "
                          "sklearn, and for properties reference, sympy, mpmath, scipy")
    rep.add_argument("--out-dir", type=opt.directory, default=None,
                     help="where to write (default: reports); the files of a run are staged and "
                          "moved into place together")
    rep.add_argument("--wait", action="store_true",
                     help="if another nnconf run is writing to --out-dir, wait for it instead of "
                          "stopping with an error")
    rep.add_argument("--jobs", type=opt.integer(1), default=None,
                     help="processes for the checks (default: the CPU count; capped by the CPUs and "
                          "the rows; 1 runs them here); the results do not depend on it")
    rep.add_argument("--backend", choices=parallel_backends(), default="loky",
                     help="where the rows run: 'loky' (default: --jobs processes on this machine) or "
                          "'dask' (a dask.distributed cluster, see --scheduler; pip install 'nnconf[dask]')")
    rep.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="with --backend dask: the scheduler's address (tcp://host:8786); without it a "
                          "local cluster of --jobs worker processes is started")
    rep.add_argument("--no-progress", action="store_true", help="no progress bar")
    rep.add_argument("--format", choices=("text", "json", "github", "sarif"), default="text",
                     help="the closing output: 'text' (a summary and the HTML's path), 'json', 'github' "
                          "(workflow commands for failing rows and the page's claims) or 'sarif' (SARIF 2.1.0); "
                          "with a format other than text the summary goes to standard error")
    rep.add_argument("--no-figures", action="store_true",
                     help="skip the activation, error and optimizer figures (about 10 s)")
    rep.add_argument("--page", type=opt.file, default=None,
                     help="the page (Markdown): its printed MNIST output is judged and its claims "
                          "audited into the report, its listings run sandboxed (default: $NNCONF_PAGE, "
                          "then [tool.nnconf] page)")
    rep.add_argument("--claims", type=opt.file, default=None,
                     help="claims catalogue for the page's audit (default: $NNCONF_CLAIMS, then "
                          "[tool.nnconf] claims, then the bundled claims.toml)")
    rep.add_argument("--mnist-epochs", type=opt.integer(0), default=20,
                     help="epochs of the MNIST section (default 20, the page's; 0 skips it)")
    rep.add_argument("--mnist-seeds", type=opt.integer(1), default=5,
                     help="seeds of the reference sweep (default 5)")
    rep.add_argument("--mnist-float32-epochs", type=opt.integer(0), default=2,
                     help="epochs of the float32 drift run (default 2; 0 skips it)")
    rep.add_argument("--mnist-dir", type=opt.directory, default=None,
                     help="directory with the MNIST IDX files (default: $NNCONF_MNIST_DIR, then "
                          "[tool.nnconf] mnist-dir); when one is given it must be valid: no fallback then")
    rep.add_argument("--offline", action="store_true", help="no MNIST download or fetch_openml")
    rep.add_argument("--no-pitfalls", action="store_true",
                     help="skip the pitfalls experiments (they run with the MNIST section: ~30 CPU-s, cached)")
    rep.add_argument("--no-cache", action="store_true",
                     help="recompute every check row and MNIST run (default: reuse results cached under "
                          "the same code, versions, profile, seed and data; NNCONF_NO_CACHE=1 does the same)")
    rep.add_argument("--cache-dir", type=opt.directory, default=None,
                     help="where results are cached (default: $NNCONF_CACHE_DIR, else "
                          "$XDG_CACHE_HOME/nnconf/report/results, else ~/.cache/nnconf/report/results)")
    from nnconf.cli.audit import add_listing_arguments
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
        epilog="Data: --mnist-dir, then $NNCONF_MNIST_DIR, the cache ~/.cache/nnconf/mnist/experiment "
               "($XDG_CACHE_HOME respected), a verified download, fetch_openml; --digits uses "
               "scikit-learn's bundled 8x8 digits instead (labelled; never judges the page).")
    mn.add_argument("--epochs", type=opt.integer(0), default=20, help="epochs (default 20, the page's)")
    mn.add_argument("--lr", type=opt.positive_float, default=0.001, help="learning rate (default 0.001)")
    mn.add_argument("--batch-size", type=opt.integer(1), default=64, help="batch size (default 64)")
    mn.add_argument("--steps-per-epoch", type=opt.integer(1), default=None,
                    help="only the first N batches of each epoch (a short run)")
    mn.add_argument("--seed", type=opt.integer(0), action="append",
                    help="seed(s); the first runs every framework, the others the reference "
                         "only (the sweep). Repeat: --seed 0 --seed 1 ... (default: 0)")
    mn.add_argument("--framework", action="append", choices=["reference", "torch", "jax", "sklearn"],
                    help="frameworks to run (repeatable; default all)")
    mn.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    mn.add_argument("--sweep-dtype", choices=["float64", "float32"], default=None,
                    help="dtype of the extra seeds' reference runs (default: --dtype; the report uses float32)")
    mn.add_argument("--jobs", type=opt.integer(1), default=None,
                    help="trainings at a time, one BLAS thread each (default: the CPU count)")
    mn.add_argument("--mnist-dir", type=opt.directory, default=None,
                    help="directory with the four IDX files (gz or raw; default: $NNCONF_MNIST_DIR, "
                         "then [tool.nnconf] mnist-dir); when one is given it must be valid: no fallback then")
    mn.add_argument("--offline", action="store_true", help="no download, no fetch_openml")
    mn.add_argument("--digits", action="store_true",
                    help="use scikit-learn's bundled digits (fallback; not MNIST)")
    mn.add_argument("--page", type=opt.file, default=None,
                    help="the page (Markdown) whose printed expected output is judged (default: "
                         "$NNCONF_PAGE, then [tool.nnconf] page)")
    mn.add_argument("--fail-on-claims", action="store_true",
                    help="exit 1 when a printed point is not reproduced")
    mn.add_argument("--out-dir", type=opt.directory, default=None,
                    help="where to write (default: reports); both files are moved into place together")
    mn.add_argument("--wait", action="store_true",
                    help="wait for another nnconf run writing to --out-dir instead of stopping")
    mn.add_argument("--no-progress", action="store_true", help="no progress bars")
    mn.add_argument("--no-cache", action="store_true",
                    help="train again even when this run is cached (NNCONF_NO_CACHE=1 does the same)")
    mn.add_argument("--cache-dir", type=opt.directory, default=None,
                    help="results cache (default: $NNCONF_CACHE_DIR, else ~/.cache/nnconf/report/results)")
    mn.set_defaults(func=cmd_mnist)

    from nnconf.cli.audit import add_parsers
    add_parsers(sub, os.environ)
    from nnconf.cli.pitfalls import add_parser as add_pitfalls_parser
    add_pitfalls_parser(sub)

    lst = sub.add_parser("list", help="list the registry's rows (check, section, oracle, setting)")
    lst.set_defaults(func=cmd_list)
    for command in sub.choices.values():  # --debug before or after the command name
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="show tracebacks on errors")
    return parser


class _PipeSafe:
    """Standard output that goes quiet when its reader leaves (``nnconf list | head -1``): the
    command carries on and its exit code stays its own, with no "Broken pipe" error."""

    def __init__(self, stream):
        self._stream, self._broken = stream, False

    def _quiet(self) -> None:
        self._broken = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())  # the interpreter's last flush finds no pipe
        except (OSError, ValueError, AttributeError):
            pass

    def write(self, text):
        if not self._broken:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._quiet()
        return len(text)

    def flush(self):
        if not self._broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._quiet()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _error(message: str) -> None:
    try:
        print(f"nnconf: error: {message}", file=sys.stderr)
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    stdout, sys.stdout = sys.stdout, _PipeSafe(sys.stdout)
    try:
        with interrupts.handling():
            try:
                from oracles.base import disabled
                disabled()  # NNCONF_DISABLE names known frameworks, for every command
                config.apply(args)  # flags, then NNCONF_*, then [tool.nnconf], then defaults
                return args.func(args)
            except (UsageError, OSError, ValueError, DataError, CatalogueError, PageError,
                    OutputError, config.ConfigError) as exc:
                if args.debug:
                    traceback.print_exc()
                _error(str(exc) if not isinstance(exc, OSError) or not exc.filename
                       else f"{exc.filename}: {exc.strerror or exc}")
                return EXIT_USAGE
            except KeyboardInterrupt:
                try:
                    print("nnconf: interrupted; nothing was written (earlier output is left as it "
                          "was)", file=sys.stderr)
                except (OSError, ValueError):
                    pass
                return interrupts.exit_code()
    finally:
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
        sys.stdout = stdout


def entry() -> None:
    """The ``nnconf`` console script: :func:`main`, then exit with its code. After an interrupt
    a further Ctrl-C between here and the process's end is ignored: the run is over."""
    code = main()
    if interrupts.received() is not None:
        interrupts.ignore()
    sys.exit(code)


if __name__ == "__main__":
    entry()
