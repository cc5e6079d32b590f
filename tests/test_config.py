"""Configuration (issue 16, item 1): ``[tool.nnconf]`` found upwards from the current directory,
paths resolved against the file, flags > NNCONF_* > file > defaults, bad values one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnconf.cli import config
from nnconf.cli import main as cli

ROOT = Path(__file__).resolve().parents[1]


def _namespace(command: list[str]):
    return cli.build_parser().parse_args(command)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project with a [tool.nnconf] table, and the current directory two levels below it."""
    monkeypatch.delenv("NNCONF_CONFIG", raising=False)
    for var in ("NNCONF_PAGE", "NNCONF_MNIST_DIR", "NNCONF_OUT_DIR", "NNCONF_PROFILE", "NNCONF_JOBS"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.nnconf]\npage = "docs/page.md"\nmnist-dir = "../data/mnist"\n'
        'out-dir = "out"\nprofile = "ci"\njobs = 1\n', encoding="utf-8")
    deep = tmp_path / "src" / "pkg"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    return tmp_path


def test_this_repository_configures_the_page_and_the_mnist_copy(monkeypatch):
    monkeypatch.delenv("NNCONF_CONFIG")
    monkeypatch.chdir(ROOT / "tests")  # found upwards, as ruff and pytest find theirs
    found = config.find()
    assert found == ROOT / "pyproject.toml"
    values = config.load(found)
    assert Path(values["page"]) == (ROOT.parent / "shared" / "page" / "neural-network-basics.md").resolve()
    assert Path(values["page"]).is_file()
    assert Path(values["mnist-dir"]) == (ROOT.parent / "shared" / "mnist").resolve()
    assert (Path(values["mnist-dir"]) / "SHA256SUMS.uncompressed").is_file()
    assert Path(values["out-dir"]) == ROOT / "reports"


def test_report_with_no_flags_takes_everything_from_the_file(project):
    args = _namespace(["report"])
    used = config.apply(args)
    assert args.page == str(project / "docs" / "page.md")  # relative to the file, not the cwd
    assert args.mnist_dir == str((project / ".." / "data" / "mnist").resolve())
    assert args.out_dir == str(project / "out")
    assert (args.profile, args.jobs) == ("ci", 1)
    assert used["page"]["from"] == str(project / "pyproject.toml")
    assert args.config_file == str(project / "pyproject.toml")


def test_flags_beat_the_environment_which_beats_the_file(project, monkeypatch):
    monkeypatch.setenv("NNCONF_PAGE", "env.md")
    monkeypatch.setenv("NNCONF_JOBS", "2")
    args = _namespace(["report", "--jobs", "3"])
    used = config.apply(args)
    assert args.page == "env.md" and used["page"]["from"] == "NNCONF_PAGE"
    assert args.jobs == 3 and used["jobs"]["from"] == "command line"
    assert args.profile == "ci" and used["profile"]["from"].endswith("pyproject.toml")


def test_without_a_file_the_defaults_apply(tmp_path, monkeypatch):
    monkeypatch.setenv("NNCONF_CONFIG", "none")
    monkeypatch.delenv("NNCONF_PAGE", raising=False)
    args = _namespace(["mnist"])
    config.apply(args)
    assert args.page is None and args.out_dir == "reports" and args.config_file is None


@pytest.mark.parametrize("line, message", [
    ("colour = 'blue'", "unknown key 'colour'"),
    ("jobs = 0", "jobs must be an integer ≥ 1"),
    ("jobs = 'many'", "jobs must be an integer ≥ 1"),
    ("page = 3", "page must be a string"),
    ("profile = 'fast'", "profile must be one of"),
    ("listing-timeout = -1", "listing-timeout must be a finite number > 0"),
])
def test_a_bad_value_in_the_file_is_one_line_naming_file_and_key(tmp_path, monkeypatch, capsys, line, message):
    monkeypatch.delenv("NNCONF_CONFIG")
    (tmp_path / "pyproject.toml").write_text(f"[tool.nnconf]\n{line}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["list"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(tmp_path / "pyproject.toml") in err[0] and message in err[0], err


def test_a_bad_environment_value_names_the_variable(monkeypatch, capsys):
    monkeypatch.setenv("NNCONF_JOBS", "-4")
    assert cli.main(["report", "--only", "act.relu.value"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nnconf: error: NNCONF_JOBS: must be an integer ≥ 1")
