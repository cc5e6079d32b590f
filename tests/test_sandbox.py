"""The sandbox the page's listings run in (nnconf.sandbox): without bubblewrap listings do not
run (``unverifiable`` with the reason and how to install it); --unsafe-listings and
--no-listings; the command line, the environment, capped and escaped output, the kill of
everything at the timeout and when nnconf itself is killed; the MNIST loader inside. The
hostile listings: tests/test_sandbox_hostile.py.
"""

import json
import os
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from nnconf import sandbox
from nnconf.audit import listings
from nnconf.cli import main as cli

from .listing_pages import page_and_catalogue, processes_with

ROOT = Path(__file__).resolve().parents[1]
SECRET_VAR = "NNCONF_TEST_SECRET"


# ------------------------------------------------------------------ without bubblewrap
def test_without_bubblewrap_listings_do_not_run_and_say_how_to_install(tmp_path, capsys):
    marker = tmp_path / "ran"
    page, cat = page_and_catalogue(tmp_path, {"plain": f"open({str(marker)!r}, 'w').write('x')\nprint(1)"})
    code = cli.main(["audit", "--page", str(page), "--claims", str(cat), "--out-dir", str(tmp_path / "out"),
                     "--no-progress", "--results", "", "--fail-on", "wrong",
                     "--bwrap", str(tmp_path / "no-such-bwrap")])
    out = capsys.readouterr().out
    doc = json.loads((tmp_path / "out" / "conformance.json").read_text())
    rec = doc["claims"][0]
    assert rec["verdict"] == "unverifiable" and "bubblewrap is not installed" in rec["explanation"]
    assert "apt-get install bubblewrap" in rec["explanation"] and "--unsafe-listings" in rec["explanation"]
    assert doc["audit"]["listings"]["mode"] == "not run" and "no-such-bwrap" in doc["audit"]["listings"]["why"]
    assert "listings: not run: bubblewrap is not installed" in out
    assert not marker.exists() and code == 0


def test_a_broken_bubblewrap_is_not_a_sandbox(tmp_path):
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\n[ \"$1\" = --version ] && echo 'bubblewrap 0.0' && exit 0\n"
                    "echo 'bwrap: No permissions to creating new namespace' >&2; exit 1\n")
    fake.chmod(0o755)
    found = sandbox.available(str(fake))
    assert not found.ok and "cannot start a sandbox here" in found.reason and "namespace" in found.reason
    with pytest.raises(sandbox.SandboxError):
        listings.run("print(1)", settings=sandbox.Settings(bwrap=str(fake)))


def test_unsafe_listings_run_only_by_name_and_the_report_says_so(tmp_path, capsys):
    page, cat = page_and_catalogue(tmp_path, {"plain": "print(41 + 1)"})
    cli.main(["audit", "--page", str(page), "--claims", str(cat), "--out-dir", str(tmp_path / "out"),
              "--no-progress", "--results", "", "--unsafe-listings", "--bwrap", str(tmp_path / "none")])
    doc = json.loads((tmp_path / "out" / "conformance.json").read_text())
    assert doc["claims"][0]["listing_run"]["mode"] == "unsafe" and doc["claims"][0]["verdict"] == "confirmed"
    assert doc["audit"]["listings"]["mode"] == "unsafe"
    assert "ran UNSAFE" in (tmp_path / "out" / "conformance.md").read_text()
    assert "listings: ran UNSAFE" in capsys.readouterr().out


def test_no_listings_runs_none(tmp_path):
    marker = tmp_path / "ran"
    page, cat = page_and_catalogue(tmp_path, {"plain": f"open({str(marker)!r}, 'w').write('x')"})
    cli.main(["audit", "--page", str(page), "--claims", str(cat), "--out-dir", str(tmp_path / "out"),
              "--no-progress", "--results", "", "--no-listings"])
    doc = json.loads((tmp_path / "out" / "conformance.json").read_text())
    assert doc["claims"][0]["verdict"] == "unverifiable" and "--no-listings" in doc["claims"][0]["explanation"]
    assert doc["audit"]["listings"] == {**doc["audit"]["listings"], "mode": "not run", "why": "--no-listings"}
    assert not marker.exists()


