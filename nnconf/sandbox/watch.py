"""Running a job: started by the launcher (limits, user), a watch loop (timeout, memory, disk), capped output,
and the kill of everything it started."""

from __future__ import annotations

import errno
import json
import os
import re
import selectors
import signal
import subprocess
import time
from pathlib import Path

from nnconf.sandbox.command import command, launcher
from nnconf.sandbox.spec import SANDBOX_GID, SANDBOX_UID, Job, Limits, Result, size_text


def _tasks_of(uid: int) -> int:
    """Tasks (processes and threads) the kernel counts against ``uid``'s RLIMIT_NPROC."""
    n = 0
    for pid in _pids():
        if not pid.isdigit():
            continue
        try:
            status = Path("/proc", pid, "status").read_text()
        except OSError:
            continue
        m, t = re.search(r"^Uid:\s+(\d+)", status, re.M), re.search(r"^Threads:\s+(\d+)", status, re.M)
        if m and int(m.group(1)) == uid:
            n += int(t.group(1)) if t else 1
    return n


def _pids() -> list[str]:
    try:
        return os.listdir("/proc")
    except OSError:  # no /proc (not Linux): nothing to count or to find
        return []


def _members(scope, *, with_bwrap: bool = True) -> list[int]:
    """Processes of the job: ``scope`` is its pid namespace (``"pid:[…]"``, sandboxed) or its
    session id (an int, unsafe); None (the namespace not known yet) gives none. Without
    ``with_bwrap``, bwrap's own process inside the namespace is left out."""
    if scope is None:
        return []
    out = []
    for pid in _pids():
        if not pid.isdigit():
            continue
        try:
            head, rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
            fields = rest.split()
            if fields[0] in "ZX":  # a zombie holds nothing but its entry; its parent reaps it
                continue
            if not with_bwrap and head.endswith("(bwrap"):
                continue
            if (os.readlink(f"/proc/{pid}/ns/pid") == scope if isinstance(scope, str)
                    else int(fields[3]) == scope):
                out.append(int(pid))
        except (OSError, ValueError, IndexError):
            continue
    return out


def _rss(pids) -> int:
    total, page = 0, os.sysconf("SC_PAGE_SIZE")
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
    return total


def _disk(path: Path, limit: int) -> int:
    """Bytes under ``path`` (stops counting past ``limit``; each entry counts a block)."""
    total, stack = 0, [str(path)]
    while stack and total <= limit:
        try:
            with os.scandir(stack.pop()) as it:
                for e in it:
                    try:
                        st = e.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    total += max(st.st_size, 4096) if not e.is_dir(follow_symlinks=False) else 4096
                    if e.is_dir(follow_symlinks=False):
                        stack.append(e.path)
        except OSError:
            continue
    return total


class _Capped:
    """The first and last ``cap // 2`` bytes of a stream."""

    def __init__(self, cap: int):
        self.half, self.head, self.tail, self.total = cap // 2, bytearray(), bytearray(), 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.half - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        self.tail += data
        if len(self.tail) > self.half:
            del self.tail[:len(self.tail) - self.half]

    def text(self) -> str:
        dropped = self.total - len(self.head) - len(self.tail)
        mid = f"\n[… {dropped} bytes dropped by nnconf …]\n".encode() if dropped else b""
        return bytes(self.head + mid + self.tail).decode("utf-8", errors="replace")


def _kill(proc: subprocess.Popen, members) -> None:
    for pid in members:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass


