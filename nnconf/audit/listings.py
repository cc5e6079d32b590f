"""Running a page's code listings, unchanged, each in a sandbox (:mod:`nnconf.sandbox`).

A listing is untrusted input. It runs under bubblewrap in a fresh temporary work directory
(its cwd and HOME), with an environment built from an allow-list, no network, a read-only
view of the Python installation (and of the local MNIST copy when it loads MNIST), limits and
a timeout; at the end nothing of it is left running. Without a working bubblewrap it does not
run at all, unless the caller asks for ``unsafe`` by that name.

``run`` runs the listing as ``__main__`` (``mode="run"``), or loads it and calls what it
defines (``exercises``: see ``exercise_driver.py``). The MNIST listing loads its data with
``fetch_openml('mnist_784')``: given a local MNIST directory, the prelude
(``listing_prelude.py``) redirects that call, in the sandboxed process only, to the verified
IDX files, bound read-only; the report says so.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from nnconf import sandbox

PRELUDE = Path(__file__).with_name("listing_prelude.py")
DRIVER = Path(__file__).with_name("exercise_driver.py")
OURS = ("listing.py", "_nnconf_prelude.py", "_nnconf_exercise.py", "_nnconf_requests.json",
        "_nnconf_results.json")
FILE_READBACK = 64 * sandbox.MiB  # the most of one file the listing wrote that nnconf reads back
TAIL = 2000  # characters of each output stream a report stores
REDIRECTED = "[nnconf] fetch_openml('mnist_784') redirected"  # what the loader shim prints


@dataclass(kw_only=True)
class ListingRun:
    mode: str  # "sandboxed" or "unsafe"
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    killed: str | None = None
    signal: str | None = None
    truncated: bool = False
    left_behind: int = 0
    peak_rss_bytes: int = 0
    redirected_loader: bool = False
    files: dict = field(default_factory=dict)  # name -> bytes of the files the listing wrote
    exercises: dict | None = None  # claim id -> what the driver recorded (exercise runs)


def printable(text: str, limit: int = TAIL) -> str:
    """The last ``limit`` characters of ``text`` with every control character other than
    newline and tab escaped (``\\x1b``, ``\\r``…): output that is stored or shown cannot
    drive a terminal."""
    tail = text[-limit:]
    return "".join(ch if ch in "\n\t" or ch.isprintable() else repr(ch)[1:-1] for ch in tail)[-limit:]


def mnist_dir(setting: str | None) -> str | None:
    """The local MNIST copy the loader shim serves: ``setting`` (``--mnist-dir``), else
    ``$NNCONF_MNIST_DIR``, else the user cache when it holds the four files; None if none."""
    from nnconf.mnist import data
    for candidate in (setting, os.environ.get(data.ENV_DIR), str(data.cache_dir())):
        if candidate and all(any(Path(candidate, n + s).is_file() for s in ("", ".gz")) for n in data.FILES):
            return str(Path(candidate).resolve())
    return None


def _environment(home: Path, mnist: str | None, threads: int = 1) -> dict:
    extra = {name: str(threads) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    if mnist:
        from nnconf.mnist import data
        extra.update({"NNCONF_LISTING_MNIST_DIR": mnist,
                      "NNCONF_LISTING_MNIST_SHA256": json.dumps({n: sha for n, (sha, _, _) in data.FILES.items()})})
    return sandbox.environment(home=home, extra=extra)


def _read_back(workdir: Path) -> dict:
    """The regular files the listing left at the top of its work directory (symbolic links
    and anything larger than FILE_READBACK are not followed or read)."""
    files = {}
    for entry in os.scandir(workdir):
        if entry.name in OURS:
            continue
        try:
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode) and st.st_size <= FILE_READBACK:
                with os.fdopen(fd, "rb", closefd=False) as f:
                    files[entry.name] = f.read(FILE_READBACK)
        finally:
            os.close(fd)
    return files


def run(code: str, *, settings: sandbox.Settings | None = None, timeout: float | None = None,
        mnist_dir: str | None = None, exercises: list[dict] | None = None) -> ListingRun:
    """Run ``code`` (as ``__main__``, or with ``exercises`` calling what it defines) in the
    sandbox, or without one when ``settings.mode == "unsafe"``. Raises
    :class:`nnconf.sandbox.SandboxError` when the sandbox does not work here."""
    settings = settings or sandbox.Settings()
    limits = settings.limits
    if timeout is not None:
        limits = sandbox.Limits(**{**limits.__dict__, "timeout_s": timeout})
    if settings.mode == "off":
        raise ValueError("listings are off (--no-listings)")
    bwrap = None
    if settings.mode == "sandbox":
        found = sandbox.available(settings.bwrap)
        if not found.ok:
            raise sandbox.SandboxError(found.reason)
        bwrap = found.bwrap
    with tempfile.TemporaryDirectory(prefix="nnconf-listing-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        (work / "listing.py").write_text(code, encoding="utf-8")
        shutil.copyfile(PRELUDE, work / "_nnconf_prelude.py")
        argv = (sys.executable, str(work / "_nnconf_prelude.py"), "run")
        if exercises is not None:
            shutil.copyfile(DRIVER, work / "_nnconf_exercise.py")
            (work / "_nnconf_requests.json").write_text(json.dumps(exercises), encoding="utf-8")
            argv = (*argv[:2], "exercise")
        job = sandbox.Job(argv=argv, workdir=work, env=_environment(work, mnist_dir, limits.threads),
                          ro_binds=(Path(mnist_dir),) if mnist_dir else ())
        r = sandbox.run(job, limits, bwrap=bwrap)
        files = _read_back(work)
        found_ex = None
        if exercises is not None:
            found_ex = _results(work / "_nnconf_results.json")
    return ListingRun(mode=r.mode, returncode=r.returncode, stdout=r.stdout, stderr=r.stderr,
                      seconds=r.seconds, timed_out=r.timed_out, killed=r.killed, signal=r.signal,
                      truncated=r.truncated, left_behind=r.left_behind, peak_rss_bytes=r.peak_rss_bytes,
                      redirected_loader=bool(mnist_dir) and REDIRECTED in r.stderr, files=files,
                      exercises=found_ex)


def _results(path: Path) -> dict:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return {}
    with os.fdopen(fd, "rb") as f:
        raw = f.read(FILE_READBACK + 1)
    try:
        doc = json.loads(raw.decode("utf-8")) if len(raw) <= FILE_READBACK else {}
    except (UnicodeDecodeError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def png_dpi(blob: bytes) -> float | None:
    """The resolution a PNG records in its pHYs chunk, in dots per inch (None if absent)."""
    if not blob.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    i = 8
    while i + 8 <= len(blob):
        length = int.from_bytes(blob[i:i + 4], "big")
        kind = blob[i + 4:i + 8]
        if kind == b"pHYs":
            ppu = int.from_bytes(blob[i + 8:i + 12], "big")
            unit = blob[i + 16]
            return ppu * 0.0254 if unit == 1 else None
        i += 12 + length
    return None


def describe(r: ListingRun) -> str:
    """One line: how the run ended (escaped: it quotes the listing's stderr)."""
    how = f"{r.mode}, " if r.mode else ""
    if r.killed:
        return f"{how}killed by nnconf: {r.killed}"
    if r.signal:
        return f"{how}ended by {r.signal} after {r.seconds:.1f} s"
    tail = r.stderr.strip().splitlines()[-1:] if r.returncode else []
    return (f"{how}exit {r.returncode} in {r.seconds:.1f} s"
            + (f" ({printable(tail[0], 300)})" if tail else ""))


LIMIT_SIGNALS = {"SIGXCPU": "its CPU-time limit (--listing-cpu)",
                 "SIGXFSZ": "its file-size limit (--listing-file-size)",
                 "SIGKILL": "killed (a limit, or the system out of memory)"}


def record(r: ListingRun) -> dict:
    """What the report stores about a run: no environment, output tails capped and escaped."""
    return {"mode": r.mode, "returncode": r.returncode, "seconds": round(r.seconds, 1),
            "timed_out": r.timed_out, "killed": r.killed, "signal": r.signal,
            "redirected_loader": r.redirected_loader, "output_truncated": r.truncated,
            "processes_left_behind": r.left_behind,
            "peak_memory_mib": round(r.peak_rss_bytes / sandbox.MiB, 1),
            "stdout_tail": printable(r.stdout), "stderr_tail": printable(r.stderr)}
