"""``nnconf audit`` and ``nnconf tables``: argument handling, output, report writing."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

from nnconf import sandbox
from nnconf.audit import audit, catalogue, listing_claims, mnist_results, tables
from nnconf.audit.formats import FORMATS
from nnconf.audit.page import Page
from nnconf.audit.verdicts import FAILING, VERDICTS
from nnconf.cli.config import path_base
from nnconf.cli.options import directory, file, integer, positive_float, verdict_list
from nnconf.run.output import relative_paths

DEFAULT_LISTING_TIMEOUT = sandbox.Limits().timeout_s  # 900 s


def _page(args) -> Page | None:
    return Page.read(args.page) if args.page else None


def _shown(path) -> str:
    """A path as the report shows it: relative to the working directory when inside it."""
    import os
    rel = os.path.relpath(path)
    return path if rel.startswith("..") and not str(path).startswith("..") else rel


def _sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def audit_section(args, cat, page, records, opts, coverage=None) -> dict:
    return {
        "page": str(args.page) if args.page else None,
        "page_sha256": _sha(args.page) if args.page else None,
        "page_source": "printed values read from the page" if page is not None
        else "no --page: printed values as recorded in the catalogue",
        "catalogue": _shown(cat.path), "catalogue_sha256": _sha(cat.path),
        **listing_claims.section(records, opts),
        "mnist": opts.mnist_note or None,
        "coverage": coverage,
    }


# ------------------------------------------------------------------ the page's listings
def parse_size(text: str) -> int:
    """``4G``, ``512M``, ``1.5GiB``, ``300k`` or plain bytes, as bytes."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 4G, 512M, 1073741824)")
    value = float(m.group(1)) * 1024 ** " KMGT".index(m.group(2).upper() or " ")
    if value < 1:
        raise argparse.ArgumentTypeError(f"a size must be positive, got {text!r}")
    return int(value)


def add_listing_arguments(parser, os_environ) -> None:
    """The options of running the page's listings (``nnconf audit`` and ``nnconf report``)."""
    d = sandbox.Limits()
    g = parser.add_argument_group(
        "the page's code listings",
        "Listings run by default, each under bubblewrap (no network, a read-only system, a fresh "
        "work directory as cwd and HOME, an environment built from an allow-list, the limits "
        "below; everything it started is killed at the end). Without a working bubblewrap they "
        "do not run and their claims are 'unverifiable'.")
    mode = g.add_mutually_exclusive_group()
    mode.add_argument("--no-listings", action="store_true", help="do not run the page's listings")
    mode.add_argument("--unsafe-listings", action="store_true",
                      help="run them WITHOUT a sandbox (they get the network and your files; the "
                           "limits, timeout and environment allow-list still apply); the report says so")
    mode.add_argument("--run-listings", action="store_true",
                      help="run them where they do not run by default (audit --fix, the pre-commit hook)")
    g.add_argument("--bwrap", default=os_environ.get(sandbox.BWRAP_ENV), metavar="PATH",
                   help=f"the bubblewrap executable (default: ${sandbox.BWRAP_ENV}, else bwrap on PATH)")
    g.add_argument("--listing-timeout", type=positive_float, default=None, metavar="S",
                   help=f"wall-clock seconds per listing run (default: $NNCONF_LISTING_TIMEOUT, then "
                        f"[tool.nnconf] listing-timeout, else {d.timeout_s:g})")
    g.add_argument("--listing-cpu", type=integer(1), default=d.cpu_s, metavar="S",
                   help=f"CPU seconds per process (default {d.cpu_s})")
    g.add_argument("--listing-memory", type=parse_size, default=d.memory_bytes, metavar="SIZE",
                   help="resident memory of all its processes together (default 4G)")
    g.add_argument("--listing-address-space", type=parse_size, default=d.address_space_bytes, metavar="SIZE",
                   help="address space per process (default 8G)")
    g.add_argument("--listing-processes", type=integer(1), default=d.processes, metavar="N",
                   help=f"processes and threads it may add (default {d.processes})")
    g.add_argument("--listing-file-size", type=parse_size, default=d.file_bytes, metavar="SIZE",
                   help="largest file it may write (default 256M)")
    g.add_argument("--listing-disk", type=parse_size, default=d.disk_bytes, metavar="SIZE",
                   help="all it may write into its work directory (default 1G)")
    g.add_argument("--listing-threads", type=integer(1), default=d.threads, metavar="N",
                   help=f"BLAS/OpenMP threads of a listing (default {d.threads}: it runs beside the report's "
                        "workers)")


