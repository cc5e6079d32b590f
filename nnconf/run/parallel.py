"""Work spread over processes: one small function, :func:`map_tasks`, on joblib.

Every parallel stage of the suite (the registry's rows, seed sweeps) goes through
:func:`map_tasks`, so the engine is chosen in one place: joblib's ``loky`` process pool here
(joblib comes with scikit-learn), or any other joblib backend (``dask`` for a
``dask.distributed`` cluster) by name.

What it guarantees, and tests show (``tests/test_robustness_runs.py``):

- **Interrupts.** Workers start with SIGINT and SIGTERM blocked and then ignore SIGINT (a
  terminal's Ctrl-C goes to the whole process group), so only the main process reacts: the
  KeyboardInterrupt raised there while it waits for results makes joblib terminate every
  worker, and the call returns within about a second.
- **Orphans.** A worker whose parent disappears (``kill -9`` of the main process) ends itself:
  the kernel sends it SIGKILL (``PR_SET_PDEATHSIG``) and a watchdog thread checks the parent
  twice a second as a second line of defence. loky's resource tracker then sees its last
  client gone and exits too.
- **Order and determinism.** Results come back in task order whatever the completion order;
  each task carries everything it needs (the registry row's key, profile and seed), so the
  results do not depend on the number of workers.
- ``jobs`` is capped by the number of tasks and of usable CPUs (:func:`effective_jobs`).
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from nnconf.run import interrupts

BACKENDS = ("loky", "dask")


def dask_client(address: str | None, *, workers: int | None = None):
    """A ``dask.distributed.Client`` on the scheduler at ``address`` (or on a new local cluster of
    ``workers`` processes), made current so that :func:`map_tasks` with ``backend="dask"`` uses
    it; a one-line error when dask is missing or the scheduler does not answer."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("--backend dask needs dask.distributed: pip install 'nnconf[dask]'") from None
    if address is None:
        cluster = LocalCluster(n_workers=workers or usable_cpus(), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster)
    try:
        return Client(address, timeout=os.environ.get("NNCONF_DASK_TIMEOUT", "10s"))
    except (OSError, TimeoutError) as exc:
        raise ValueError(f"--scheduler {address}: no dask scheduler answered ({exc})") from None


def describe(client) -> dict:
    """Where the work went: the scheduler and its workers (for the report's provenance)."""
    info = client.scheduler_info()
    return {"scheduler": info.get("address"), "workers": len(info.get("workers", {})),
            "threads": sum(w.get("nthreads", 0) for w in info.get("workers", {}).values())}


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def effective_jobs(requested: int, n_tasks: int, *, backend: str = "loky") -> int:
    """``requested`` capped by the tasks and, on this machine's pool, by the usable CPUs."""
    if requested < 1:
        raise ValueError(f"jobs must be at least 1, got {requested}")
    cap = n_tasks if backend != "loky" else min(n_tasks, usable_cpus())
    return max(1, min(requested, cap))


def _die_with_parent(parent: int) -> None:
    """Worker initializer: ignore SIGINT, and end this worker when ``parent`` is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # Linux: the kernel kills us when the parent dies
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    try:  # loky restarts a worker whose memory grew 300 MB since its first task, to catch leaks;
        # importing torch and JAX, and XLA's compiled code, are not leaks, and each restart costs
        # the imports again (seconds). The limit (a loky internal) is raised to 8 GiB here.
        from joblib.externals.loky import process_executor
        process_executor._MAX_MEMORY_LEAK_SIZE = 8 * 2**30
    except (ImportError, AttributeError):
        pass

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="nnconf-orphan-watchdog", daemon=True).start()


def _indexed(fn: Callable, index: int, args: tuple):
    return index, fn(*args)


def map_tasks(fn: Callable, tasks: Sequence[tuple], *, jobs: int = 1,
              progress: Callable[[Iterable], Iterable] = lambda it: it,
              backend: str = "loky") -> list:
    """``[fn(*task) for task in tasks]``, in ``jobs`` worker processes when ``jobs > 1``.

    ``fn`` must be importable by name (a module-level function) and each task picklable.
    ``progress`` wraps the stream of completed tasks (it is given a sized iterable).
    ``backend``: ``"loky"`` (local processes) or ``"dask"`` (the tasks go to the
    ``dask.distributed.Client`` created beforehand, through joblib's dask backend).
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
    tasks = list(tasks)
    jobs = effective_jobs(jobs, len(tasks), backend=backend) if tasks else 1
    if jobs == 1 and backend == "loky":
        return [fn(*task) for task in progress(_Sized(tasks, len(tasks)))]
    from joblib import Parallel, delayed, parallel_config

    out: list = [None] * len(tasks)
    params = {"initializer": _die_with_parent, "initargs": (os.getpid(),)} if backend == "loky" else {}
    if backend == "loky":
        # Python's own resource tracker unblocks SIGINT/SIGTERM after it starts: start it first
        from multiprocessing import resource_tracker
        resource_tracker.ensure_running()
    with parallel_config(backend=backend, n_jobs=jobs, **params):
        # The workers are spawned inside this call. With SIGINT and SIGTERM blocked meanwhile,
        # they start with them blocked (a signal mask survives exec), so a Ctrl-C during their
        # start-up cannot print a traceback there; here it is delivered when the block ends.
        with interrupts.deferred():
            stream = Parallel(return_as="generator_unordered", batch_size=1)(
                delayed(_indexed)(fn, i, task) for i, task in enumerate(tasks))
        try:
            for index, result in progress(_Sized(stream, len(tasks))):
                out[index] = result
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # on an interrupt: joblib aborts and terminates the workers
    return out


class _Sized:
    """An iterable with a length, so a progress bar knows its total."""

    def __init__(self, it, n):
        self.it, self.n = it, n

    def __iter__(self):
        return iter(self.it)

    def __len__(self):
        return self.n
