"""Long runs that stop cleanly and reports written as one set (issue 11, items 1 and 2).

Each test reproduces a line of the issue: Ctrl-C (once, twice), SIGTERM and ``kill -9`` of a
``report --jobs 2`` run; two runs into one ``--out-dir``; an interrupt swallowed on its way; an
interrupt after the figures were drawn; an out-dir whose name is not UTF-8. The signal tests
run ``nnconf report`` in its own process group, as a terminal runs a command, and send the
signal the way a terminal does (to the whole group) or, for ``kill -9``, to the main process
only. Rows are scikit-learn and reference rows under the 'thorough' profile: ~30 s of work on
two workers, with no torch or JAX to import, so each test takes a few seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nnconf.cli import main as cli
from nnconf.report import build as report
from nnconf.run import interrupts, output, work

ROOT = Path(__file__).resolve().parents[1]
SLOW_ROWS = ["--only", "act.*", "--only", "loss.*", "--only", "optim.*", "--only", "init.*", "--only", "minibatch.*",
             "--oracle", "sklearn", "--oracle", "reference", "--profile", "thorough"]
SMALL = ["report", "--profile", "ci", "--only", "act.relu.value", "--oracle", "sklearn",
         "--mnist-epochs", "0", "--jobs", "1", "--no-progress", "--no-figures"]


def _group(pgid: int) -> list[int]:
    """The processes still alive in process group ``pgid`` (zombies excluded)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


def _wait_gone(pgid: int, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = _group(pgid)
        if not left:
            return []
        time.sleep(0.1)
    return _group(pgid)


class Run:
    """``nnconf report`` in a subprocess of its own process group; stderr collected."""

    def __init__(self, out: Path, *extra: str):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nnconf.cli", "report", *SLOW_ROWS, "--jobs", "2", "--mnist-epochs", "0",
             "--no-figures", "--out-dir", str(out), *extra],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        self.err: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.err.append(line)

    def wait_for(self, text: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not any(text in line for line in self.err):
            assert self.proc.poll() is None, f"exited early: {''.join(self.err)}"
            assert time.monotonic() < deadline, f"no {text!r} on stderr: {''.join(self.err)}"
            time.sleep(0.05)

    def workers_started(self) -> None:
        self.wait_for("work: started")
        deadline = time.monotonic() + 30
        while len(_group(self.proc.pid)) < 3:  # main + 2 workers (+ loky's resource tracker)
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.05)
        time.sleep(1.0)  # the workers are inside rows now

    def finish(self, seconds: float = 30) -> tuple[int, float]:
        started = time.monotonic()
        code = self.proc.wait(timeout=seconds)
        self._reader.join(5)
        return code, time.monotonic() - started


@pytest.fixture
def previous(tmp_path) -> tuple[Path, dict]:
    """An out-dir holding a complete earlier report set (bytes remembered)."""
    out = tmp_path / "out"
    assert cli.main([*SMALL, "--out-dir", str(out)]) == 0
    (out / "mnist.png").write_bytes(b"an earlier run's figure")
    return out, _files(out)


def _files(out: Path) -> dict:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.name != output.LOCK_NAME and p.is_file()}


