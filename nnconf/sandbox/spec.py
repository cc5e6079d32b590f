"""The sandbox's records: what a job is, what it may use, what came of it, and settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

BWRAP_ENV = "NNCONF_BWRAP"
SANDBOX_UID = SANDBOX_GID = 65534  # nobody / nogroup, when nnconf runs as root
INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: "
                "`dnf install bubblewrap`; Arch: `pacman -S bubblewrap`), or point --bwrap / "
                f"${BWRAP_ENV} at its bwrap executable")
MiB, GiB = 1 << 20, 1 << 30


class SandboxError(RuntimeError):
    """The sandbox cannot run here (the message says why and how to install it)."""


@dataclass(frozen=True, kw_only=True)
class Limits:
    """What a job may use. Defaults fit a busy 2-core machine running the page's MNIST
    listing (about 40 s and 90 CPU-seconds when the machine is quiet, over 5 minutes when five
    other jobs share its two cores; about 1.5 GB resident) with room to spare."""

    timeout_s: float = 900.0  # wall clock, watched (the MNIST listing: ~40 s quiet, 5 min on a busy machine)
    # RLIMIT_CPU of each process, all its threads together (SIGXCPU, then SIGKILL 5 s later): twice
    # the timeout, as BLAS threads spinning on a busy machine count CPU time without progress
    cpu_s: int = 1800
    address_space_bytes: int = 8 * GiB  # RLIMIT_AS of each process
    memory_bytes: int = 4 * GiB  # resident memory of all its processes together, watched
    processes: int = 64  # tasks (processes + threads) it may add (RLIMIT_NPROC)
    file_bytes: int = 256 * MiB  # RLIMIT_FSIZE: the largest file it may write
    disk_bytes: int = 1 * GiB  # all it writes into its work directory, watched
    tmpfs_bytes: int = 256 * MiB  # size of its private /tmp and /dev/shm
    output_bytes: int = 1 * MiB  # stdout and stderr kept, each
    # BLAS/OpenMP threads (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS): one, so that a
    # listing running beside the report's workers on a 2-core machine does not oversubscribe it
    threads: int = 1

    def __post_init__(self):
        for name, value in self.__dict__.items():
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"sandbox limit {name} must be a positive number, got {value!r}")


@dataclass(frozen=True, kw_only=True)
class Job:
    argv: tuple[str, ...]
    workdir: Path
    env: Mapping[str, str]
    ro_binds: tuple[Path, ...] = ()  # host paths it may read, at the same path inside


@dataclass(kw_only=True)
class Result:
    mode: str  # "sandboxed" or "unsafe"
    returncode: int | None  # None when nnconf killed it
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    killed: str | None = None  # why nnconf killed it (the timeout or a watched limit)
    truncated: bool = False  # output beyond Limits.output_bytes was dropped
    left_behind: int = 0  # processes still there after the kill, killed one by one
    peak_rss_bytes: int = 0  # resident memory of all its processes, at the watch loop's samples
    signal: str | None = None  # the signal that ended it, when one did (SIGXCPU, SIGKILL…)


@dataclass(frozen=True)
class Availability:
    ok: bool
    bwrap: str | None
    version: str
    reason: str  # why not (with how to install), or what runs


def size_text(n: int) -> str:
    return f"{n / GiB:g} GiB" if n >= GiB else f"{n / MiB:g} MiB"


@dataclass(frozen=True, kw_only=True)
class Settings:
    """How page code runs: ``mode`` "sandbox" (default), "unsafe" (no sandbox, only when asked
    for by that name) or "off"; its limits; the bwrap executable (None: $NNCONF_BWRAP or PATH)."""

    mode: str = "sandbox"
    limits: Limits = field(default_factory=Limits)
    bwrap: str | None = None

    def __post_init__(self):
        if self.mode not in ("sandbox", "unsafe", "off"):
            raise ValueError(f"listing mode must be 'sandbox', 'unsafe' or 'off', got {self.mode!r}")