# ------------------------------------------------------------------ the runner's parts
def test_command_line_shares_nothing_writable_but_the_work_directory(tmp_path):
    job = sandbox.Job(argv=("python3", "-c", "pass"), workdir=tmp_path, env={},
                      ro_binds=(Path("/work/shared/mnist"),) if Path("/work/shared/mnist").is_dir() else ())
    for privileged in (True, False):
        argv = sandbox.command("bwrap", job, privileged=privileged)
        opts = argv[:argv.index("--")]
        assert "--die-with-parent" in opts and "--new-session" in opts
        assert ("--unshare-net" in opts and "--unshare-pid" in opts) if privileged else "--unshare-all" in opts
        assert "--share-net" not in opts
        writable = [opts[i + 2] for i, a in enumerate(opts) if a in ("--bind", "--bind-try", "--dev-bind")]
        assert writable == [str(tmp_path.resolve())], writable
        read_only = [opts[i + 2] for i, a in enumerate(opts) if a in ("--ro-bind", "--ro-bind-try")]
        home = str(Path.home())
        assert not any(p == "/" or p == home or p == str(ROOT) or str(ROOT).startswith(p + "/")
                       and p not in ("/usr",) for p in read_only), read_only
    assert argv[argv.index("--") + 1:] == list(job.argv)


def test_environment_is_an_allow_list(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET_VAR, "nope")
    env = sandbox.environment(home=tmp_path, extra={"NNCONF_LISTING_MNIST_DIR": "/x"})
    assert set(env) == {"PATH", "HOME", "LANG", "TMPDIR", "MPLBACKEND", "PYTHONDONTWRITEBYTECODE",
                        "NNCONF_LISTING_MNIST_DIR"}
    assert env["HOME"] == str(tmp_path) and env["MPLBACKEND"] == "Agg" and "nope" not in env.values()


def test_output_is_capped_and_escaped():
    run = listings.run("import sys\nsys.stdout.write('\\x1b[31mred\\r' * 10 + 'x' * 5_000_000)\nprint('end')",
                       settings=sandbox.Settings(limits=sandbox.Limits(output_bytes=65536, timeout_s=60)))
    assert run.truncated and len(run.stdout) < 70_000 and run.stdout.rstrip().endswith("end")
    rec = listings.record(run)
    assert len(rec["stdout_tail"]) <= listings.TAIL and "\x1b" not in rec["stdout_tail"]
    assert "\\x1b" in listings.printable("\x1b[31m") and "environ" not in json.dumps(rec)


def test_timeout_kills_grandchildren_too():
    marker = f"3599.{uuid.uuid4().int % 10**6}"
    code = f"import subprocess\nsubprocess.Popen(['sleep', '{marker}'])\nsubprocess.Popen(['sh', '-c', " \
           f"'sleep {marker}'], start_new_session=True)\nwhile True:\n    pass\n"
    run = listings.run(code, settings=sandbox.Settings(limits=sandbox.Limits(timeout_s=2)))
    assert run.timed_out and run.returncode is None and run.mode == "sandboxed"
    assert processes_with(marker) == []


def test_loader_shim_serves_local_mnist_inside_the_sandbox():
    code = textwrap.dedent("""
        from sklearn.datasets import fetch_openml
        m = fetch_openml('mnist_784', version=1, as_frame=False, parser='auto')
        print(m.data.shape, m.data.max(), m.data.dtype, m.target[:3].tolist(), m.target.astype(int)[60000])
    """)
    mnist = listings.mnist_dir(os.environ.get("NNCONF_MNIST_DIR") or str(ROOT.parent / "shared" / "mnist"))
    run = listings.run(code, settings=sandbox.Settings(limits=sandbox.Limits(timeout_s=120)), mnist_dir=mnist)
    assert run.returncode == 0 and run.mode == "sandboxed", run.stderr
    assert run.stdout.startswith("(70000, 784) 255.0 float64 ['5', '0', '4'] 7") and run.redirected_loader


@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
def test_killing_nnconf_kills_the_sandbox(tmp_path, how):
    """kill -9 (or Ctrl-C) of nnconf while a listing runs: nothing of the listing survives."""
    import signal
    import subprocess
    marker = f"3598.{uuid.uuid4().int % 10**6}"
    code = (f"import subprocess\nsubprocess.Popen(['sleep', '{marker}'], start_new_session=True)\n"
            "while True:\n    pass\n")
    page, cat = page_and_catalogue(tmp_path, {"spin": code})
    proc = subprocess.Popen([sys.executable, "-m", "nnconf.cli", "audit", "--page", str(page), "--claims", str(cat),
                             "--no-write", "--no-progress", "--results", ""], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with(marker), "the listing never started"
    proc.send_signal(getattr(signal, how))
    err = proc.communicate(timeout=30)[1].decode()
    deadline = time.monotonic() + 5
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with(marker) == []
    if how == "SIGINT":
        assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, err


def test_probe_result_is_cached_and_states_how_it_runs():
    found = sandbox.available()
    assert found.ok, found.reason  # CI installs bubblewrap (.ci/run); see docs/sandbox.md
    assert "bubblewrap" in found.reason and sandbox.available() is found


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
