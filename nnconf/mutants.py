"""Planted bugs: one or more mutants of every reference function the registry uses.

A check that cannot fail is a defect. ``tests/test_planted_bugs.py`` patches each mutant
into the ``reference`` package in turn and requires that at least one registry row using
that function fails. Mutants are the bugs a person porting the page would plausibly make:
a flipped sign, a perturbed constant, a wrong convention at a kink, a missing factor, an
unstable formula.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from reference import activations as A
from reference import losses as L


@dataclass(frozen=True)
class Mutant:
    target: str  # "activations.sigmoid", as in Check.reference
    description: str
    function: Callable


def _erfc(v):
    return np.vectorize(math.erfc, otypes=[float])(v)


def _sum_terms_over_rows(y_pred, y_true, *, reduction="mean"):
    d = (np.asarray(y_true) - np.asarray(y_pred)) ** 2
    return np.sum(d) / (d.shape[0] if d.ndim > 1 else d.size)


MUTANTS = [
    Mutant("activations.sigmoid", "flipped sign: 1/(1 + e^x)",
           lambda x: 1.0 / (1.0 + np.exp(np.asarray(x, dtype=float)))),
    Mutant("activations.sigmoid_grad", "σ(x)σ(x) instead of σ(x)(1 - σ(x))",
           lambda x: A.sigmoid(x) ** 2),
    Mutant("activations.tanh", "the page's (e^x - e^-x)/(e^x + e^-x), NaN beyond |x| = 710",
           lambda x: (np.exp(x) - np.exp(-np.asarray(x))) / (np.exp(x) + np.exp(-np.asarray(x)))),
    Mutant("activations.tanh_grad", "1 - tanh(x), square missing", lambda x: 1.0 - np.tanh(x)),
    Mutant("activations.relu", "max(x, 0.01x): leaky by mistake",
           lambda x: np.maximum(x, 0.01 * np.asarray(x, dtype=float))),
    Mutant("activations.relu_grad", "derivative 1 at x = 0 (x >= 0)",
           lambda x, at_zero=0.0: np.where(np.asarray(x) >= 0, 1.0, 0.0)),
    Mutant("activations.leaky_relu", "α = 0.1 instead of 0.01",
           lambda x, alpha=0.01: np.where(np.asarray(x) > 0, x, 0.1 * np.asarray(x))),
    Mutant("activations.leaky_relu_grad", "derivative 1 at x = 0 (x >= 0)",
           lambda x, alpha=0.01, at_zero=None: np.where(np.asarray(x) >= 0, 1.0, alpha)),
    Mutant("activations.gelu", "perturbed constant 0.044715 -> 0.04472 (tanh form)",
           lambda x, approximate="none": A.gelu(x) if approximate == "none" else
           0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.04472 * np.asarray(x) ** 3)))),
    Mutant("activations.gelu", "erf(x/2) instead of erf(x/√2) (exact form)",
           lambda x, approximate="none": 0.5 * x * _erfc(-np.asarray(x) / 2.0)
           if approximate == "none" else A.gelu(x, approximate="tanh")),
    Mutant("activations.gelu_grad", "x·φ(x) term dropped (exact form)",
           lambda x, approximate="none": 0.5 * _erfc(-np.asarray(x) / math.sqrt(2))
           if approximate == "none" else A.gelu_grad(x, approximate="tanh")),
    Mutant("activations.gelu_grad", "3·0.044715 -> 0.044715 in u' (tanh form)",
           lambda x, approximate="none": A.gelu_grad(x) if approximate == "none" else
           _gelu_tanh_grad_wrong(np.asarray(x, dtype=float))),
    Mutant("activations.softmax", "no max subtraction (overflows at z = 1000)",
           lambda z, axis=-1: np.exp(z) / np.sum(np.exp(z), axis=axis, keepdims=True)),
    Mutant("activations.softmax_jvp", "diag(s) v only: the -s sᵀv term dropped",
           lambda z, v, axis=-1: A.softmax(z, axis=axis) * v),
    Mutant("losses.mse", "divides by the number of rows, not of elements",
           _sum_terms_over_rows),
    Mutant("losses.mse_grad", "factor 2 missing",
           lambda p, y, reduction="mean": (np.asarray(p) - y) / np.asarray(p).size),
    Mutant("losses.cross_entropy", "clip at 1e-15 instead of the page's 1e-12",
           lambda p, y, eps=1e-12, reduction="mean": L.cross_entropy(
               p, y, eps=None if eps is None else 1e-15, reduction=reduction)),
    Mutant("losses.cross_entropy_grad", "sign flipped",
           lambda p, y, eps=1e-12, reduction="mean": -L.cross_entropy_grad(
               p, y, eps=eps, reduction=reduction)),
    Mutant("losses.softmax_cross_entropy", "log-softmax without the max shift",
           lambda z, y, reduction="mean": -np.sum(
               y * np.log(np.exp(z) / np.exp(z).sum(-1, keepdims=True))) / np.shape(z)[0]),
    Mutant("losses.softmax_cross_entropy_grad", "mean over all N·K elements, not N rows",
           lambda z, y, reduction="mean": (A.softmax(z) - y) / np.size(z)),
    Mutant("losses.binary_cross_entropy", "the two logs swapped",
           lambda p, y, eps=None, log_floor=None, reduction="mean": L.binary_cross_entropy(
               1.0 - np.asarray(p), y, eps=eps, log_floor=log_floor, reduction=reduction)),
    Mutant("losses.binary_cross_entropy_grad", "sign flipped: (y - ŷ)/(ŷ(1 - ŷ))",
           lambda p, y, eps=None, denom_floor=None, reduction="mean": -L.binary_cross_entropy_grad(
               p, y, eps=eps, denom_floor=denom_floor, reduction=reduction)),
    Mutant("losses.binary_cross_entropy_with_logits", "log(1 + e^|z|) instead of e^-|z|",
           lambda z, y, reduction="mean": np.mean(
               np.maximum(z, 0) - y * z + np.log1p(np.exp(np.minimum(np.abs(z), 700))))),
    Mutant("losses.binary_cross_entropy_with_logits_grad", "σ(-z) - y",
           lambda z, y, reduction="mean": (A.sigmoid(-np.asarray(z)) - y) / np.size(z)),
]


def _gelu_tanh_grad_wrong(x):
    c = math.sqrt(2 / math.pi)
    u = c * (x + 0.044715 * x**3)
    t = np.tanh(u)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * c * (1 + 0.044715 * x**2)