def test_one_ctrl_c_stops_jobs_2_within_two_seconds_and_keeps_the_previous_set(previous, capsys):
    out, before = previous
    run = Run(out)
    run.workers_started()
    # meanwhile, a second run into the same directory fails at once, with one line
    started = time.monotonic()
    assert cli.main([*SMALL, "--out-dir", str(out)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert time.monotonic() - started < 10 and len(err) == 1 and "another nnconf run" in err[0], err
    os.killpg(run.proc.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole group
    code, seconds = run.finish()
    assert code == 130, "".join(run.err)
    assert seconds < 2.5, f"{seconds:.2f} s from Ctrl-C to exit"
    assert not _wait_gone(run.proc.pid, 3), "worker processes survived"
    assert _files(out) == before  # the previous set, byte for byte; no staging leftovers
    assert "Traceback" not in "".join(run.err)


def test_a_second_ctrl_c_ends_at_once_without_tracebacks(previous):
    out, before = previous
    run = Run(out)
    run.workers_started()
    os.killpg(run.proc.pid, signal.SIGINT)
    time.sleep(0.05)
    os.killpg(run.proc.pid, signal.SIGINT)
    code, seconds = run.finish()
    assert code == 130 and seconds < 2.5
    assert "Traceback" not in "".join(run.err)
    assert not _wait_gone(run.proc.pid, 3)
    leftovers = [p for p in out.iterdir() if p.name.startswith(output.STAGING_PREFIX)]
    assert _files(out) == before
    # a staging directory a killed run leaves behind is removed by the next run
    assert cli.main([*SMALL, "--out-dir", str(out)]) == 0
    assert not [p for p in out.iterdir() if p.name.startswith(output.STAGING_PREFIX)], leftovers


def test_sigterm_stops_the_run_like_ctrl_c(previous):
    out, before = previous
    run = Run(out)
    run.workers_started()
    os.kill(run.proc.pid, signal.SIGTERM)
    code, seconds = run.finish()
    assert code == 143 and seconds < 2.5, "".join(run.err)
    assert not _wait_gone(run.proc.pid, 3)
    assert _files(out) == before


def test_kill_9_of_the_main_process_leaves_no_worker_behind(previous):
    out, before = previous
    run = Run(out)
    run.workers_started()
    os.kill(run.proc.pid, signal.SIGKILL)
    run.finish()
    left = _wait_gone(run.proc.pid, 5)
    assert not left, f"orphans: {left}"
    assert _files(out) == before


def test_a_swallowed_interrupt_still_stops_the_run(previous, monkeypatch):
    out, before = previous
    real = work.run

    def swallowing(*args, **kwargs):
        try:
            os.kill(os.getpid(), signal.SIGINT)  # the handler raises here ...
            time.sleep(0.5)
        except KeyboardInterrupt:
            pass  # ... and someone swallows it ("Exception ignored in ...")
        return real(*args, **kwargs)

    monkeypatch.setattr(work, "run", swallowing)
    assert cli.main([*SMALL, "--out-dir", str(out)]) == 130
    assert _files(out) == before


def test_an_interrupt_after_the_figures_were_drawn_keeps_every_earlier_file(previous, monkeypatch):
    out, before = previous

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "write", interrupted)  # the figures exist in staging by now
    code = cli.main(["report", "--profile", "ci", "--only", "act.relu.value", "--oracle", "sklearn",
                     "--mnist-epochs", "0", "--jobs", "1", "--no-progress", "--out-dir", str(out)])
    assert code == 130
    assert _files(out) == before


def test_wait_queues_behind_the_run_holding_the_directory(tmp_path, capsys):
    out = tmp_path / "out"
    holder = output.OutputSet(out, command="test holder")
    holder.__enter__()
    threading.Timer(1.0, holder.__exit__, (None, None, None)).start()
    started = time.monotonic()
    assert cli.main([*SMALL, "--out-dir", str(out), "--wait"]) == 0
    assert time.monotonic() - started >= 0.9
    assert (out / "conformance.json").is_file()


def test_staging_names_are_unique_and_the_set_appears_at_once(tmp_path):
    out = tmp_path / "out"
    with output.OutputSet(out) as a:
        first = a.dir
        a.path("x.json").write_text("1")
        assert not (out / "x.json").exists()  # nothing in place before the commit
        a.commit()
    with output.OutputSet(out) as b:
        assert b.dir != first
    assert (out / "x.json").read_text() == "1"
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [output.LOCK_NAME]


def test_an_out_dir_whose_name_is_not_utf8_gets_the_whole_set(tmp_path):
    out = Path(os.fsdecode(bytes(tmp_path) + b"/bad\xffdir"))
    code = cli.main([*SMALL, "--out-dir", str(out), "--no-listings", "--page",
                     str(ROOT.parent / "shared" / "page" / "neural-network-basics.md")])
    assert code == 0
    assert {"conformance.json", "conformance.md", "conformance.html", "conventions.json"} <= set(os.listdir(out))
    json.loads((out / "conformance.json").read_text(encoding="utf-8"))


def test_interrupt_state_is_reset_between_commands():
    with interrupts.handling():
        assert interrupts.received() is None
