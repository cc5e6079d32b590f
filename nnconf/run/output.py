"""Writing a command's output files as one set, safely beside other runs.

A command that writes reports opens an :class:`OutputSet` on its ``--out-dir`` before its long
work starts:

1. the directory is checked (not empty as a name, not a regular file, creatable, writable) —
   a bad one is a one-line error naming it, before anything runs;
2. a lock (``fcntl.flock`` on ``OUT_DIR/.nnconf.lock``) is taken: a second concurrent run on
   the same directory fails at once with one line naming the holder, or waits for it with
   ``wait=True`` (``--wait``). The kernel releases the lock when its holder dies, ``kill -9``
   included;
3. staging directories that earlier runs left behind (killed before they finished) are removed
   — the lock guarantees that no live run owns them;
4. every file of the run is written into a fresh staging directory
   ``OUT_DIR/.nnconf-staging-XXXXXXXX`` (unique name; figures included);
5. :meth:`OutputSet.commit` moves them into place, one ``os.replace`` each, only once all of
   them exist and no interrupt is pending, with SIGINT/SIGTERM held back meanwhile. Until then
   the previous set is untouched; after it, the whole new set is there.

Leaving the ``with`` block without a commit (an error, Ctrl-C) removes the staging directory.
"""

from __future__ import annotations

import fcntl
import math
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from nnconf.run import interrupts

LOCK_NAME = ".nnconf.lock"
STAGING_PREFIX = ".nnconf-staging-"


class OutputError(Exception):
    """The output directory cannot be used (one line, names the directory)."""


def check_out_dir(out_dir, option: str = "--out-dir") -> Path:
    """``out_dir`` made to exist and proven writable, or :class:`OutputError`."""
    if out_dir is None or str(out_dir).strip() == "":
        raise OutputError(f"{option}: an empty name is not a directory (use '.' for the current one)")
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{option} {out_dir}: exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{option} {out_dir}: cannot be created ({exc.strerror or exc})") from None
    try:
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise OutputError(f"{option} {out_dir}: not writable ({exc.strerror or exc})") from None
    return path


class OutputSet:
    """The files one run writes into ``out_dir``, staged and moved into place together."""

    def __init__(self, out_dir, *, wait: bool = False, option: str = "--out-dir",
                 command: str = "nnconf"):
        self.out_dir = check_out_dir(out_dir, option)
        self.wait, self.option, self.command = wait, option, command
        self.dir: Path | None = None
        self.committed: list[Path] = []
        self._lock_fd: int | None = None

    # -- lock ------------------------------------------------------------------------
    def _lock(self) -> None:
        lock_path = self.out_dir / LOCK_NAME
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            if not self.wait:
                os.close(fd)
                raise OutputError(f"{self.option} {self.out_dir}: another nnconf run is writing there "
                                  f"({holder}); let it finish, or pass --wait to queue behind it") from None
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, {self.command}, since {time.strftime('%H:%M:%S')}\n".encode(), 0)
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    # -- staging ---------------------------------------------------------------------
    def _clean_leftovers(self) -> None:
        for old in self.out_dir.glob(STAGING_PREFIX + "*"):
            shutil.rmtree(old, ignore_errors=True)

    def __enter__(self) -> OutputSet:
        self._lock()
        try:
            self._clean_leftovers()
            self.dir = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.out_dir))
        except BaseException:
            self._unlock()
            raise
        return self

    def path(self, name: str) -> Path:
        """Where to write the output file ``name`` (inside the staging directory)."""
        if self.dir is None:
            raise RuntimeError("OutputSet used outside its with-block")
        return self.dir / name

    def staged(self) -> list[str]:
        return sorted(p.name for p in self.dir.iterdir()) if self.dir else []

    def commit(self) -> list[Path]:
        """Move every staged file into place; returns their final paths."""
        interrupts.check()
        names = self.staged()
        umask = os.umask(0)
        os.umask(umask)
        with interrupts.deferred():
            interrupts.check()
            for name in names:
                src = self.dir / name
                os.chmod(src, 0o666 & ~umask)  # a report is for reading (mkstemp-made files are 0600)
                os.replace(src, self.out_dir / name)
        self.committed = [self.out_dir / n for n in names]
        return self.committed

    def __exit__(self, *exc) -> None:
        try:
            if self.dir is not None:
                shutil.rmtree(self.dir, ignore_errors=True)
        finally:
            self._unlock()


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it: never a half-written report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # a path that is not valid UTF-8 (a byte 0xff in a directory name) is shown escaped
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is for reading
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def finite(obj):
    """JSON has no infinities or NaN: write them as the strings "inf", "-inf", "nan"."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    return obj


# An absolute path inside a string: a "/" not preceded by a word character, a dot, a colon or
# another "/" (so not "1/N", "./x" or "https://…"), with at least two components.
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~-])/(?:[\w.+@=-]+/)+[\w.+@=-]*")
SYSTEM_PREFIXES = ("/usr/", "/bin/", "/sbin/", "/lib", "/etc/", "/proc/", "/dev/", "/sys/")  # not this machine's


def relative_paths(obj, base):
    """``obj`` (a string, or dicts and lists of them) with every absolute path written relative
    to the directory ``base`` (the configuration file's, or the page's): a committed report
    names no path of the machine that wrote it. System paths (``/usr/bin/bwrap``) stay."""
    base = os.path.abspath(base)

    def one(m):
        p = m.group(0)
        if p.startswith(SYSTEM_PREFIXES):
            return p
        rel = os.path.relpath(p, base)
        return rel + ("/" if p.endswith("/") and not rel.endswith("/") else "")

    if isinstance(obj, str):
        return ABSOLUTE_PATH.sub(one, obj)
    if isinstance(obj, dict):
        return {k: relative_paths(v, base) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [relative_paths(v, base) for v in obj]
    return obj
