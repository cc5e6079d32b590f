"""Inputs checked before any work, in every command (issue 11, item 3).

Each test reproduces a line of the issue with the command as a user would type it. A bad input
must give exit code 2 and one line on stderr naming the option or file, no traceback, and no
work done before it (the checks or the training are replaced by a function that fails the
test if it is called).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnconf.cli import main as cli
from nnconf.mnist import job as mnist_report
from nnconf.report import build as report
from nnconf.run import parallel, work

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT.parent / "shared" / "page" / "neural-network-basics.md"
MNIST = ROOT.parent / "shared" / "mnist"
ROWS = ["--profile", "ci", "--only", "act.relu.value", "--oracle", "sklearn", "--jobs", "1", "--no-figures"]
QUICK = [*ROWS, "--mnist-epochs", "0", "--no-progress"]


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if the long work starts."""
    def forbidden(*args, **kwargs):
        raise AssertionError("the work started before the inputs were checked")
    monkeypatch.setattr(report, "run", forbidden)
    monkeypatch.setattr(mnist_report, "run", forbidden)
    monkeypatch.setattr(work, "run", forbidden)  # the report's pool


def one_line_error(capsys, *names: str) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def test_a_missing_page_is_reported_before_the_checks_run(tmp_path, capsys, no_work):
    missing = tmp_path / "missing.md"
    assert cli.main(["report", *QUICK, "--page", str(missing), "--out-dir", str(tmp_path / "o")]) == 2
    one_line_error(capsys, str(missing))


def test_an_out_dir_that_is_a_file_is_reported_before_the_checks_run(tmp_path, capsys, no_work):
    f = tmp_path / "a-file"
    f.write_text("keep me")
    assert cli.main(["report", *QUICK, "--out-dir", str(f)]) == 2
    line = one_line_error(capsys, str(f), "not a directory")
    assert ".tmp" not in line and f.read_text() == "keep me"


def _read_only(path: Path) -> bool:
    """Make ``path`` unwritable, even for root (an immutable directory); True if it worked."""
    path.mkdir()
    path.chmod(0o555)
    if not os.access(path, os.W_OK):
        return True
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(path)],
                                                  capture_output=True).returncode == 0:
        return True
    return False


def test_a_read_only_out_dir_is_reported_before_the_checks_run(tmp_path, capsys, no_work):
    ro = tmp_path / "ro"
    if not _read_only(ro):
        pytest.skip("cannot make a directory read-only here (root without chattr)")
    try:
        assert cli.main(["report", *QUICK, "--out-dir", str(ro)]) == 2
        line = one_line_error(capsys, str(ro), "not writable")
        assert ".tmp" not in line
    finally:
        subprocess.run(["chattr", "-i", str(ro)], capture_output=True)
        ro.chmod(0o755)


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_a_configured_but_invalid_mnist_dir_is_an_error_not_a_fallback(tmp_path, capsys, monkeypatch,
                                                                         no_work, how):
    bad = tmp_path / "not-mnist"
    bad.mkdir()
    (bad / "train-images-idx3-ubyte").write_bytes(b"garbage")
    args = ["report", *ROWS, "--mnist-epochs", "1", "--no-progress", "--out-dir", str(tmp_path / "o")]
    if how == "flag":
        args += ["--mnist-dir", str(bad)]
    else:
        monkeypatch.setenv("NNCONF_MNIST_DIR", str(bad))
    assert cli.main(args) == 2
    one_line_error(capsys, str(bad))
    assert not (tmp_path / "o" / "conformance.json").exists()


def test_mnist_with_a_missing_page_stops_before_training_and_keeps_mnist_json(tmp_path, capsys, no_work):
    out = tmp_path / "o"
    out.mkdir()
    (out / "mnist.json").write_text("earlier")
    assert cli.main(["mnist", "--page", str(tmp_path / "missing.md"), "--mnist-dir", str(MNIST),
                     "--out-dir", str(out)]) == 2
    one_line_error(capsys, "missing.md")
    assert (out / "mnist.json").read_text() == "earlier"


