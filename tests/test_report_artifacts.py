"""The report as an artifact: JSON validates against its schema, HTML is self-contained,
runs are deterministic, an interrupted run leaves the previous report intact."""

import json
from pathlib import Path

import jsonschema
import pytest

from nnconf.cli import main as cli
from nnconf.report import build as report

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "nnconf" / "report" / "schemas" / "conformance.schema.json").read_text())
PAGE = ROOT.parent / "shared" / "page" / "neural-network-basics.md"
SMALL = ["report", "--profile", "ci", "--only", "act.relu*", "--only", "loss.mse.value", "--mnist-epochs", "0",
         "--jobs", "1", "--no-progress", "--no-figures", "--no-listings"]  # listings: test_sandbox.py


def _validate(doc):
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    assert cli.main([*SMALL, "--page", str(PAGE), "--out-dir", str(out)]) == 0
    return out


def test_committed_report_validates_against_the_schema():
    _validate(json.loads((ROOT / "reports" / "conformance.json").read_text()))


def test_fresh_report_has_three_formats_and_validates(small):
    for name in ("conformance.json", "conformance.md", "conformance.html", "conventions.json"):
        assert (small / name).is_file(), name
    doc = json.loads((small / "conformance.json").read_text())
    _validate(doc)
    assert doc["claims"] and doc["coverage"]["rows"] and doc["coverage"]["uncovered"]
    html = (small / "conformance.html").read_text()
    assert "<script src" not in html and "<link" not in html and "Coverage matrix" in html


