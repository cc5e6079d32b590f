r"""The gates of a real-valued circuit, each beside its local gradient (CS231n "Backpropagation,
Intuitions", page ``pages/cs231n-optimization-2``: sections ``grad``, ``sigmoid``, ``patterns``).

A gate computes its output from its inputs and, locally, the derivative of its output with
respect to each input; backpropagation multiplies that local gradient by the gradient flowing
into the gate (:mod:`reference.circuit` chains them). All functions are elementwise over NumPy
arrays (float64 unless given float32), and pure.

The binary gates' ``*_grad(x, y)`` return :math:`\partial f/\partial x`; these gates are
symmetric, so :math:`\partial f/\partial y` is ``*_grad(y, x)``. The sigmoid gate is
:func:`reference.activations.sigmoid` and its ``sigmoid_grad``.

NaN policy: NaN in, NaN out (the max gate's gradient at a NaN input included). Division by zero
follows IEEE 754: :math:`1/0 = \infty` and :math:`-1/0^2 = -\infty`, silently.
"""

from __future__ import annotations

import numpy as np


def _float(x) -> np.ndarray:
    x = np.asarray(x)
    return x if x.dtype in (np.float32, np.float64) else x.astype(np.float64)


def _pair(x, y):
    """Both inputs in their common float type."""
    x, y = _float(x), _float(y)
    t = np.result_type(x, y)
    return x.astype(t), y.astype(t)


def add(x, y):
    r"""The add gate :math:`f(x, y) = x + y`. Section ``grad``."""
    x, y = _pair(x, y)
    with np.errstate(over="ignore", invalid="ignore"):  # IEEE: overflow to ±inf, inf − inf = NaN
        return x + y


def add_grad(x, y):
    r""":math:`\partial (x + y)/\partial x = 1`: the add gate passes its gradient on unchanged. Section ``grad``."""
    x, y = _pair(x, y)
    return np.where(np.isnan(x) | np.isnan(y), np.nan, 1.0).astype(x.dtype)


def mul(x, y):
    r"""The multiply gate :math:`f(x, y) = x y`. Section ``grad``."""
    x, y = _pair(x, y)
    with np.errstate(over="ignore", invalid="ignore"):  # IEEE: ±inf, 0·inf = NaN (underflow is silent)
        return x * y


def mul_grad(x, y):
    r""":math:`\partial (x y)/\partial x = y`: the multiply gate swaps its inputs. Section ``grad``."""
    x, y = _pair(x, y)
    return np.where(np.isnan(x), np.nan, y)


def maximum(x, y):
    r"""The max gate :math:`f(x, y) = \max(x, y)` (NaN if either is NaN). Section ``grad``."""
    x, y = _pair(x, y)
    return np.maximum(x, y)


def maximum_grad(x, y, *, ties: str = "page"):
    r""":math:`\partial \max(x, y)/\partial x = \mathbb{1}(x \ge y)`: the max gate routes its
    gradient to the larger input. Section ``grad``.

    ``ties="page"`` (default) is the page's :math:`\mathbb{1}(x \ge y)`, so at :math:`x = y`
    *both* inputs get the whole gradient (1 and 1). ``ties="split"`` gives each half (0.5),
    what ``torch.maximum`` and ``jnp.maximum`` differentiate to: the sum of the two partials is
    then 1, as for the function it is a subgradient of.
    """
    if ties not in ("page", "split"):
        raise ValueError(f"ties must be 'page' or 'split', got {ties!r}")
    x, y = _pair(x, y)
    at_tie = 0.5 if ties == "split" else 1.0
    g = np.where(x > y, 1.0, np.where(x == y, at_tie, 0.0))
    return np.where(np.isnan(x) | np.isnan(y), np.nan, g).astype(x.dtype)


def reciprocal(x):
    r"""The :math:`1/x` gate. Section ``sigmoid``."""
    x = _float(x)
    with np.errstate(divide="ignore", over="ignore"):  # 1/±0 = ±inf; 1/subnormal may overflow
        return np.reciprocal(x)


def reciprocal_grad(x):
    r""":math:`d(1/x)/dx = -1/x^2`. Section ``sigmoid``.

    Computed as :math:`-(1/x)^2`, the square of the rounded reciprocal (torch and JAX do the
    same), so that :math:`x^2` cannot overflow to :math:`\infty` where :math:`1/x^2` is still a
    normal number's square (it underflows to −0 instead)."""
    x = _float(x)
    with np.errstate(divide="ignore", over="ignore"):  # 1/0 = inf; (1/subnormal)² overflows
        r = np.reciprocal(x)
        return -(r * r)


def exp(x):
    r"""The :math:`e^x` gate. Section ``sigmoid``."""
    x = _float(x)
    with np.errstate(over="ignore"):
        return np.exp(x)


def exp_grad(x):
    r""":math:`d e^x/dx = e^x`. Section ``sigmoid``."""
    return exp(x)


def scale(x, *, a: float = -1.0):
    r"""The :math:`f_a(x) = a x` gate; ``a`` defaults to the circuit's ×−1. Section ``sigmoid``."""
    x = _float(x)
    return x * x.dtype.type(a)


def scale_grad(x, *, a: float = -1.0):
    r""":math:`d(a x)/dx = a`. Section ``sigmoid``."""
    x = _float(x)
    return np.where(np.isnan(x), np.nan, a).astype(x.dtype)


def shift(x, *, c: float = 1.0):
    r"""The :math:`f_c(x) = c + x` gate; ``c`` defaults to the circuit's +1. Section ``sigmoid``."""
    x = _float(x)
    return x + x.dtype.type(c)


def shift_grad(x, *, c: float = 1.0):
    r""":math:`d(c + x)/dx = 1`. Section ``sigmoid``."""
    x = _float(x)
    return np.where(np.isnan(x), np.nan, 1.0).astype(x.dtype)
