"""The page's MNIST training as one task for every framework (page section ``mnist``), and
the record of a run.

A :class:`Task` carries everything a trainer needs and nothing framework-specific: the data
(NumPy), the shared initial weights in the page's code layout, every epoch's batches as index
arrays, the learning rate and the dtype. The harness (:mod:`nnconf.mnist.experiment`) builds it; the
NumPy reference and each framework's ``train_mlp(task, progress=None)``
(:mod:`oracles.torch_mnist`, :mod:`oracles.jax_mnist`, :mod:`oracles.sklearn_mnist`) run it
and return a :class:`Run`. This module imports no framework.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

DTYPES = ("float64", "float32")

Progress = Callable[[int], object] | None
"""Called with the number of steps just taken (a progress bar's ``update``), or None."""


@dataclass(frozen=True, kw_only=True)
class Task:
    """One training run: ``x_*`` of shape (N, n_0) (floats, any dtype: each trainer converts
    once to ``dtype``), ``y_*`` integer labels, ``params`` the initial ``[(W (fan_in, fan_out),
    b (fan_out,))]``, ``epochs`` one tuple of batch index arrays per epoch (into ``x_train``),
    ``lr`` the SGD learning rate, ``dtype`` ``"float64"`` or ``"float32"``."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    params: list
    epochs: tuple
    lr: float
    dtype: str = "float64"

    def __post_init__(self):
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr!r}")
        if len(self.x_train) != len(self.y_train) or len(self.x_test) != len(self.y_test):
            raise ValueError("images and labels differ in count")
        if not self.params or self.params[0][0].shape[0] != self.x_train.shape[1]:
            raise ValueError("the first layer's fan_in is not the images' width")
        n = len(self.x_train)
        for epoch in self.epochs:
            if any(len(b) == 0 for b in epoch):
                raise ValueError("an empty batch")
            idx = np.concatenate(epoch) if epoch else np.zeros(0, np.int64)
            if idx.dtype.kind not in "iu" or (idx.size and not 0 <= idx.min() <= idx.max() < n):
                raise ValueError(f"batch indices must be integers in [0, {n})")

    @property
    def sizes(self) -> tuple:
        return (self.params[0][0].shape[0], *(W.shape[1] for W, _ in self.params))

    @property
    def batch_size(self) -> int:
        """The largest batch (the others are that size, the last of an epoch may be less)."""
        return max((len(b) for epoch in self.epochs for b in epoch), default=1)


def clock() -> tuple[float, float]:
    """(wall, CPU) seconds now: ``time.perf_counter()``, ``time.process_time()``."""
    return time.perf_counter(), time.process_time()


@dataclass(kw_only=True)
class Run:
    """What every trainer records: per epoch the list of batch losses, the number of test
    samples classified right after it, its training seconds (wall clock, evaluation excluded)
    and the process's CPU seconds over the same span (``time.process_time``: on a shared
    machine a single-threaded run's CPU time does not count the time others held the core);
    the final ``[(W, b)]`` in the code layout, float64."""

    framework: str
    batch_losses: list = field(default_factory=list)
    correct: list = field(default_factory=list)
    params: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    cpu_seconds: list = field(default_factory=list)
    note: str = ""

    def timed(self, started: tuple) -> None:
        """Append the epoch's wall and CPU seconds since ``started`` (:func:`clock`)."""
        wall, cpu = clock()
        self.seconds.append(wall - started[0])
        self.cpu_seconds.append(cpu - started[1])

    @property
    def epoch_losses(self) -> list[float]:
        """The page's epoch loss: the mean of the epoch's batch losses."""
        return [float(np.mean(b)) for b in self.batch_losses]
