"""Load-independent proxies of an MNIST trainer's per-step cost: how many Python-level calls
a training step makes (``cProfile``) and how many bytes it allocates through the allocators
``tracemalloc`` sees (Python objects and NumPy arrays; torch's and XLA's own allocators are not
seen). Unlike seconds, neither depends on what else the machine is running, so they show the
effect of removing per-step copies even on a shared machine (``benchmarks/mnist_epoch.py
--overhead``, ``tests/test_mnist_speed.py``).
"""

from __future__ import annotations

import cProfile
import dataclasses
import pstats
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from oracles.mnist_task import Run, Task


@dataclass(frozen=True, kw_only=True)
class Overhead:
    """``calls_per_step``: the marginal number of Python-level function calls per training step
    (the calls of a run of 2S steps minus those of S steps, over S, so set-up and evaluation
    cancel); ``peak_bytes_per_step``: the largest amount allocated (traced) during one step
    above what was live when the step began, over ``steps`` steps."""

    calls_per_step: float
    peak_bytes_per_step: int
    steps: int


def _first_steps(task: Task, steps: int) -> Task:
    return dataclasses.replace(task, epochs=(tuple(task.epochs[0][:steps]),))


def calls_per_step(train: Callable[..., Run], task: Task, *, steps: int = 20) -> float:
    """Marginal Python-level calls per step of ``train`` on the first batches of ``task``."""
    counts = []
    for s in (steps, 2 * steps):
        short = _first_steps(task, s)
        profile = cProfile.Profile()
        profile.runcall(train, short)
        counts.append(pstats.Stats(profile).total_calls)
    return (counts[1] - counts[0]) / steps


def peak_bytes_per_step(train: Callable[..., Run], task: Task, *, steps: int = 20) -> int:
    """The largest traced allocation above the step's starting level, over ``steps`` steps
    (the trainer's ``progress`` callback marks the step boundaries; the first step, which may
    set up lazily, is not counted)."""
    peaks = []

    def boundary(_n):
        current, peak = tracemalloc.get_traced_memory()
        if boundary.start is not None:
            peaks.append(peak - boundary.start)
        boundary.start = current
        tracemalloc.reset_peak()

    boundary.start = None
    started_here = not tracemalloc.is_tracing()
    if started_here:
        tracemalloc.start()
    try:
        train(_first_steps(task, steps + 1), progress=boundary)
    finally:
        if started_here:
            tracemalloc.stop()
    return max(peaks, default=0)


def overhead(train: Callable[..., Run], task: Task, *, steps: int = 20) -> Overhead:
    return Overhead(calls_per_step=calls_per_step(train, task, steps=steps),
                    peak_bytes_per_step=peak_bytes_per_step(train, task, steps=steps),
                    steps=steps)