def run(job: Job, limits: Limits, *, bwrap: str | None) -> Result:
    """Run ``job`` under ``bwrap`` (``None``: unsafe, no sandbox), watched, and make sure nothing
    of it is left when this returns."""
    privileged = bwrap is not None and os.geteuid() == 0
    uid = SANDBOX_UID if privileged else os.getuid()
    if privileged:
        os.chown(job.workdir, SANDBOX_UID, SANDBOX_GID)
    launch = launcher(limits, nproc=_tasks_of(uid) + limits.processes, drop=privileged,
                      cwd=Path(os.path.realpath(job.workdir)))
    info_r = info_w = None
    if bwrap is not None:
        info_r, info_w = os.pipe()
        argv = command(bwrap, job, privileged=privileged, info_fd=info_w, tmpfs_bytes=limits.tmpfs_bytes,
                       launch=launch)
    else:
        argv = launch + list(job.argv)
    started = time.perf_counter()
    try:
        proc = subprocess.Popen(argv, cwd="/" if privileged else job.workdir, env=dict(job.env),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True,
                                pass_fds=(info_w,) if info_w is not None else ())
    except OSError as exc:
        for fd in (info_r, info_w):
            if fd is not None:
                os.close(fd)
        return Result(mode="sandboxed" if bwrap else "unsafe", returncode=127, stdout="",
                      stderr=f"cannot start {argv[0]}: {exc.strerror or exc}", seconds=0.0)
    if info_w is not None:
        os.close(info_w)
    out, err, info = _Capped(limits.output_bytes), _Capped(limits.output_bytes), bytearray()
    sel = selectors.DefaultSelector()
    for f, sink in ((proc.stdout, out), (proc.stderr, err)):
        os.set_blocking(f.fileno(), False)
        sel.register(f, selectors.EVENT_READ, sink)
    if info_r is not None:
        os.set_blocking(info_r, False)
        sel.register(info_r, selectors.EVENT_READ, info)
    scope = None if bwrap is not None else proc.pid  # the pid namespace, once bwrap names it
    killed, timed_out, peak, last_watch, last_disk = None, False, 0, 0.0, 0.0
    try:
        while True:
            for key, _ in sel.select(timeout=0.05):
                if _take(sel, key, info) and scope is None:
                    scope = _pid_ns(info)
            now = time.perf_counter()
            if proc.poll() is not None:
                break
            if now - started > limits.timeout_s:
                killed, timed_out = f"timed out after {limits.timeout_s:g} s", True
                break
            if now - last_watch >= 0.1:
                last_watch = now
                rss = _rss(_members(scope))
                peak = max(peak, rss)
                if rss > limits.memory_bytes:
                    killed = f"used more than {size_text(limits.memory_bytes)} of memory (all its processes)"
                    break
            if now - last_disk >= 0.5:
                last_disk = now
                if _disk(job.workdir, limits.disk_bytes) > limits.disk_bytes:
                    killed = f"wrote more than {size_text(limits.disk_bytes)} into its work directory"
                    break
    finally:  # a timeout, a watched limit, an exception or Ctrl-C here: kill all of it
        if proc.poll() is None or killed:
            _kill(proc, _members(scope))
        proc.wait()
        left = _reap(scope)
        _drain(sel, info)
        sel.close()
        for f in (proc.stdout, proc.stderr):
            f.close()
        if info_r is not None:
            os.close(info_r)
    seconds = time.perf_counter() - started
    sig = None
    code = proc.returncode
    if code < 0:
        sig = signal.Signals(-code).name
    elif bwrap is not None and code > 128:  # bwrap reports a child killed by signal N as 128 + N
        sig = _signal_name(code - 128)
    kept = len(out.head) + len(out.tail) + len(err.head) + len(err.tail)
    return Result(mode="sandboxed" if bwrap else "unsafe", returncode=None if killed else code,
                  stdout=out.text(), stderr=err.text(), seconds=seconds, timed_out=timed_out,
                  killed=killed, truncated=out.total + err.total > kept, left_behind=left,
                  peak_rss_bytes=peak, signal=None if killed else sig)


def _read(fd: int) -> bytes | None:
    """Up to 64 KiB from a non-blocking pipe: b"" at its end, None when nothing is there yet."""
    try:
        return os.read(fd, 65536)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def _signal_name(n: int) -> str | None:
    try:
        return signal.Signals(n).name
    except ValueError:
        return None


def _pid_ns(info: bytearray) -> str | None:
    """The sandbox's pid namespace, from bwrap's --info-fd JSON (None until it is complete)."""
    try:
        doc = json.loads(bytes(info).decode())
    except ValueError:
        return None
    if "pid-namespace" in doc:
        return f"pid:[{doc['pid-namespace']}]"
    try:  # older bwrap: only the child's pid
        return os.readlink(f"/proc/{int(doc['child-pid'])}/ns/pid")
    except (OSError, KeyError, TypeError, ValueError):
        return None


def _reap(scope) -> int:
    """Kill what is left of the job one by one until /proc shows none of it (at most 5 s);
    returns how many of its processes (bwrap's own not counted) were still there."""
    seen, deadline = set(), time.monotonic() + 5.0
    while time.monotonic() < deadline:
        left = _members(scope)
        if not left:
            break
        seen.update(_members(scope, with_bwrap=False))
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError as exc:
                if exc.errno != errno.ESRCH:
                    raise
        time.sleep(0.05)
    return len(seen)


def _drain(sel, info: bytearray) -> None:
    """What is still in the pipes once every process of the job is gone (at most 1 s)."""
    deadline = time.monotonic() + 1.0
    while sel.get_map() and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.05):
            _take(sel, key, info)


def _take(sel, key, info: bytearray) -> bool:
    """Read what one ready pipe holds into its sink (``info`` or a :class:`_Capped`); at its
    end, stop watching it. True when bwrap's info pipe received bytes."""
    data = _read(key.fd)
    if data is None:
        return False
    if not data:
        sel.unregister(key.fileobj)
        return False
    if key.data is info:
        info += data
        return True
    key.data.add(data)
    return False
