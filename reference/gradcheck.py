r"""Numerical gradient checking (page section ``gradcheck``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "PAGE_THRESHOLD"]

PAGE_THRESHOLD = 1e-5
"""The page: the relative error "should be < 1e-5 for float64"."""


def numerical_gradient(f: Callable[[np.ndarray], float], x, *, eps: float = 1e-5):
    r"""Central differences, one coordinate at a time. Page section ``gradcheck``.

    .. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + \epsilon e_i) - f(x - \epsilon e_i)}{2\epsilon}

    ``eps`` defaults to the page's :math:`10^{-5}`. ``x`` is not modified (a copy is perturbed).
    """
    x = np.array(x, dtype=np.float64, copy=True)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        f_plus = f(x)
        x[idx] = old - eps
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(analytical, numerical):
    r"""The page's relative error, elementwise. Page section ``gradcheck``.

    .. math:: \frac{|a - n|}{\max(|a|, |n|)}

    0 where both are 0.
    """
    a = np.asarray(analytical, dtype=np.float64)
    n = np.asarray(numerical, dtype=np.float64)
    denom = np.maximum(np.abs(a), np.abs(n))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom == 0, 0.0, np.abs(a - n) / np.where(denom == 0, 1.0, denom))