def listing_settings(args) -> sandbox.Settings:
    mode = "off" if args.no_listings else "unsafe" if args.unsafe_listings else "sandbox"
    limits = sandbox.Limits(timeout_s=args.listing_timeout or DEFAULT_LISTING_TIMEOUT, cpu_s=args.listing_cpu,
                            memory_bytes=args.listing_memory, address_space_bytes=args.listing_address_space,
                            processes=args.listing_processes, file_bytes=args.listing_file_size,
                            disk_bytes=args.listing_disk, threads=args.listing_threads)
    return sandbox.Settings(mode=mode, limits=limits, bwrap=args.bwrap)


def results_path(args) -> str | None:
    """``--results`` as given; by default the out-dir's report (not the current directory's)."""
    results = getattr(args, "results", None)
    if results is None:
        out = getattr(args, "out_dir", None)
        return str(Path(out) / "conformance.json") if out else None
    return results or None


def existing_report(out_dir) -> dict | None:
    """The report already in ``out_dir`` that the claims section goes into (None if there is
    none). One of another schema, or unreadable, is refused rather than replaced: its checks
    would be lost."""
    from nnconf.report import build as report
    existing = Path(out_dir) / "conformance.json"
    if not existing.is_file():
        return None
    try:
        doc = json.loads(existing.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"--out-dir {out_dir}: {existing} is not readable JSON ({exc}); refusing to "
                         f"replace it (move it away or choose another --out-dir)") from None
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if schema != report.SCHEMA:
        raise ValueError(f"--out-dir {out_dir}: {existing} has schema {schema!r}, not {report.SCHEMA!r}; "
                         f"refusing to replace it and drop its checks (move it away or choose another "
                         f"--out-dir)")
    return doc


def start_listing_prefetch(args, cache=None):
    """The page's listings, run in a background thread while other work goes on (``nnconf
    report``); hand ``.result()`` to :func:`run_audit` as ``prefetched``. None without a page."""
    if not args.page:
        return None
    from nnconf.audit.listing_runs import Prefetch
    opts = audit.Options(mnist_dir=args.mnist_dir, cache=cache)
    return Prefetch(catalogue.load(args.claims), _page(args), opts, listing_settings(args))


def run_audit(args, *, mnist_section: dict | None = None, checks: list | None = None,
              listings: sandbox.Settings | None = None, cache=None,
              prefetched: dict | None = None) -> tuple[dict, list[dict]]:
    cat = catalogue.load(args.claims)
    page = _page(args)
    results = results_path(args)
    if results:
        mnist_results.read(results)  # another shape: one error line now, before any work
    settings = listings or listing_settings(args)
    opts = audit.Options(run_listings=settings.mode != "off", listing_timeout=settings.limits.timeout_s,
                         listings=settings, mnist_dir=args.mnist_dir, results=results, train=args.train,
                         mnist_section=mnist_section, checks=checks, cache=cache, prefetched=prefetched)
    from nnconf.run.progress import Progress
    with Progress("audit", len(cat.claims), enabled=not args.no_progress, unit="claim") as bar:
        opts.progress = bar.update
        result = audit.audit(cat, page, opts)
    return audit_section(args, cat, page, result.records, opts, result.coverage), result.records


def cmd_audit(args) -> int:
    from contextlib import nullcontext

    from nnconf.report import build as report
    from nnconf.run import provenance
    from nnconf.run.output import OutputSet
    fail_on = verdict_list(args.fail_on or ",".join(FAILING), VERDICTS)
    args.listing_timeout = args.listing_timeout or DEFAULT_LISTING_TIMEOUT
    if args.fix or args.diff or args.in_place or args.out is not None:
        from nnconf.audit import rewrite
        args.fix = True
        if not (args.run_listings or args.unsafe_listings):
            args.no_listings = True  # a fix changes printed numbers; running the page's code is asked for
        rewrite.check_destination(args)
        _page(args)
        return rewrite.run(args, fail_on, run_audit, results=results_path(args))
    # checked before the work: the page, the catalogue, the --results document, the output
    # directory (a report of another schema there is refused, not replaced) and its lock
    _page(args)
    catalogue.load(args.claims)
    if results_path(args):
        mnist_results.read(results_path(args))
    existing = None if args.no_write else existing_report(args.out_dir)
    writer = nullcontext() if args.no_write else OutputSet(args.out_dir, wait=args.wait,
                                                           command="nnconf audit")
    with writer as staged:
        code = _audit_into(args, fail_on, staged, provenance, report, existing)
    return code