def test_schema_rejects_a_broken_document(small):
    doc = json.loads((small / "conformance.json").read_text())
    doc["checks"][0]["status"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        _validate(doc)


def test_two_runs_give_identical_json_apart_from_timings(small, tmp_path):
    assert cli.main([*SMALL, "--page", str(PAGE), "--out-dir", str(tmp_path)]) == 0

    def strip(path):
        doc = json.loads(path.read_text())
        doc["provenance"].pop("argv", None)  # the command line names the output directory
        doc["provenance"].pop("timings", None)  # seconds
        doc["provenance"]["configuration"]["settings"].pop("out-dir")  # and so does the configuration
        for c in doc["checks"]:
            c.pop("seconds")
        for c in doc.get("claims", []):
            if "listing_run" in c:
                c["listing_run"].pop("seconds", None)
        return doc

    assert strip(small / "conformance.json") == strip(tmp_path / "conformance.json")


def test_an_interrupted_run_leaves_the_previous_report_intact(small, tmp_path, monkeypatch):
    import shutil
    out = tmp_path / "out"
    shutil.copytree(small, out)
    from nnconf.run.output import LOCK_NAME  # the lock file is not output: it names its last holder

    def files():
        return {p.name: p.read_bytes() for p in out.iterdir() if p.name != LOCK_NAME}

    before = files()
    calls = []

    def interrupt(row, **kw):
        calls.append(row)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(row, **kw)

    real = report.run_row
    monkeypatch.setattr(report, "run_row", interrupt)
    assert cli.main([*SMALL, "--out-dir", str(out)]) == 130
    assert files() == before  # same files, same bytes, no temporary leftovers


def test_a_failing_row_carries_a_command_that_reproduces_it(tmp_path, monkeypatch):
    import reference.activations as A
    monkeypatch.setattr(A, "relu", lambda x: x)
    code = cli.main(["report", "--profile", "mutation", "--only", "act.relu.value", "--oracle", "torch",
                     "--mnist-epochs", "0", "--jobs", "1", "--no-progress", "--no-figures", "--out-dir", str(tmp_path)])
    assert code == 1
    doc = json.loads((tmp_path / "conformance.json").read_text())
    fail = next(c for c in doc["checks"] if c["status"] == "fail")
    assert fail["reproduce"].startswith("nnconf report --only 'act.relu.value' --profile mutation")
    assert fail["reproduce"] in (tmp_path / "conformance.html").read_text().replace("&#39;", "'")


def test_a_mutation_run_is_included_in_the_report(tmp_path):
    (tmp_path / "mutation.json").write_text(json.dumps({
        "tool": "mutmut", "source": "reference/", "tests": "fast subset", "killed": 9, "survived": 1, "total": 10,
        "timeout": 0, "no_tests": 0, "score": 0.9, "explained": 1,
        "survivors": [{"name": "reference.x__mutmut_1", "explanation": "equivalent: dtype of a float array"}]}))
    assert cli.main([*SMALL, "--out-dir", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "conformance.json").read_text())
    _validate(doc)
    assert doc["mutation"]["score"] == 0.9
    assert "Mutation score" in (tmp_path / "conformance.md").read_text()
    assert "reference.x__mutmut_1" in (tmp_path / "conformance.html").read_text()
    # a later mutation run refreshes the section of the existing report, checks not re-run
    from nnconf.report import mutation
    before = json.loads((tmp_path / "conformance.json").read_text())
    assert mutation.refresh_report({**doc["mutation"], "killed": 10, "survived": 0, "score": 1.0,
                                    "survivors": [], "explained": 0}, tmp_path)
    after = json.loads((tmp_path / "conformance.json").read_text())
    _validate(after)
    assert after["mutation"]["score"] == 1.0 and after["checks"] == before["checks"]
    assert "**100.0%** killed" in (tmp_path / "conformance.md").read_text()
    assert not mutation.refresh_report(doc["mutation"], tmp_path / "nowhere")


# ---------------------------------------------------------------- one model, two renderers
def _committed():
    from nnconf.report import results
    return results.update(json.loads((ROOT / "reports" / "conformance.json").read_text()))


def test_markdown_and_html_carry_every_section():
    import html as H

    from nnconf.report import html as html_report
    from nnconf.report import markdown as markdown_report
    from nnconf.report import sections as report_sections
    doc = _committed()
    sections = report_sections.build(doc)
    assert [s.id for s in sections] == ["summary", "coverage", "claims", "conventions", "properties", "mnist",
                                        "pitfalls", "figures", "exactness", "mutation", "checks", "tolerances",
                                        "provenance"]
    md, page = markdown_report.render(doc), html_report.render(doc, ROOT / "reports")
    for s in sections:
        assert f"\n## {s.title}\n" in md and f'<a id="{s.id}"></a>' in md, s.id
        assert f'<section id="{s.id}"><h2>{s.title}</h2>' in H.unescape(page) and f"href='#{s.id}'" in page, s.id
    # what each lacked before: Markdown the coverage matrix and figures, HTML the property list, the
    # tolerance reasons and the tolerance terms atol_x, rtol_x, atol_path
    assert "| `act.relu` |" in md and "![activation functions](activations.png)" in md
    for c in doc["checks"]:
        if c["kind"] == "property":
            assert c["note"] in H.unescape(page) and c["note"] in md, c["id"]
        if c["tolerance"]:
            assert c["tolerance"]["reason"] in H.unescape(page) and c["tolerance"]["reason"] in md, c["id"]
    for term in ("atol_x", "rtol_x", "atol_path"):
        assert f"{term} " in md and f"{term} " in page


def test_the_audit_recomputes_the_coverage_of_the_report_it_writes_into(small, tmp_path):
    import shutil
    out = tmp_path / "out"
    shutil.copytree(small, out)
    before = json.loads((out / "conformance.json").read_text())
    doc = {**before, "claims": [], "claims_summary": {}}  # a report whose claims column is stale
    doc["coverage"] = {**doc["coverage"], "rows": [{**r, "cells": {**r["cells"], "claims": 0}}
                                                   for r in doc["coverage"]["rows"]]}
    (out / "conformance.json").write_text(json.dumps(doc))
    cli.main(["audit", "--page", str(PAGE), "--out-dir", str(out), "--no-progress"])
    after = json.loads((out / "conformance.json").read_text())
    _validate(after)
    assert sum(r["cells"]["claims"] for r in after["coverage"]["rows"]) == len(after["claims"]) > 0
    claims_column = [(r["section"], r["cells"]["claims"]) for r in before["coverage"]["rows"]]
    assert [(r["section"], r["cells"]["claims"]) for r in after["coverage"]["rows"]] == claims_column
    assert after["checks"] == before["checks"]


def test_the_figures_panels_come_from_the_declarations(tmp_path):
    from nnconf.conformance import registry
    from nnconf.report import figures
    panels = [q.key for q in registry.activation_panels()]
    assert panels == ["sigmoid", "tanh", "relu", "leaky_relu", "gelu"]  # the page's listing's five
    diffs = figures.activations(tmp_path / "activations.png")
    drawn = {k.split(":")[0] for k in diffs}
    expected = {f"{o}:{q}" for o in drawn for q in panels} | {
        f"{o}:{q.name}'" for o in drawn for q in registry.activation_panels() if q.panel.derivative}
    assert set(diffs) == expected and max(diffs.values()) < 1e-14
    figures.optimizers(tmp_path / "optimizers.png")
    assert [o.name for o in registry.optimizer_panels()] == ["sgd", "momentum", "rmsprop", "adam", "adamw"]
    assert (tmp_path / "activations.png").stat().st_size > 10_000 and (tmp_path / "optimizers.png").is_file()
