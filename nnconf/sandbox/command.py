"""The bwrap command line of a job, and the environment it gets (pure functions)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from nnconf.sandbox.spec import SANDBOX_GID, SANDBOX_UID, Job, Limits, MiB

_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "passwd", "group",
        "nsswitch.conf", "hosts", "host.conf", "fonts", "mime.types", "matplotlibrc", "alternatives",
        "os-release", "debian_version", "locale.alias")
_TOP = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
# The first process of a job (inside the sandbox, or the direct child when unsafe): sets the
# limits with setrlimit, drops to the sandbox user when asked, dies with its parent, enters the
# work directory and becomes the job. Doing this here rather than in a preexec_fn keeps nnconf's
# own process (multithreaded once JAX or torch are loaded) from running Python after fork.
_LAUNCH = """
import ctypes, json, os, resource, signal, sys
spec = json.loads(sys.argv[1])
for name, soft, hard in spec["limits"]:
    resource.setrlimit(getattr(resource, name), (soft, hard))
if spec["uid"] is not None:
    os.setgroups([])
    os.setgid(spec["gid"])
    os.setuid(spec["uid"])
ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (after setuid, which clears it)
os.chdir(spec["cwd"])
os.execv(sys.argv[2], sys.argv[2:])
"""


def launcher(limits: Limits, *, nproc: int, cwd: Path, drop: bool) -> list[str]:
    """The argv prefix that starts a job under ``limits`` (``nproc``: the RLIMIT_NPROC value,
    the user's tasks plus the allowance), as uid/gid 65534 when ``drop``."""
    spec = {"limits": [("RLIMIT_AS", limits.address_space_bytes, limits.address_space_bytes),
                       ("RLIMIT_CPU", int(limits.cpu_s), int(limits.cpu_s) + 5),
                       ("RLIMIT_NPROC", int(nproc), int(nproc)),
                       ("RLIMIT_FSIZE", int(limits.file_bytes), int(limits.file_bytes)),
                       ("RLIMIT_CORE", 0, 0)],
            "uid": SANDBOX_UID if drop else None, "gid": SANDBOX_GID if drop else None, "cwd": str(cwd)}
    return [sys.executable, "-I", "-S", "-c", _LAUNCH, json.dumps(spec)]



def environment(*, home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The job's whole environment: built from an allow-list, nothing copied from nnconf's own
    (no tokens, no proxies, no paths of the user's): PATH, HOME (the work directory), LANG,
    TMPDIR, MPLBACKEND=Agg, PYTHONDONTWRITEBYTECODE, and the caller's ``extra`` variables."""
    bindir = str(Path(sys.executable).parent)
    env = {"PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "TMPDIR": "/tmp", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(extra or {})
    return env


def _python_paths() -> list[Path]:
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable))}
    return [Path(p) for p in paths if p]


def _nested(path: Path, others) -> bool:
    return any(path != o and o in path.parents for o in others)


def read_only_paths(extra=()) -> list[Path]:
    """Host directories bound read-only: ``/usr``, the Python installation, ``extra``;
    real paths, those inside another dropped."""
    found = []
    for p in [Path("/usr"), *_python_paths(), *map(Path, extra)]:
        real = Path(os.path.realpath(p))
        if real.exists() and real not in found:
            found.append(real)
    return sorted(p for p in found if not _nested(p, found))


def command(bwrap: str, job: Job, *, privileged: bool, info_fd: int | None = None,
            tmpfs_bytes: int = 256 * MiB, launch: list[str] = ()) -> list[str]:
    """The bwrap command line for ``job``, started by ``launch`` (:func:`launcher`) inside
    (pure: reads only which host paths exist)."""
    argv = [bwrap, "--die-with-parent", "--new-session"]
    if privileged:  # as root: no user namespace; the job drops to nobody itself
        argv += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                 "--unshare-cgroup-try", "--cap-drop", "ALL", "--cap-add", "CAP_SETUID",
                 "--cap-add", "CAP_SETGID"]
    else:
        argv += ["--unshare-all"]
    argv += ["--hostname", "nnconf-sandbox"]
    if info_fd is not None:
        argv += ["--info-fd", str(info_fd)]
    binds = read_only_paths(job.ro_binds)
    workdir = Path(os.path.realpath(job.workdir))
    argv += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(tmpfs_bytes), "--perms", "1777", "--tmpfs", "/dev/shm",
             "--size", str(tmpfs_bytes), "--perms", "1777", "--tmpfs", "/tmp"]
    dirs = sorted({a for p in [*binds, workdir, Path("/etc/x")] for a in p.parents}
                  - {Path("/"), Path("/tmp")}, key=lambda p: len(p.parts))
    for d in dirs:  # parents made world-traversable (bwrap would copy the host's mode, e.g. /root 0700)
        if d not in binds and not _nested(d, binds):
            argv += ["--perms", "0755", "--dir", str(d)]
    for p in binds:
        argv += ["--ro-bind", str(p), str(p)]
    for name in _TOP:
        host = Path("/", name)
        if host.is_symlink():
            argv += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir() and not _nested(host, binds) and host not in binds:
            argv += ["--ro-bind", str(host), str(host)]
    for name in _ETC:
        argv += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    argv += ["--bind", str(workdir), str(workdir)]
    # as root the work directory (mode 0700, owned by nobody) is entered by the launcher, as nobody
    argv += ["--chdir", "/" if privileged else str(workdir), "--"]
    return argv + list(launch) + list(job.argv)
