"""The report's long work as one list of tasks, run in one pool, longest first.

Each producer — the registry's rows (:mod:`nnconf.report.build`), the MNIST section's trainings
(:mod:`nnconf.mnist.job`), the pitfalls experiments (:mod:`nnconf.pitfalls`) — turns what
is not in the results cache into a :class:`Plan`: tasks (a module-level function and its
picklable arguments, with an expected cost in seconds) and a ``finish`` that builds its part of
the report from their outputs. :func:`run` executes the tasks of every plan together through
:func:`nnconf.run.parallel.map_tasks`, ordered by cost (longest first: a long training started
last would leave the other worker idle), and hands each plan its outputs in its own order.
On two cores this keeps both busy from the first row to the last training; stage by stage,
each stage's tail left one idle.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from nnconf.run import parallel


@dataclass(frozen=True, kw_only=True)
class Task:
    fn: Callable  # importable by name: it runs in a worker process
    args: tuple
    cost: float = 1.0  # expected seconds, for the order only
    label: str = ""


@dataclass(kw_only=True)
class Plan:
    name: str
    tasks: list[Task] = field(default_factory=list)
    finish: Callable[[list], object] = lambda outputs: outputs


def _call(fn, args):
    started = time.time()
    out = fn(*args)
    return out, (os.getpid(), started, time.time())


LAST: dict = {}  # what the last run measured: wall seconds, busy seconds per worker, utilisation


def run(plans: list[Plan], *, jobs: int = 1, progress=lambda it: it, backend: str = "loky") -> dict:
    """``{plan.name: plan.finish(outputs in the plan's task order)}``; the tasks run in ``jobs``
    local worker processes (``backend="loky"``) or on the dask cluster of the current client
    (``backend="dask"``)."""
    flat = [(p, i, t) for p in plans for i, t in enumerate(p.tasks)]
    order = sorted(range(len(flat)), key=lambda k: -flat[k][2].cost)
    started = time.time()
    outputs = parallel.map_tasks(_call, [(flat[k][2].fn, flat[k][2].args) for k in order], jobs=jobs,
                                 progress=progress, backend=backend)
    wall = time.time() - started
    busy: dict[int, float] = {}
    for _, (pid, t0, t1) in outputs:
        busy[pid] = busy.get(pid, 0.0) + t1 - t0
    LAST.clear()
    LAST.update(wall=round(wall, 2), busy={str(k): round(v, 1) for k, v in busy.items()},
                utilisation=round(sum(busy.values()) / (wall * len(busy)), 3) if wall > 0 and busy else None,
                first_task_after=round(min((t0 for _, (_, t0, _) in outputs), default=started) - started, 2))
    by_plan: dict[str, list] = {p.name: [None] * len(p.tasks) for p in plans}
    for k, (out, _) in zip(order, outputs, strict=True):
        plan, i, _ = flat[k]
        by_plan[plan.name][i] = out
    return {p.name: p.finish(by_plan[p.name]) for p in plans}
