r"""The perceptron (page section ``perceptron``): prediction, the learning rule, training.

Plain NumPy. ``w`` has shape ``(d,)``, ``b`` is a float; ``x`` is one sample ``(d,)`` or a
batch ``(N, d)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["net_input", "predict", "update", "train", "TrainResult"]


def net_input(w, b, x):
    r"""Pre-activation :math:`w \cdot x + b`. Page section ``perceptron.decision``.

    ``x`` is one sample ``(d,)`` or a batch ``(N, d)``; a 0-d ``x`` is a ``ValueError``."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0:
        raise ValueError("net_input: x is a sample (d,) or a batch (N, d), got a 0-d array")
    return x @ np.asarray(w, dtype=np.float64) + b


def predict(w, b, x):
    r"""Heaviside prediction. Page section ``perceptron``.

    .. math:: \hat y = 1 \text{ if } w\cdot x + b > 0 \text{ else } 0

    (strictly greater: a point on the hyperplane is class 0).
    """
    return (net_input(w, b, x) > 0).astype(np.int64)


def update(w, b, x, y, *, lr: float = 0.1):
    r"""One application of the learning rule. Page section ``perceptron.rule``.

    .. math:: w \leftarrow w + \eta (y - \hat y) x, \qquad b \leftarrow b + \eta (y - \hat y)

    ``lr`` defaults to the worked example's :math:`\eta = 0.1`. Returns ``(w, b)``.
    """
    x = np.asarray(x, dtype=np.float64)
    error = y - predict(w, b, x)
    return np.asarray(w, dtype=np.float64) + lr * error * x, float(b + lr * error)


class TrainResult(NamedTuple):
    w: np.ndarray
    b: float
    mistakes: list  # number of updates with y != ŷ in each epoch


def train(X, y, *, lr: float = 0.01, epochs: int = 100, w0=None, b0: float = 0.0):
    r"""Sample-by-sample training, in the order given. Page section ``perceptron.listing``.

    Each epoch visits every sample once and applies :func:`update`. Defaults are the page
    listing's: ``lr = 0.01``, ``epochs = 100``, weights and bias starting at zero. ``X`` is a
    batch ``(N, d)`` (no samples: ``(0, d)``, nothing changes); another shape is a ``ValueError``.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be a batch of shape (N, d), got shape {X.shape}")
    w = np.zeros(X.shape[1]) if w0 is None else np.asarray(w0, dtype=np.float64)
    b = float(b0)
    mistakes = []
    for _ in range(epochs):
        count = 0
        for xi, yi in zip(X, y, strict=True):
            count += int(predict(w, b, xi) != yi)
            w, b = update(w, b, xi, yi, lr=lr)
        mistakes.append(count)
    return TrainResult(w, b, mistakes)
