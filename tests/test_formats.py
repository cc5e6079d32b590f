"""CI-native output (issue 16, item 3): GitHub workflow commands with file and line (escaped as
GitHub specifies), SARIF 2.1.0 validated against the published schema (vendored in
tests/data), the claims as JUnit XML in the report's output set, and the same for
``nnconf report`` (its failing rows and its claims)."""

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from nnconf.audit import audit, catalogue, formats, junit, sarif
from nnconf.audit.page import Page
from nnconf.audit.verdicts import FAILING, VERDICTS
from nnconf.cli import main as cli

from .test_audit_rule import CATALOGUE, _page

ROOT = Path(__file__).resolve().parents[1]
REAL_PAGE = ROOT.parent / "shared" / "page" / "neural-network-basics.md"
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
COMMAND = re.compile(r"^::(error|warning|notice)(?: (.*?))?::(.*)$")


def _unescape(s: str) -> str:
    return s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def _commands(text: str) -> list[tuple[str, dict, str]]:
    """Workflow commands parsed as GitHub's runner parses them."""
    out = []
    for line in text.splitlines():
        m = COMMAND.match(line)
        assert m, line
        props = dict(p.split("=", 1) for p in m.group(2).split(",")) if m.group(2) else {}
        out.append((m.group(1), {k: _unescape(v) for k, v in props.items()}, _unescape(m.group(3))))
    return out


def _files(tmp_path, page_text):
    (tmp_path / "claims.toml").write_text(CATALOGUE, encoding="utf-8")
    (tmp_path / "page.md").write_text(page_text, encoding="utf-8")


def _audit_cli(tmp_path, *extra) -> int:
    return cli.main(["audit", "--page", str(tmp_path / "page.md"), "--claims", str(tmp_path / "claims.toml"),
                     "--results", "", "--no-progress", *extra])


@pytest.fixture(scope="module")
def real():
    """The real page's records, audited once for the module."""
    cat = catalogue.load()
    result = audit.audit(cat, Page.read(REAL_PAGE), audit.Options(results=""))
    return cat, result.records


