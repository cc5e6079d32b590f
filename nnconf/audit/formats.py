"""The audit's findings for CI: ``--format text|json|github|sarif`` of ``nnconf audit`` and
``nnconf report``.

Every format is made from the claim records (and, for the report, its failing check rows)
only, never from the Markdown or HTML renderers:

- ``text``: the compiler-style lines of ``terminal.py``;
- ``json``: the records, the counts, the coverage and the gate, as one JSON document;
- ``github``: GitHub Actions workflow commands, one per finding that is not confirmed:
  ``::error file=PAGE,line=N,title=VERDICT ID::EXPLANATION`` for a verdict in ``--fail-on``,
  ``::warning`` for the others; values escaped as GitHub's runner does (``%``, CR and LF in
  the message; also ``:`` and ``,`` in properties);
- ``sarif``: SARIF 2.1.0 (``sarif.py``), one rule per verdict kind, the page line as region.

A finding the page no longer shows points at its catalogue line instead, as in the text output.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from nnconf.audit import sarif
from nnconf.audit.terminal import summary, table
from nnconf.audit.verdicts import FAILING

FORMATS = ("text", "json", "github", "sarif")
SCHEMA = "nnconf.audit-findings/1"


def display_path(path, base=None) -> str | None:
    """``path`` relative to ``base`` (``$GITHUB_WORKSPACE``, else the working directory) when it
    lies inside it, with ``/`` separators; else as given."""
    if path is None:
        return None
    base = base or os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    try:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base))
    except ValueError:
        return str(path)
    return Path(rel).as_posix() if not rel.startswith("..") else Path(os.path.abspath(path)).as_posix()


def where(record: dict, page: str | None, catalogue: str | None) -> tuple[str | None, int | None]:
    """The file and line a finding points at: the page line, else the catalogue line."""
    if record.get("line") and page:
        return page, int(record["line"])
    if record.get("catalogue_line") and catalogue:
        return catalogue, int(record["catalogue_line"])
    return None, None


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's runner reads it."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (``file``, ``title``): also ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(level: str, message: str, **props) -> str:
    shown = ",".join(f"{k}={escape_property(v)}" for k, v in props.items() if v is not None)
    return f"::{level}{' ' + shown if shown else ''}::{escape_data(message)}"


def github(records: list[dict], *, page: str | None, catalogue: str | None, fail_on=FAILING,
           rows: list[dict] = (), row_line=None) -> str:
    """Workflow commands: one per claim that is not confirmed, one per failing check row
    (``row_line(section) -> (file, line)`` places a row at its page section), then a notice
    with the counts."""
    page_shown, cat_shown = display_path(page), display_path(catalogue)
    lines = []
    for r in rows:
        file, line = row_line(r["section"]) if row_line else (None, None)
        lines.append(github_command("error", f"{r['id']} [{r['oracle']}:{r['variant']}]: {r.get('note') or 'fails'}",
                                    file=display_path(file), line=line,
                                    title=f"check fails: {r['id']} [{r['oracle']}]"))
    for r in records:
        if r["verdict"] == "confirmed":
            continue
        file, line = where(r, page_shown, cat_shown)
        lines.append(github_command("error" if r["verdict"] in fail_on else "warning", r["explanation"] or r["verdict"],
                                    file=file, line=line, title=f"{r['verdict']} {r['id']}"))
    counts = summary(records)
    shown = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    bad = sum(r["verdict"] in fail_on for r in records)
    rows_note = f"; {len(rows)} failing check rows" if rows else ""
    lines.append(github_command("notice", f"nnconf: {len(records)} claims: {shown or 'none'}; {bad} in --fail-on "
                                          f"({','.join(fail_on)}){rows_note}", title="nnconf audit"))
    return "\n".join(lines) + "\n"


def as_json(records: list[dict], *, page: str | None, catalogue: str | None, fail_on=FAILING,
            coverage: dict | None = None, rows: list[dict] = ()) -> str:
    doc = {"schema": SCHEMA, "page": page, "catalogue": catalogue, "fail_on": list(fail_on),
           "summary": summary(records), "failing": [r["id"] for r in records if r["verdict"] in fail_on],
           "coverage": coverage, "claims": records}
    if rows:
        doc["failing_checks"] = list(rows)
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


def render(fmt: str, records: list[dict], *, page: str | None, catalogue: str | None, fail_on=FAILING,
           coverage: dict | None = None, rows: list[dict] = (), row_line=None, text: str | None = None) -> str:
    """The findings in ``fmt``; ``text`` is what the text format prints (default: the audit's
    compiler-style lines)."""
    if fmt == "text":
        return (text if text is not None else table(records, page, catalogue, coverage)) + "\n"
    if fmt == "json":
        return as_json(records, page=page, catalogue=catalogue, fail_on=fail_on, coverage=coverage, rows=rows)
    if fmt == "github":
        return github(records, page=page, catalogue=catalogue, fail_on=fail_on, rows=rows, row_line=row_line)
    if fmt == "sarif":
        log = sarif.log(records, page=page, catalogue=catalogue, fail_on=fail_on, rows=rows, row_line=row_line)
        return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"--format: unknown format {fmt!r}; known: {', '.join(FORMATS)}")


def section_lines(page_path) -> callable:
    """``section -> (page, heading line)`` for placing a check row on the page: the heading of
    its section, else of the nearest enclosing one (``act.gelu`` -> ``act``); ``(None, None)``
    when the page has neither."""
    from nnconf.audit.page import Page
    page = Page.read(page_path) if page_path else None

    def line(section: str):
        parts = section.split(".")
        while parts and page is not None:  # act.gelu is printed in act's section
            bodies = page.bodies(".".join(parts))
            if bodies:
                return page_path, bodies[0].line
            parts.pop()
        return None, None
    return line


def for_report(fmt: str, results: dict, *, page: str | None) -> str:
    """``nnconf report --format``: its failing check rows (placed at their page section) and its
    claims, in ``fmt``."""
    records = results.get("claims") or []
    rows = [c for c in results.get("checks", []) if c.get("status") == "fail"]
    section = results.get("audit") or {}
    return render(fmt, records, page=page, catalogue=section.get("catalogue"), coverage=section.get("coverage"),
                  rows=rows, row_line=section_lines(page))