ARTIFACT_FORMATS = ("json", "sarif")


def _audit_into(args, fail_on, staged, provenance, report, results) -> int:
    from nnconf.audit import formats, junit
    from nnconf.report import coverage
    from nnconf.report import results as results_model
    from nnconf.run.cache import Cache
    section, records = run_audit(args, cache=Cache.for_options(args))
    if args.page is None:
        print("no --page given: judging the printed values recorded in the catalogue", file=sys.stderr)
    base = path_base(args)  # every path a report file holds: relative to the configuration file (or the page)
    text = formats.render(args.format, records, page=args.page, catalogue=section["catalogue"], fail_on=fail_on,
                          coverage=section.get("coverage"))
    # machine-readable output is an artifact (relative paths); the text formats are messages for
    # the terminal and the editor, with the page's path as given
    sys.stdout.write(relative_paths(text, base) if args.format in ARTIFACT_FORMATS else text)
    print("listings: " + listing_claims.summary_line(section), file=sys.stdout if args.format == "text" else sys.stderr)
    if staged is not None:
        records, section = relative_paths(records, base), relative_paths(section, base)
        junit.write(staged.path("junit-claims.xml"), records, page=args.page, catalogue=section["catalogue"],
                    fail_on=fail_on, base=base)
        if not results:
            results = results_model.empty(provenance.collect(profile="ci", seed=None, argv=sys.argv[1:]))
        # one results model: the claims' summary and the coverage are derived again
        sections = {"sections": coverage.page_sections(args.page)} if args.page else {}
        results = results_model.update(results, claims=records, audit=section, **sections)
        report.write(relative_paths(results, base), staged.dir)
        paths = staged.commit()
        print("wrote " + ", ".join(str(p) for p in paths), file=sys.stdout if args.format == "text" else sys.stderr)
    bad = audit.failing(records, fail_on)
    return 1 if bad else 0


def cmd_tables(args) -> int:
    cat = catalogue.load(args.claims)
    page = _page(args)
    layout_name = args.layout or ("page" if page is not None and args.format != "csv" else "flat")
    if layout_name == "page":
        from nnconf.audit import layout
        if page is None:
            raise ValueError("--layout page needs the page (--page, $NNCONF_PAGE or [tool.nnconf] page)")
        if args.format == "csv":
            raise ValueError("--layout page writes Markdown or LaTeX; CSV is the flat list (--layout flat)")
        unknown = [e for e in args.example or () if e not in cat.examples]
        if unknown:
            raise ValueError(f"--example: unknown worked example(s) {unknown}; known: {', '.join(cat.examples)}")
        chosen = args.example or [e for e in cat.examples
                                  if any(page.bodies(s) for s in layout.example_sections(cat, e))]
        text = layout.render(layout.sections(cat, page, chosen), args.format)
    else:
        text = _flat(cat, page, args)
    if args.out:
        from nnconf.run.output import write_atomic
        write_atomic(Path(args.out), text)
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _flat(cat, page, args) -> str:
    rows = tables.rows(cat, page)
    if args.example:
        unknown = [e for e in args.example if e not in rows]
        if unknown:
            raise ValueError(f"--example: unknown worked example(s) {unknown}; known: {', '.join(rows)}")
        rows = {e: rows[e] for e in args.example}
    return tables.render(rows, args.format)


