"""The page's claims as JUnit XML (``junit-claims.xml``, next to the tests' ``junit.xml``), so
a CI that shows test results shows each claim as a test case.

One ``<testcase>`` per claim record (classname ``claims.<section>``, name the claim id, with
the page or catalogue ``file`` and ``line``): a verdict in ``--fail-on`` is a ``<failure>``
(type = the verdict, the explanation as its text); ``unverifiable`` is ``<skipped>`` (not
judged here, with the reason); every other verdict passes, with its verdict as a property.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from nnconf.audit.formats import display_path, where
from nnconf.audit.verdicts import FAILING

NAME = "nnconf.claims"
# characters XML 1.0 cannot hold (a page's text may carry them)
_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text) -> str:
    return _INVALID.sub("\ufffd", str(text))


def xml(records: list[dict], *, page: str | None, catalogue: str | None, fail_on=FAILING) -> str:
    page_shown, cat_shown = display_path(page), display_path(catalogue)
    failures = sum(r["verdict"] in fail_on for r in records)
    skipped = sum(r["verdict"] in ("unverifiable", "not-checkable") and r["verdict"] not in fail_on
                  for r in records)
    counts = {"tests": str(len(records)), "failures": str(failures), "errors": "0", "skipped": str(skipped)}
    root = ET.Element("testsuites", {"name": NAME, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": NAME, **counts, "time": "0"})
    props = ET.SubElement(suite, "properties")
    for k, v in (("page", page_shown or ""), ("catalogue", cat_shown or ""), ("fail_on", ",".join(fail_on))):
        ET.SubElement(props, "property", {"name": k, "value": _x(v)})
    for r in records:
        file, line = where(r, page_shown, cat_shown)
        attrs = {"classname": f"claims.{r.get('section') or 'page'}", "name": _x(r["id"]), "time": "0"}
        if file:
            attrs.update(file=_x(file), line=str(line))
        case = ET.SubElement(suite, "testcase", attrs)
        verdict, why = r["verdict"], _x(r.get("explanation") or r["verdict"])
        p = ET.SubElement(case, "properties")
        ET.SubElement(p, "property", {"name": "verdict", "value": verdict})
        if verdict in fail_on:
            fail = ET.SubElement(case, "failure", {"type": verdict, "message": _x(f"{verdict}: {why}")[:500]})
            fail.text = why
        elif verdict in ("unverifiable", "not-checkable"):
            ET.SubElement(case, "skipped", {"message": why[:500]})
        if verdict not in fail_on and verdict != "confirmed":
            out = ET.SubElement(case, "system-out")
            out.text = f"{verdict}: {why}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write(path, records: list[dict], *, page: str | None, catalogue: str | None, fail_on=FAILING,
          base=None) -> None:
    """Write ``junit-claims.xml`` (into an ``OutputSet``'s staging directory: it is moved into
    place with the report)."""
    from pathlib import Path

    from nnconf.run.output import relative_paths
    text = xml(records, page=page, catalogue=catalogue, fail_on=fail_on)
    # a committed artifact: paths relative to ``base`` (the configuration file's directory)
    Path(path).write_text(text if base is None else relative_paths(text, base), encoding="utf-8")
