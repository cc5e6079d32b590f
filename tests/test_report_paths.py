"""No report names a path of the machine that wrote it: every path is written relative to the
configuration file (or the page), in every format: JSON, Markdown, HTML, JUnit, SARIF."""


import re

import pytest

from nnconf.cli import main as cli
from nnconf.run.output import ABSOLUTE_PATH, SYSTEM_PREFIXES, relative_paths

from .test_report_artifacts import PAGE, ROOT, SMALL

COMMITTED = ("conformance.json", "conformance.md", "conformance.html", "conventions.json", "junit-claims.xml",
             "mutation.json")


DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+")  # embedded figures are not paths


def machine_paths(text: str) -> list[str]:
    text = DATA_URI.sub("", text)
    return sorted({m for m in ABSOLUTE_PATH.findall(text) if not m.startswith(SYSTEM_PREFIXES)})


def test_the_path_finder_finds_paths_and_only_paths():
    text = "ran /work/main/x.py; see https://a.org/b/c, 1/N, a/b, ./c/d, /usr/bin/bwrap and (/tmp/r/out)"
    assert machine_paths(text) == ["/tmp/r/out", "/work/main/x.py"]
    assert relative_paths(text, "/work/main") == (
        "ran x.py; see https://a.org/b/c, 1/N, a/b, ./c/d, /usr/bin/bwrap and (../../tmp/r/out)")
    assert relative_paths({"a": ["/work/shared/m", 3]}, "/work/main") == {"a": ["../shared/m", 3]}


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_reports_hold_no_machine_path(name):
    path = ROOT / "reports" / name
    assert path.is_file(), f"reports/{name} is not committed"
    found = machine_paths(path.read_text(encoding="utf-8"))
    assert not found, f"reports/{name} names paths of the machine that wrote it: {found[:5]}"


def test_a_fresh_report_and_audit_hold_no_machine_path(tmp_path, capsys):
    out = tmp_path / "report"
    assert cli.main([*SMALL, "--page", str(PAGE), "--out-dir", str(out)]) == 0
    for f in sorted(out.iterdir()):
        if f.suffix in (".json", ".md", ".html", ".xml"):
            found = machine_paths(f.read_text(encoding="utf-8"))
            assert not found, f"{f.name}: {found[:5]}"
    capsys.readouterr()
    cli.main(["audit", "--page", str(PAGE), "--format", "sarif", "--no-write", "--no-progress", "--no-listings"])
    sarif = capsys.readouterr().out
    assert '"uri"' in sarif and not machine_paths(sarif), machine_paths(sarif)[:5]
