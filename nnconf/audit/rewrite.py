"""``nnconf audit --fix | --diff``: run the audit, plan the fix (``fix.py``), then write the
corrected page (``--out FILE``, or ``--in-place`` when asked) or print a unified diff
(``--diff``), list every change with its claim id and what is left for a human, and audit the
fixed text to say what it still fails.

Writing is atomic: the text goes to a temporary file in the destination's directory, is
flushed to disk, and is renamed over the destination, so an interrupted run leaves the old
file whole. ``--in-place`` keeps the page's permission bits and line endings, and writes
through a symbolic link to its target.
"""

from __future__ import annotations

import difflib
import json
import os
import stat
import sys
import tempfile
from pathlib import Path

from nnconf.audit import audit, catalogue, fix
from nnconf.audit.page import Page
from nnconf.audit.verdicts import VERDICTS


def check_destination(args) -> None:
    """The fix's options, checked before any work (one line each, exit 2)."""
    wanted = [name for name, on in (("--out", args.out is not None), ("--in-place", args.in_place),
                                    ("--diff", args.diff)) if on]
    if len(wanted) > 1:
        raise ValueError(f"--fix: choose one of --out FILE, --in-place, --diff (got {' and '.join(wanted)})")
    if not wanted:
        raise ValueError("--fix: say where the corrected page goes: --out FILE, --in-place, or --diff to "
                         "print the changes as a unified diff")
    if not args.page:
        raise ValueError("--fix needs the page (--page, $NNCONF_PAGE or [tool.nnconf] page)")
    if args.format not in ("text", "json"):
        raise ValueError(f"--fix lists its changes as text or json, not {args.format}")
    if args.out is not None:
        out = Path(args.out)
        if str(args.out).strip() == "":
            raise ValueError("--out: an empty name is not a file")
        if out.is_dir():
            raise ValueError(f"--out {args.out}: is a directory; give a file name")
        parent = out.parent if str(out.parent) else Path(".")
        if not parent.is_dir():
            raise ValueError(f"--out {args.out}: directory {parent} does not exist")
        if not os.access(parent, os.W_OK):
            raise ValueError(f"--out {args.out}: directory {parent} is not writable")
        if out.exists() and os.path.samefile(out, args.page):
            raise ValueError(f"--out {args.out}: is the page itself; use --in-place to overwrite it")
    if args.in_place and not os.access(Path(os.path.realpath(args.page)).parent, os.W_OK):
        raise ValueError(f"--in-place: the directory of {args.page} is not writable")


def write_atomic(path, text: str, *, like=None) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename. ``like``: a file whose
    permission bits and line endings to keep (default: the existing ``path``'s, else the umask's
    and ``\\n``)."""
    path = Path(os.path.realpath(path))
    model = Path(like) if like is not None else (path if path.exists() else None)
    if model is not None and model.exists():
        mode = stat.S_IMODE(os.stat(model).st_mode)
        crlf = b"\r\n" in model.read_bytes()
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode, crlf = 0o666 & ~umask, False
    data = (text.replace("\n", "\r\n") if crlf else text).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".nnconf-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def unified_diff(before: str, after: str, path: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=path, tofile=path))


def run(args, fail_on, run_audit, *, results: str | None = None) -> int:
    """The ``--fix``/``--diff`` command; ``run_audit(args)`` gives ``(section, records)``;
    ``results``: the report whose MNIST run the audit of the fixed text reuses, as the first
    audit did."""
    check_destination(args)
    cat = catalogue.load(args.claims)
    page = Page.read(args.page)
    _, records = run_audit(args)
    fixed = fix.plan(cat, page, records)
    after = audit.audit(cat, Page(fixed.text, str(args.page)), audit.Options(
        results=results or "", mnist_dir=args.mnist_dir))
    # the page's own findings (links, unchecked numbers) are judged again on the fixed text:
    # those still there are left for a human, those new are the fix's consequences
    findings = [r for r in after.records if r["kind"] in ("link", "printed") and r["verdict"] != "confirmed"]
    before = {(r["verdict"], r["printed"]) for r in records if r["kind"] in ("link", "printed")}
    still = [r for r in findings if (r["verdict"], r["printed"]) in before]
    new_findings = [r for r in findings if (r["verdict"], r["printed"]) not in before]
    new_findings += [r for r in after.records if r["kind"] == "number" and r["verdict"] != "confirmed"
                     and r["id"] not in {x["id"] for x in fixed.for_human}]
    left = {v: sum(r["verdict"] == v for r in after.records) for v in VERDICTS}
    listing = sys.stderr if args.diff else sys.stdout
    if args.diff:
        sys.stdout.write(unified_diff(page.text, fixed.text, str(args.page)))
    else:
        dest = args.page if args.in_place else args.out
        write_atomic(dest, fixed.text, like=args.page if args.in_place else None)
    if args.format == "json":
        doc = {"page": str(args.page), "written": None if args.diff else str(args.page if args.in_place else args.out),
               "changes": [c.__dict__ for c in fixed.changes],
               "not_inserted": [{"claim": c, "why": w} for c, w in fixed.not_inserted],
               "for_human": list(fixed.for_human) + still, "after": left, "new_findings": new_findings}
        print(json.dumps(doc, indent=2, ensure_ascii=False, default=str), file=listing)
    else:
        _print(args, fixed, still, new_findings, left, listing)
    return 1 if any(r["verdict"] in fail_on for r in after.records) else 0


def _print(args, fixed: fix.Fixed, still: list, new_findings: list, left: dict, out) -> None:
    path = str(args.page)
    n_values = sum(c.action == "value" for c in fixed.changes)
    n_operands = sum(c.action == "operand" for c in fixed.changes)
    n_inserted = sum(c.action == "insert" for c in fixed.changes)
    for c in fixed.changes:
        print(c.describe(path), file=out)
    for cid, why in fixed.not_inserted:
        print(f"{path}: {cid} (missing): not inserted: {why}", file=out)
    if fixed.for_human or still:
        print("left for a human (not rewritten; lines of the page as it was, then of the fixed page):", file=out)
        for r in fixed.for_human:
            at = f"{path}:{r['line']}: " if r.get("line") else ""
            print(f"  {at}{r['verdict']} {r['id']}: {r['explanation']}", file=out)
        for r in still:
            print(f"  fixed page line {r['line']}: {r['verdict']} {r['printed']}: {r['explanation']}", file=out)
    for r in new_findings:
        at = f"fixed page line {r['line']}: " if r.get("line") else ""
        print(f"after the fix, {at}{r['verdict']} {r['id']}: {r['explanation']}", file=out)
    where = "the diff above" if args.diff else ("the page, in place" if args.in_place else args.out)
    print(f"fix: {n_values} printed values and {n_operands} operands repeating them corrected, {n_inserted} missing "
          f"steps inserted ({where}); the fixed page: " + ", ".join(f"{n} {v}" for v, n in left.items() if n), file=out)