@pytest.mark.parametrize("argv, option", [
    (["mnist", "--batch-size", "0"], "--batch-size"),
    (["mnist", "--batch-size", "-1"], "--batch-size"),
    (["mnist", "--steps-per-epoch", "0"], "--steps-per-epoch"),
    (["mnist", "--lr", "nan"], "--lr"),
    (["mnist", "--lr", "0"], "--lr"),
    (["mnist", "--lr", "inf"], "--lr"),
    (["mnist", "--epochs", "-1"], "--epochs"),
    (["mnist", "--seed", "-3"], "--seed"),
    (["mnist", "--out-dir", ""], "--out-dir"),
    (["report", "--mnist-epochs", "-1"], "--mnist-epochs"),
    (["report", "--jobs", "0"], "--jobs"),
    (["report", "--mnist-seeds", "0"], "--mnist-seeds"),
    (["report", "--out-dir", ""], "--out-dir"),
    (["report", "--page", ""], "--page"),
    (["audit", "--listing-timeout", "-1"], "--listing-timeout"),
    (["audit", "--listing-timeout", "nan"], "--listing-timeout"),
    (["audit", "--out-dir", ""], "--out-dir"),
])
def test_numeric_and_path_options_out_of_range_are_one_line_errors(argv, option, capsys, no_work):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    one_line_error(capsys, option)


def test_jobs_is_capped_by_the_rows_and_the_cpus():
    assert parallel.effective_jobs(10000, 3) == min(3, parallel.usable_cpus())
    assert parallel.effective_jobs(10000, 10000) == parallel.usable_cpus()
    assert parallel.effective_jobs(1, 50) == 1


def _python(code: str, env_extra: dict, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **env_extra}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_nnconf_disable_is_honoured_by_mnist_the_frameworks_are_not_even_imported(tmp_path):
    code = (f"import sys; from nnconf.cli import main as cli\n"
            f"rc = cli.main(['mnist', '--epochs', '1', '--steps-per-epoch', '2', '--mnist-dir', {str(MNIST)!r},"
            f" '--no-progress', '--out-dir', {str(tmp_path)!r}])\n"
            "print(rc, sorted(m for m in ('torch', 'jax', 'sklearn.neural_network') if m in sys.modules))")
    r = _python(code, {"NNCONF_DISABLE": "torch,jax,sklearn"})
    assert r.stdout.strip().splitlines()[-1] == "0 []", r.stdout + r.stderr
    assert "torch, jax, sklearn disabled by NNCONF_DISABLE" in r.stderr
    import json
    assert list(json.loads((tmp_path / "mnist.json").read_text())["runs"]) == ["reference"]


@pytest.mark.parametrize("command", [["list"], ["mnist", "--digits", "--epochs", "0"],
                                     ["tables", "--format", "csv"]])
def test_an_unknown_framework_in_nnconf_disable_is_rejected_by_every_command(command, capsys, monkeypatch,
                                                                              no_work):
    monkeypatch.setenv("NNCONF_DISABLE", "bogus")
    assert cli.main(command) == 2
    one_line_error(capsys, "NNCONF_DISABLE", "bogus")


def test_a_closed_pipe_ends_quietly():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen([sys.executable, "-m", "nnconf.cli", "list"], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = p.stdout.readline()  # like `nnconf list | head -1`
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 0 and first and err == ""


def test_debug_is_accepted_after_the_command_and_a_usage_error_still_exits_2(tmp_path, capsys, no_work):
    code = cli.main(["report", *QUICK, "--debug", "--page", str(tmp_path / "nowhere.md"),
                     "--out-dir", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and err.rstrip().splitlines()[-1].startswith("nnconf: error:")


def test_progress_is_plain_lines_when_stderr_is_not_a_terminal(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "nnconf.cli", "report", *ROWS, "--mnist-epochs", "0",
                        "--out-dir", str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=240)
    assert r.returncode == 0, r.stderr
    assert "\r" not in r.stderr
    assert "nnconf: work: started (1 rows)" in r.stderr and "nnconf: work: done" in r.stderr