def test_github_annotations_carry_file_line_and_level(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _files(tmp_path, _page(sum_="11.312", p0="0.653"))
    assert _audit_cli(tmp_path, "--format", "github", "--no-write", "--fail-on", "wrong") == 1
    cmds = _commands(capsys.readouterr().out)
    by_title = {p.get("title"): (level, p, msg) for level, p, msg in cmds}
    level, props, msg = by_title["wrong sm.sum"]
    assert level == "error" and props["file"] == "page.md" and props["line"] == "6"  # relative to the workspace
    assert msg.startswith("printed 11.312, exact 11.212509")
    level, props, _ = by_title["false loss.harsher"]  # outside --fail-on: a warning
    assert level == "warning" and props["line"] == "10"
    assert cmds[-1][0] == "notice" and "in --fail-on (wrong)" in cmds[-1][2]


def test_a_claim_gone_from_the_page_points_at_its_catalogue_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _files(tmp_path, "# A page\n")
    _audit_cli(tmp_path, "--format", "github", "--no-write")
    cmds = _commands(capsys.readouterr().out)
    stale = [p for level, p, _ in cmds if p.get("title", "").startswith("stale ")]
    assert stale and all(p["file"] == "claims.toml" and int(p["line"]) > 1 for p in stale)


def test_github_escaping_follows_the_runner():
    assert formats.escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert formats.escape_property("a: b, c%") == "a%3A b%2C c%25"
    line = formats.github_command("error", "x = 1%\ny", file="dir,1/p:a.md", line=3, title="wrong a,b: c")
    assert line == "::error file=dir%2C1/p%3Aa.md,line=3,title=wrong a%2Cb%3A c::x = 1%25%0Ay"
    (level, props, msg), = _commands(line)
    assert props == {"file": "dir,1/p:a.md", "line": "3", "title": "wrong a,b: c"} and msg == "x = 1%\ny"


def test_sarif_of_the_real_page_validates_against_the_published_schema(real, monkeypatch):
    cat, records = real
    monkeypatch.chdir(ROOT)
    log = json.loads(formats.render("sarif", records, page=str(REAL_PAGE), catalogue=cat.path))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    run = log["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == [v for v in VERDICTS if v != "confirmed"] + ["check-fail"]  # one rule per verdict kind
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in run["results"])
    shown = {r["partialFingerprints"]["nnconfClaim/v1"]: r for r in run["results"]}
    y_hat = shown["backprop.full.example.y_hat"]
    assert y_hat["level"] == "error" and y_hat["ruleId"] == "wrong"
    loc = y_hat["locations"][0]["physicalLocation"]
    assert loc["region"] == {"startLine": 163} and loc["artifactLocation"]["uri"] == REAL_PAGE.as_uri()
    assert shown["optim.adam.advice_lr"]["level"] == "warning"  # unverifiable is outside the default gate
    assert len(run["results"]) == sum(r["verdict"] != "confirmed" for r in records)


def test_sarif_validation_catches_a_broken_log(real):
    cat, records = real
    log = sarif.log(records, page=str(REAL_PAGE), catalogue=cat.path)
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(log)


def test_the_claims_as_junit_xml_next_to_the_report(tmp_path, capsys):
    _files(tmp_path, _page(sum_="11.312", p0="0.653"))
    out = tmp_path / "reports"
    assert _audit_cli(tmp_path, "--out-dir", str(out)) == 1
    assert "junit-claims.xml" in capsys.readouterr().out
    claims = json.loads((out / "conformance.json").read_text())["claims"]
    root = ET.parse(out / "junit-claims.xml").getroot()
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == [r["id"] for r in claims]  # one test case per claim
    failed = {c.get("name"): c.find("failure").get("type") for c in cases if c.find("failure") is not None}
    assert failed == {r["id"]: r["verdict"] for r in claims if r["verdict"] in FAILING}
    assert root.get("failures") == str(len(failed)) and root.get("tests") == str(len(claims))
    case = next(c for c in cases if c.get("name") == "sm.sum")
    assert case.get("line") == "6" and case.get("file").endswith("page.md")


def test_junit_skips_what_it_cannot_judge_and_survives_odd_text(real):
    cat, records = real
    odd = dict(records[0], id="odd", verdict="not-checkable", explanation="a \x00 b \x1b c <&>")
    root = ET.fromstring(junit.xml(list(records) + [odd], page=str(REAL_PAGE), catalogue=cat.path).encode())
    case = root.find("./testsuite/testcase[@name='odd']")
    assert case.find("skipped").get("message") == "a \ufffd b \ufffd c <&>"


def test_json_format_is_the_records_and_the_gate(tmp_path, capsys):
    _files(tmp_path, _page(sum_="11.312", p0="0.653"))
    _audit_cli(tmp_path, "--format", "json", "--no-write")
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == formats.SCHEMA and "sm.sum" in doc["failing"] and doc["summary"]["wrong"] == 2
    assert doc["coverage"]["printed"] > 0 and {r["id"] for r in doc["claims"]} >= {"sm.sum", "sm.p0"}


REPORT_PAGE = _page(sum_="11.312", p0="0.653") + "\n## Activations `[act]`\nReLU(x) = max(0, x).\n"
ACT_LINE = str(REPORT_PAGE.splitlines().index("## Activations `[act]`") + 1)


def test_report_formats_place_failing_rows_at_their_page_section(tmp_path, capsys, monkeypatch):
    import reference.activations as A
    monkeypatch.setattr(A, "relu", lambda x: x)  # a planted bug: the row fails
    monkeypatch.chdir(tmp_path)
    _files(tmp_path, REPORT_PAGE)
    common = ["report", "--profile", "mutation", "--only", "act.relu.value", "--oracle", "torch", "--no-progress",
              "--mnist-epochs", "0", "--jobs", "1", "--no-figures", "--page", "page.md", "--claims", "claims.toml"]
    assert cli.main([*common, "--out-dir", "reports", "--format", "github"]) == cli.EXIT_FAIL
    captured = capsys.readouterr()
    cmds = _commands(captured.out)
    rows = [(p, m) for level, p, m in cmds if p.get("title", "").startswith("check fails")]
    assert rows and all(p["file"] == "page.md" and p["line"] == ACT_LINE for p, _ in rows)  # the [act] heading
    assert any(p.get("title") == "wrong sm.sum" and p["line"] == "6" for _, p, _ in cmds)
    assert "checks:" in captured.err and "checks:" not in captured.out
    assert (tmp_path / "reports" / "junit-claims.xml").is_file()  # part of the report's output set
    assert cli.main([*common, "--out-dir", "reports2", "--format", "sarif"]) == cli.EXIT_FAIL
    log = json.loads(capsys.readouterr().out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    fails = [r for r in log["runs"][0]["results"] if r["ruleId"] == "check-fail"]
    assert fails and fails[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == int(ACT_LINE)
