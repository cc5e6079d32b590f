"""``nnconf-audit-hook``: the pre-commit hook ``nnconf-audit`` (``.pre-commit-hooks.yaml``).

pre-commit passes the staged Markdown files. Each one that holds a section of the claims
catalogue (a heading tagged `` `[id]` `` with an id the catalogue names) is audited like
``nnconf audit --page FILE --no-write`` (the catalogue and ``--fail-on`` from the hook's
``args``, else ``$NNCONF_*``, else ``[tool.nnconf]``, else the defaults); any other Markdown
file is said to be skipped, in one line. The exit code is 1 when a verdict in ``--fail-on`` is
found in any page (pre-commit then stops the commit and shows the findings, each as
``PAGE:LINE: verdict id: explanation``), 2 on an unreadable page or catalogue, else 0.

The audit needs neither torch nor JAX: claims whose evidence is a framework row degrade to
``unverifiable`` with the reason (the framework is not installed).
"""

from __future__ import annotations

import argparse
import os
import sys

from nnconf.audit import catalogue
from nnconf.audit.page import Page, PageError
from nnconf.cli import config
from nnconf.cli import main as cli


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nnconf-audit-hook",
        description="Audit the given Markdown pages against the nnconf claims catalogue (the pre-commit hook "
                    "'nnconf-audit'). Files with no section of the catalogue are skipped.",
        epilog="Exit codes: 0 no verdict in --fail-on; 1 at least one; 2 an unreadable page or catalogue.")
    p.add_argument("files", nargs="*", help="Markdown files (pre-commit passes the staged ones)")
    p.add_argument("--claims", default=None, help="claims catalogue (default: $NNCONF_CLAIMS, [tool.nnconf] claims, "
                                                  "else the bundled one)")
    p.add_argument("--fail-on", default=None, help="verdicts that fail the commit (default: as nnconf audit)")
    p.add_argument("--format", choices=("text", "github"), default="text", help="how findings are printed")
    p.add_argument("--no-listings", action="store_true",
                   help="do not run the pages' listings (their claims are then 'unverifiable', which the default "
                        "--fail-on gates on: say which verdicts to gate on with --fail-on)")
    return p


def _claims(given: str | None) -> str | None:
    if given:
        return given
    if os.environ.get("NNCONF_CLAIMS"):
        return os.environ["NNCONF_CLAIMS"]
    return config.load(config.find()).get("claims")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        claims = _claims(args.claims)
        cat = catalogue.load(claims)
    except (config.ConfigError, catalogue.CatalogueError) as exc:
        print(f"nnconf-audit: error: {exc}", file=sys.stderr)
        return 2
    sections = {c.section for c in cat.claims}
    code = 0
    for name in args.files:
        try:
            page = Page.read(name)
        except PageError as exc:
            print(f"nnconf-audit: error: {exc}", file=sys.stderr)
            code = max(code, 2)
            continue
        if not sections & set(page.section_ids()):
            print(f"nnconf-audit: {name}: skipped (no section of the catalogue {cat.path})")
            continue
        argv_audit = ["audit", "--page", name, "--no-write", "--no-progress", "--format", args.format]
        if claims:
            argv_audit += ["--claims", claims]
        if args.fail_on:
            argv_audit += ["--fail-on", args.fail_on]
        # listings run sandboxed, as in `nnconf audit`; their runs are cached by code, so a commit that
        # leaves a listing as it was does not run it again
        argv_audit.append("--no-listings" if args.no_listings else "--run-listings")
        sys.stdout.flush()
        code = max(code, cli.main(argv_audit))
    return code


def entry() -> None:
    sys.exit(main())
