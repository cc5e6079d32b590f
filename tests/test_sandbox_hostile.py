"""The page's listings are untrusted input: hostile listings under `nnconf audit` (issue 13).

One audit runs a page of hostile listings (network by every route, writes outside the work
directory and into HOME, a secret in the environment, a fork bomb, a 30 GB allocation, memory
touched past the limit, ``while True``, detached grandchildren) with small limits. For each:
nothing reaches a listener on 127.0.0.1, no file appears outside, no secret is in any report
file, no process of the listing is left once the audit returns, and the command still ends
with a report that says the listings ran sandboxed. (Without bubblewrap, and the runner's
parts: tests/test_sandbox.py.)
"""

import json
import os
import socket
import tempfile
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

from nnconf.cli import main as cli

from .listing_pages import page_and_catalogue, processes_with

ROOT = Path(__file__).resolve().parents[1]
SECRET_VAR = "NNCONF_TEST_SECRET"
DELAY = 2.0  # seconds a detached grandchild waits before it writes


class Listener:
    """A TCP and a UDP socket on 127.0.0.1 recording everything that reaches them."""

    def __init__(self):
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.tcp_port, self.udp_port = self.tcp.getsockname()[1], self.udp.getsockname()[1]
        self.connections, self.data, self.stop = 0, [], False
        for target in (self._tcp, self._udp):
            threading.Thread(target=target, daemon=True).start()

    def _tcp(self):
        self.tcp.settimeout(0.2)
        while not self.stop:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                continue
            self.connections += 1
            conn.settimeout(1.0)
            try:
                self.data.append(conn.recv(4096))
            except OSError:
                pass
            conn.close()

    def _udp(self):
        self.udp.settimeout(0.2)
        while not self.stop:
            try:
                self.data.append(self.udp.recv(4096))
            except OSError:
                continue

    def close(self):
        self.stop = True
        time.sleep(0.3)
        self.tcp.close()
        self.udp.close()