def add_parsers(sub, os_environ) -> None:
    au = sub.add_parser(
        "audit", help="give every printed number and checkable claim of the page a verdict",
        description="Audit the page before publishing: each claim of the catalogue (printed "
                    "numbers of the worked examples, steps they announce, computable prose "
                    "claims, the listings' claimed outputs, the MNIST expected output, the displayed "
                    "formulas) is located on the page and judged by the reference or SymPy: "
                    "confirmed, rounding-slip, wrong, missing, false, not-reproduced, unverifiable "
                    "or stale. Every printed link of arithmetic is checked (inconsistent) and every "
                    "printed number no claim judges is reported (unchecked). Prints each finding as "
                    "PAGE:LINE: verdict id: explanation, the page's coverage, and writes the "
                    "'claims' section into the report. The page's listings run in a bubblewrap "
                    "sandbox (--no-listings to skip them).",
        epilog="Exit codes: 0 no verdict in --fail-on; 1 at least one; 2 unreadable page or "
               "catalogue, bad usage.")
    au.add_argument("--page", type=file, default=None,
                    help="the page (Markdown) to read printed values from (default: $NNCONF_PAGE, then "
                         "[tool.nnconf] page; "
                         "without it the catalogue's recorded printed text is judged)")
    au.add_argument("--claims", default=None, help="claims catalogue (default: the bundled claims.toml)")
    au.add_argument("--mnist-dir", type=directory, default=None,
                    help="local MNIST (IDX) for the MNIST listing's loader and for --train "
                         "(default: $NNCONF_MNIST_DIR)")
    au.add_argument("--results", default=None,
                    help="a report whose MNIST run to reuse for the expected-output verdicts when it "
                         "has the page's configuration and the canonical data checksums (default: "
                         "OUT_DIR/conformance.json; '' for none). JSON of another shape is an error")
    au.add_argument("--train", action="store_true",
                    help="run the MNIST seed sweep (5 seeds × 20 epochs) when no report can be reused")
    au.add_argument("--fail-on", default=None,
                    help=f"verdicts that make the exit code 1 (default: {','.join(FAILING)})")
    au.add_argument("--out-dir", type=directory, default=None,
                    help="report directory to write the claims section into (default: reports)")
    au.add_argument("--no-write", action="store_true",
                    help="write no report files; only print the verdicts and set the exit code")
    au.add_argument("--wait", action="store_true",
                    help="wait for another nnconf run writing to --out-dir instead of stopping")
    au.add_argument("--no-progress", action="store_true", help="no progress bar")
    au.add_argument("--no-cache", action="store_true",
                    help="run the page's listings again even when a run of the same code is cached "
                         "(NNCONF_NO_CACHE=1 does the same)")
    au.add_argument("--cache-dir", type=directory, default=None,
                    help="results cache (default: $NNCONF_CACHE_DIR, else ~/.cache/nnconf/report/results)")
    au.add_argument("--format", choices=FORMATS, default="text",
                    help="how findings are printed: 'text' (PAGE:LINE: verdict id: explanation), 'json', "
                         "'github' (workflow commands: ::error for verdicts in --fail-on, ::warning for the "
                         "others, with file and line) or 'sarif' (SARIF 2.1.0, for code scanning)")
    fx = au.add_argument_group(
        "fixing the page", "--fix writes a corrected copy: every wrong or rounding-slip number (and the numbers "
                           "carried from it) rounded correctly at its printed precision where it is printed, every "
                           "announced but missing step inserted in the style of its neighbours; each change listed "
                           "with its claim id; prose claims listed for a human. The fixed text is audited again "
                           "and the exit code is that audit's gate. No report is written.")
    fx.add_argument("--fix", action="store_true", help="correct the page (with --out FILE, --in-place or --diff)")
    fx.add_argument("--out", default=None, metavar="FILE",
                    help="write the corrected page to FILE (atomically; implies --fix)")
    fx.add_argument("--in-place", action="store_true",
                    help="overwrite the page itself (atomically, keeping its permissions; implies --fix)")
    fx.add_argument("--diff", action="store_true",
                    help="print the corrections as a unified diff instead of writing (implies --fix; the list of "
                         "changes goes to standard error)")
    add_listing_arguments(au, os_environ)
    au.set_defaults(func=cmd_audit)

    tb = sub.add_parser(
        "tables", help="regenerate the worked examples' tables from the reference",
        description="Every worked example's step values computed by the reference at the page's "
                    "printed precision, including the steps the page announces but does not "
                    "show. With the page (the default when one is configured): each example's section "
                    "in the page's own layout (its tables' columns as printed, its step lists as step "
                    "lists) with the computed values, ready to replace the section wholesale, as "
                    "Markdown (default) or LaTeX. --layout flat: one quantity/value list per example, "
                    "as Markdown, LaTeX or CSV.")
    tb.add_argument("--format", choices=["md", "latex", "csv"], default="md")
    tb.add_argument("--layout", choices=["page", "flat"], default=None,
                    help="'page': the example's section as the page lays it out (default with a page); "
                         "'flat': a quantity/value list (default without a page, and for CSV)")
    tb.add_argument("--page", type=file, default=None,
                    help="read the printed precision from this page (default: $NNCONF_PAGE, else the "
                         "catalogue's recorded text)")
    tb.add_argument("--claims", default=None, help="claims catalogue (default: the bundled one)")
    tb.add_argument("--example", action="append", help="only this worked example (repeatable)")
    tb.add_argument("--out", default=None, help="write to this file instead of standard output")
    tb.set_defaults(func=cmd_tables)
