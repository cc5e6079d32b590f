"""The audit's findings as SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), for
GitHub code scanning and other SARIF viewers.

One run of the tool ``nnconf``; one rule per verdict kind (``wrong``, ``rounding-slip``, …,
and ``check-fail`` for a failing registry row in ``nnconf report``); one result per finding
that is not confirmed, at level ``error`` when its verdict is in ``--fail-on`` and ``warning``
otherwise, located at its page line (``region.startLine``), or at its catalogue line when the
page no longer shows it. ``partialFingerprints`` carry the claim id, so a viewer follows a
finding across edits that move its line. Tests validate the output against the published
schema (``tests/data/sarif-schema-2.1.0.json``).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from nnconf import __version__
from nnconf.audit.verdicts import FAILING, VERDICTS

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"

DESCRIPTIONS = {
    "rounding-slip": ("A printed number is off in its last digit because the page carried its own rounded "
                      "intermediate results", "The exact value does not round to the printed text, but carrying "
                      "some of the page's printed intermediates reproduces it."),
    "wrong": ("A printed number is wrong", "Neither the exact value nor any carrying of the page's printed "
              "intermediates reproduces the printed text (or it is carried from another wrong number)."),
    "missing": ("An announced step is not shown", "The page announces a step (\"3 steps\", \"full backprop\") "
                "whose value it never prints."),
    "false": ("A checkable claim is false", "A computable prose claim, a listing's run or two formulas for one "
              "quantity contradict the page."),
    "not-reproduced": ("A printed result is not reproduced", "A point of the page's expected output lies outside "
                       "the prediction interval of the seeds' runs."),
    "unverifiable": ("A claim cannot be judged in this run", "A check that needs what this run does not have "
                     "(a listing run, MNIST results, a framework); it fails the default gate."),
    "not-checkable": ("A claim beyond computation", "The catalogue declares the claim (a theorem, a piece of "
                      "advice) beyond what a computation can judge, with its reason; reported for a human."),
    "stale": ("A claim of the catalogue is not on the page", "The catalogue's text for the claim is gone or "
              "rewritten; the catalogue and the page disagree."),
    "unchecked": ("A printed number no claim judges", "Every number a worked example, table or equation prints "
                  "must be judged or exempt with a reason."),
    "inconsistent": ("A printed link of arithmetic does not hold", "A = B does not hold for A's own printed "
                     "operands, within half a unit of B's last digit."),
}
CHECK_FAIL = "check-fail"


def _rule(verdict: str, fail_on) -> dict:
    short, full = DESCRIPTIONS.get(verdict, (verdict, verdict))
    return {"id": verdict, "name": "".join(p.capitalize() for p in verdict.split("-")),
            "shortDescription": {"text": short}, "fullDescription": {"text": full},
            "help": {"text": f"{full} See the docs, 'Auditing a page' (docs/audit.md)."},
            "defaultConfiguration": {"level": "error" if verdict in fail_on else "warning"},
            "properties": {"tags": ["nnconf", "page-audit"]}}


def artifact_uri(path) -> str:
    """A relative URI reference for a path inside the working tree (``$GITHUB_WORKSPACE`` or the
    working directory), else a ``file:`` URI."""
    base = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    full = os.path.abspath(path)
    rel = os.path.relpath(full, os.path.abspath(base))
    if not rel.startswith(".."):
        return quote(Path(rel).as_posix())
    return Path(full).as_uri()


def _location(file, line: int | None, *, name: str | None = None) -> dict:
    physical = {"artifactLocation": {"uri": artifact_uri(file)}}
    if line:
        physical["region"] = {"startLine": int(line)}
    loc = {"physicalLocation": physical}
    if name:
        loc["logicalLocations"] = [{"name": name, "kind": "member"}]
    return loc


def log(records: list[dict], *, page: str | None, catalogue: str | None, fail_on=FAILING,
        rows: list[dict] = (), row_line=None) -> dict:
    """The SARIF log (a dict ready for ``json.dumps``)."""
    kinds = [v for v in VERDICTS if v != "confirmed"] + [CHECK_FAIL]
    rules = [_rule(v, fail_on) for v in kinds[:-1]]
    rules.append({"id": CHECK_FAIL, "name": "CheckFails",
                  "shortDescription": {"text": "A conformance check row fails"},
                  "fullDescription": {"text": "A framework oracle disagrees with the reference beyond the "
                                              "check's reasoned tolerance."},
                  "help": {"text": "The row's note gives the shrunk input; `nnconf report --only ID` reruns it."},
                  "defaultConfiguration": {"level": "error"}, "properties": {"tags": ["nnconf", "conformance"]}})
    index = {v: i for i, v in enumerate(kinds)}
    results = []
    for r in rows:
        file, line = row_line(r["section"]) if row_line else (None, None)
        res = {"ruleId": CHECK_FAIL, "ruleIndex": index[CHECK_FAIL], "level": "error",
               "message": {"text": f"{r['id']} [{r['oracle']}:{r['variant']}]: {r.get('note') or 'fails'}"},
               "partialFingerprints": {"nnconfCheck/v1": f"{r['id']}|{r['oracle']}|{r['variant']}"},
               "properties": {"check": r["id"], "section": r["section"], "oracle": r["oracle"],
                              "variant": r["variant"]}}
        if file:
            res["locations"] = [_location(file, line, name=r["id"])]
        results.append(res)
    for r in records:
        v = r["verdict"]
        if v == "confirmed":
            continue
        if r.get("line") and page:
            file, line = page, r["line"]
        elif r.get("catalogue_line") and catalogue:
            file, line = catalogue, r["catalogue_line"]
        else:
            file, line = None, None
        res = {"ruleId": v, "ruleIndex": index[v], "level": "error" if v in fail_on else "warning",
               "message": {"text": f"{v} {r['id']}: {r['explanation'] or v}"},
               "partialFingerprints": {"nnconfClaim/v1": r["id"]},
               "properties": {k: r.get(k) for k in ("id", "section", "kind", "printed", "computed", "carried_from")
                              if r.get(k) is not None}}
        if file:
            res["locations"] = [_location(file, line, name=r["id"])]
        results.append(res)
    return {"$schema": SCHEMA_URI, "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "nnconf", "semanticVersion": __version__,
                                          "rules": rules}},
                      "columnKind": "unicodeCodePoints", "results": results}]}
