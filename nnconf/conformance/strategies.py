"""Hypothesis strategies for the checks' inputs, and the ``Case`` they produce.

Magnitudes cover the page's ranges and their extremes: ±1e3, tiny and subnormal values,
signed zeros. Shapes are small (the checks test formulas, not throughput).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

SPECIAL = [0.0, -0.0, 1e-300, -1e-300, 5e-324, -5e-324, 1e-8, -1e-8, 1.0, -1.0,
           1e3, -1e3, 37.0, -37.0, 710.0, -710.0]


@dataclass(frozen=True)
class Case:
    """Positional inputs of one evaluation, the cotangent for a gradient check, and drawn
    keyword inputs (hyperparameters, network shape) passed to the reference and the oracle.

    ``cotangent=None`` means ones: the elementwise derivative, or the gradient of a scalar.
    """

    args: tuple
    cotangent: np.ndarray | None = None
    kwargs: dict | None = None

    def __repr__(self) -> str:
        def show(a):
            return np.array2string(np.asarray(a), precision=17, separator=", ",
                                   threshold=12, edgeitems=2)
        parts = ", ".join(show(a) for a in self.args)
        cot = "" if self.cotangent is None else f", cotangent={show(self.cotangent)}"
        kw = "" if not self.kwargs else f", kwargs={self.kwargs!r}"
        return f"Case(args=({parts},){cot}{kw})"


def flush_subnormals(case: Case) -> Case:
    """The case with every subnormal input replaced by a zero of the same sign (DAZ)."""
    def flush(a):
        a = np.asarray(a, dtype=np.float64)
        return np.where(np.abs(a) < np.finfo(np.float64).tiny, np.copysign(0.0, a), a)
    cot = None if case.cotangent is None else flush(case.cotangent)
    return Case(tuple(flush(a) for a in case.args), cot, case.kwargs)


def reals(bound: float = 1e3) -> st.SearchStrategy[float]:
    finite = st.floats(-bound, bound, allow_nan=False, allow_infinity=False)
    tiny = st.floats(-1e-6, 1e-6, allow_nan=False, allow_infinity=False)
    special = st.sampled_from([s for s in SPECIAL if abs(s) <= bound])
    return st.one_of(finite, tiny, special)


# A fixed menu of small shapes: the checks are about values, and XLA compiles every new shape
# once (~50 ms per function, measured), so a row that drew from every combination of sides
# (30 shapes) spent ~1.5 s per JAX function compiling. The menus keep what shapes test — one
# element, even and odd lengths, a column, a wide and a square matrix, the largest size — with
# 7 (arrays) and 5 (N × K matrices) shapes, so compiled functions are reused across examples.
SIDES = (1, 2, 3, 5, 8)
ARRAY_SHAPES = ((1,), (2,), (5,), (8,), (3, 1), (2, 5), (8, 8))
MATRIX_SHAPES = ((1, 2), (1, 5), (2, 3), (3, 3), (5, 2))  # (N, K), K >= 2 classes


def _shapes(menu=ARRAY_SHAPES):
    return st.sampled_from(menu)


def arrays(shape, elements) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, shape, elements=elements)


@st.composite
def elementwise(draw, bound: float = 1e3) -> Case:
    """One real array of any small shape (activations)."""
    return Case((draw(arrays(_shapes(), reals(bound))),))


@st.composite
def logits_with_cotangent(draw) -> Case:
    """Logits of shape (N, K) and a cotangent in [-1, 1] of the same shape (softmax JVP)."""
    shape = draw(_shapes(MATRIX_SHAPES))
    z = draw(arrays(shape, reals()))
    v = draw(arrays(shape, st.floats(-1.0, 1.0)))
    return Case((z,), v)


@st.composite
def regression_pairs(draw) -> Case:
    """Prediction and target of the same shape (MSE)."""
    shape = draw(_shapes())
    return Case((draw(arrays(shape, reals())), draw(arrays(shape, reals()))))


@st.composite
def pairs(draw) -> Case:
    """Two real arrays of the same shape (the binary gates: add, mul, max)."""
    shape = draw(_shapes())
    return Case((draw(arrays(shape, reals())), draw(arrays(shape, reals()))))


def _one_hot(draw, n: int, k: int) -> np.ndarray:
    labels = draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    return np.eye(k)[labels]


@st.composite
def logits_one_hot(draw) -> Case:
    """Logits (N, K), K >= 2, and one-hot labels (softmax cross-entropy)."""
    n, k = draw(_shapes(MATRIX_SHAPES))
    return Case((draw(arrays((n, k), reals())), _one_hot(draw, n, k)))


@st.composite
def probabilities_one_hot(draw) -> Case:
    """Rows of probabilities (N, K) and one-hot labels (cross-entropy on probabilities).

    Rows are normalised exponentials of logits in [-60, 60], so probabilities far below the
    page's clip of 1e-12 (down to ~1e-52) and exact zeros (from -inf-like gaps) occur.
    """
    n, k = draw(_shapes(MATRIX_SHAPES))
    z = draw(arrays((n, k), st.floats(-60.0, 60.0)))
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return Case((e / e.sum(axis=1, keepdims=True), _one_hot(draw, n, k)))


def _probability() -> st.SearchStrategy[float]:
    inside = st.floats(0.0, 1.0, exclude_min=True, exclude_max=True)
    edges = st.sampled_from([1e-300, 1e-50, 1e-13, 1e-12, 1e-8, 0.5, 1 - 1e-8,
                             1 - 1e-12, 1 - 2.0**-53])
    return st.one_of(inside, edges)


@st.composite
def binary_probabilities(draw) -> Case:
    """Probabilities in (0, 1), extremes included, and 0/1 labels, shape (N,) (BCE)."""
    n = draw(st.sampled_from(SIDES))
    p = draw(arrays((n,), _probability()))
    y = np.asarray(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)))
    return Case((p, y))


@st.composite
def binary_logits(draw) -> Case:
    """Logits and 0/1 labels, shape (N,) (BCE on logits)."""
    n = draw(st.sampled_from(SIDES))
    y = np.asarray(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)))
    return Case((draw(arrays((n,), reals())), y))


TRAJECTORY_STEPS = 60  # the issue asks for at least 50 steps
PARAM_SIZES = (1, 2, 3, 5)


def _gradient_entries() -> st.SearchStrategy[float]:
    return st.one_of(st.floats(-10.0, 10.0), st.sampled_from([0.0, 1e-300, -1e-12, 1e-8, 10.0]))


HYPERPARAMETERS = {  # the optimizers' hyperparameters by their page names, and the ranges drawn
    "lr": st.floats(1e-4, 0.5),
    "beta": st.floats(0.5, 0.99),
    "b1": st.floats(0.5, 0.99),
    "b2": st.floats(0.9, 0.999),
    "eps": st.sampled_from([1e-8, 1e-6, 1e-3]),
    "weight_decay": st.floats(0.0, 0.1),
}


@st.composite
def optimizer_runs(draw, hyperparameters: tuple[str, ...]) -> Case:
    """θ₀ of shape (P,), a gradient sequence (60, P) and the named hyperparameters."""
    p = draw(st.sampled_from(PARAM_SIZES))
    theta0 = draw(arrays((p,), st.floats(-10.0, 10.0)))
    grads = draw(arrays((TRAJECTORY_STEPS, p), _gradient_entries()))
    return Case((theta0, grads), kwargs={k: draw(HYPERPARAMETERS[k]) for k in hyperparameters})


@st.composite
def networks(draw, activations: tuple[str, ...], losses=("cross_entropy", "mse"),
             max_layers: int = 4) -> Case:
    """A batch, targets and the parameters (math layout, ``W1, b1, W2, b2, ...``) of an MLP
    of 1 to ``max_layers`` layers and widths 1–4 (square layers included, so a transposed
    weight cannot hide), with a hidden activation drawn from ``activations`` (names of
    :mod:`reference.activations`), the output and the loss as keywords."""
    n_layers = draw(st.integers(1, max_layers))
    loss = draw(st.sampled_from(losses))
    widths = [draw(st.sampled_from((1, 2, 3, 4))) for _ in range(n_layers)]
    widths.append(draw(st.sampled_from((2, 3, 4))))
    n = draw(st.sampled_from((1, 2, 3, 5)))
    x = draw(arrays((n, widths[0]), st.floats(-3.0, 3.0)))
    params = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:], strict=True):
        params.append(draw(arrays((fan_out, fan_in), st.floats(-2.0, 2.0))))
        params.append(draw(arrays((fan_out,), st.floats(-1.0, 1.0))))
    k = widths[-1]
    if loss == "cross_entropy":
        y, output = _one_hot(draw, n, k), "softmax"
    else:
        y = draw(arrays((n, k), st.floats(-1.0, 1.0)))
        output = draw(st.sampled_from(("identity", "sigmoid", "softmax")))
    kwargs = dict(activation=draw(st.sampled_from(activations)), output=output, loss=loss)
    return Case((x, y, *params), kwargs=kwargs)