def _hostile(tcp: int, udp: int, outside: Path, home: Path, token: str, sleeper: str) -> dict[str, str]:
    """name -> listing code; every listing's markers contain ``token`` (a detached sleeper's
    argument is ``sleeper``)."""
    connect = f"socket.create_connection(('127.0.0.1', {tcp}), timeout=2).sendall(b'{token}-%s')"
    late_file = outside / f"{token}-late"
    return {
        "tcp": f"import socket\n{connect % 'tcp'}\n",
        "connect_ex": textwrap.dedent(f"""
            import socket
            s = socket.socket(); s.settimeout(2)
            print('connect_ex', s.connect_ex(('127.0.0.1', {tcp})))
            s.send(b'{token}-connect_ex')
        """),
        "raw_socket": textwrap.dedent(f"""
            import _socket
            s = _socket.socket(); s.settimeout(2)
            s.connect(('127.0.0.1', {tcp})); s.send(b'{token}-raw')
        """),
        "udp": textwrap.dedent(f"""
            import socket
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'{token}-udp', ('127.0.0.1', {udp}))
            print('sent')
        """),
        "child_process": textwrap.dedent(f"""
            import os, subprocess, sys
            code = "import socket; {connect % 'child'}"
            subprocess.run([sys.executable, '-c', code])
            os.system(f"{{sys.executable}} -c \\"{{code}}\\"")
            subprocess.run(['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/{tcp}; echo {token}-bash >&3'])
        """),
        "write_outside": textwrap.dedent(f"""
            import os
            for path in [{str(outside / token)!r}, {str(ROOT / 'nnconf' / f'_{token}.py')!r},
                         '/tmp/{token}', '/var/tmp/{token}', '/{token}']:
                try:
                    with open(path, 'w') as f:
                        f.write('planted')
                    print('wrote', path)
                except OSError as exc:
                    print('refused', path, exc)
        """),
        "write_home": textwrap.dedent(f"""
            import os
            for path in [{str(home / token)!r}, '/root/{token}', os.path.expanduser('~/{token}-inside')]:
                try:
                    with open(path, 'w') as f:
                        f.write('planted')
                    print('wrote', path)
                except OSError as exc:
                    print('refused', path, exc)
        """),
        "secret_env": textwrap.dedent(f"""
            import os
            print(dict(os.environ))
            print(os.environ.get({SECRET_VAR!r}))
            for p in ('/proc/self/environ', '/proc/1/environ', '/proc/{os.getpid()}/environ'):
                try:
                    print(open(p, 'rb').read())
                except OSError as exc:
                    print('refused', p, exc)
        """),
        "fork_bomb": textwrap.dedent("""
            import os
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
        """),
        "alloc_30gb": textwrap.dedent("""
            big = bytearray(30 * 1024 ** 3)
            big[::4096] = b'x' * len(big[::4096])
        """),
        "touch_memory": "import time\nblob = b'x' * (800 * 1024 ** 2)\ntime.sleep(30)\n",
        "while_true": "while True:\n    pass\n",
        "detached": textwrap.dedent(f"""
            import os, subprocess, sys, time
            subprocess.Popen(['sleep', '{sleeper}'], start_new_session=True)
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep({DELAY})
                    with open({str(late_file)!r}, 'w') as f:
                        f.write('late')
                    with open(os.path.expanduser('~/late'), 'w') as f:
                        f.write('late')
                os._exit(0)
            print('parent exits')
        """),
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    outside, home, work_root, out = (tmp / d for d in ("outside", "home", "work", "out"))
    for d in (outside, home, work_root, tmp / "limits", tmp / "memory"):
        d.mkdir()
    token = f"nnconf-hostile-{uuid.uuid4().hex[:10]}"
    sleeper = f"3600.{uuid.uuid4().int % 10**6}"  # a unique sleep argument, findable in /proc
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    listener = Listener()
    codes = _hostile(listener.tcp_port, listener.udp_port, outside, home, token, sleeper)
    # two audits: the listings that a memory limit must stop get a generous timeout, so that on a
    # busy machine (xdist's other worker, the fork bomb just before) a slow start cannot make the
    # timeout stop them first; the others get 4 s, so the fork bomb and `while True` end soon
    memory = ("touch_memory", "alloc_30gb")
    runs = [(page_and_catalogue(tmp / "limits", {k: v for k, v in codes.items() if k not in memory}), "4", out),
            (page_and_catalogue(tmp / "memory", {k: codes[k] for k in memory}), "120", tmp / "out-memory")]
    saved_env, saved_tmp = dict(os.environ), tempfile.tempdir
    # nnconf's own results cache goes elsewhere: HOME must show only what the listings wrote
    os.environ.update({SECRET_VAR: secret, "HOME": str(home), "XDG_CACHE_HOME": str(tmp / "nnconf-cache")})
    tempfile.tempdir = str(work_root)  # the listings' work directories: findable in /proc
    planted = [ROOT / "nnconf" / f"_{token}.py", Path("/root") / token, Path("/tmp") / token,
               Path("/var/tmp") / token, Path("/") / token]
    try:
        started = time.monotonic()
        code = 0
        for (page, cat), timeout, out_dir in runs:
            code = max(code, cli.main(["audit", "--page", str(page), "--claims", str(cat), "--out-dir", str(out_dir),
                                       "--no-progress", "--results", "", "--fail-on", "wrong",
                                       "--listing-timeout", timeout, "--listing-processes", "16",
                                       "--listing-memory", "512M", "--listing-address-space", "2G",
                                       "--listing-cpu", "10"]))
        seconds = time.monotonic() - started
        left = processes_with(str(work_root)) + processes_with(token) + processes_with(sleeper)
        time.sleep(DELAY + 1.0)  # the detached grandchild's moment, had it survived
        listener.close()
        outside_files = sorted(p.name for p in outside.iterdir())
        home_files = sorted(p.name for p in home.iterdir())
        escaped = [str(p) for p in planted if p.exists()]
        yield {"code": code, "seconds": seconds, "left": left, "listener": listener, "outs": [r[2] for r in runs],
               "outside": outside_files, "home": home_files, "escaped": escaped, "secret": secret,
               "token": token, "names": list(codes)}
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        tempfile.tempdir = saved_tmp
        for p in planted:
            if p.exists():
                p.unlink()


def _records(hostile) -> dict:
    docs = [json.loads((out / "conformance.json").read_text()) for out in hostile["outs"]]
    return {r["id"]: r for doc in docs for r in doc["claims"]}


def test_hostile_audit_ends_with_a_report_that_says_sandboxed(hostile):
    assert hostile["code"] in (0, 1), hostile["code"]
    assert hostile["seconds"] < 120, hostile["seconds"]  # every listing is stopped, none hangs the audit
    for out in hostile["outs"]:
        doc = json.loads((out / "conformance.json").read_text())
        assert doc["audit"]["listings"]["mode"] == "sandboxed", doc["audit"]["listings"]
        for name in ("conformance.md", "conformance.html"):
            assert "ran sandboxed" in (out / name).read_text()
    assert set(_records(hostile)) == {f"h.{n}" for n in hostile["names"]}


NETWORK = ["tcp", "connect_ex", "raw_socket", "udp", "child_process"]


@pytest.mark.parametrize("name", NETWORK)
def test_hostile_listing_reaches_no_listener(hostile, name):
    rec = _records(hostile)[f"h.{name}"]
    assert rec["listing_run"]["mode"] == "sandboxed"
    got = b"".join(hostile["listener"].data)
    assert hostile["listener"].connections == 0 and hostile["token"].encode() not in got, got


def test_hostile_tcp_listings_fail_and_are_not_confirmed(hostile):
    recs = _records(hostile)
    for name in ("tcp", "raw_socket"):
        assert recs[f"h.{name}"]["verdict"] == "false", recs[f"h.{name}"]
        assert "unreachable" in recs[f"h.{name}"]["listing_run"]["stderr_tail"].lower() or \
            "refused" in recs[f"h.{name}"]["listing_run"]["stderr_tail"].lower()


@pytest.mark.parametrize("name", ["write_outside", "write_home", "detached"])
def test_hostile_listing_leaves_no_file_outside(hostile, name):
    assert _records(hostile)[f"h.{name}"]["listing_run"]["mode"] == "sandboxed"
    assert hostile["outside"] == [] and hostile["home"] == [] and hostile["escaped"] == [], hostile


def test_hostile_listing_reads_no_secret_and_no_report_file_holds_one(hostile):
    rec = _records(hostile)["h.secret_env"]
    assert rec["listing_run"]["mode"] == "sandboxed" and rec["listing_run"]["returncode"] == 0
    for path in (p for out in hostile["outs"] for p in out.rglob("*")):
        if path.is_file():
            assert hostile["secret"] not in path.read_text(errors="replace"), path
    assert SECRET_VAR not in rec["listing_run"]["stdout_tail"]


@pytest.mark.parametrize("name", ["fork_bomb", "while_true", "touch_memory", "alloc_30gb", "detached"])
def test_hostile_listing_leaves_no_process(hostile, name):
    assert _records(hostile)[f"h.{name}"]["listing_run"]["mode"] == "sandboxed"
    assert hostile["left"] == [], hostile["left"]


def test_hostile_limits_stop_the_run_and_name_the_limit(hostile):
    recs = _records(hostile)
    for name in ("fork_bomb", "while_true"):
        assert recs[f"h.{name}"]["verdict"] == "unverifiable" and "timed out after 4 s" in \
            recs[f"h.{name}"]["explanation"], recs[f"h.{name}"]
    assert "used more than 512 MiB of memory" in recs["h.touch_memory"]["explanation"], recs["h.touch_memory"]
    assert "MemoryError" in recs["h.alloc_30gb"]["listing_run"]["stderr_tail"]
    assert recs["h.alloc_30gb"]["verdict"] == "unverifiable" and "address space" in recs["h.alloc_30gb"]["explanation"]
