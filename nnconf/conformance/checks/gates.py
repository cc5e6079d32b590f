"""The gates of a real-valued circuit (CS231n "Backpropagation, Intuitions", the second page;
its section ids ``grad``, ``sigmoid``, ``patterns``): one declaration per gate, its value and
local-gradient rows against torch's and JAX's own ops and autodiff, and planted bugs.

The binary gates are declared with the gradient with respect to their first input (the rows
differentiate the framework op in its first argument); they are symmetric, so that is also the
gradient of the second (``reference.gates``)."""

from __future__ import annotations

import numpy as np

from nnconf.conformance import strategies as S
from nnconf.conformance.quantities import Quantity, Side
from nnconf.conformance.records import Bug, Convention, Page
from nnconf.conformance.tolerance import EPS, TINY, Tolerance

PAGE = (Page(),)
TORCH_JAX = {o: PAGE for o in ("torch", "jax")}

CORRECTLY_ROUNDED = Tolerance(
    rtol=0.0, atol=TINY,
    reason="one IEEE add, multiply, division or comparison is correctly rounded: the same bits in "
           "NumPy, ATen and XLA, except that XLA on CPU flushes subnormal results to zero (an absolute "
           "difference below the smallest normal: atol)")
ONE_EXP = Tolerance(
    rtol=4 * EPS, atol=TINY,
    reason="one exp, ≤ 1 ulp in each of libm, ATen and XLA: 4 ulp covers two libms' differing roundings; "
           "atol = smallest normal, below which results (x < −708) have no relative precision")
SQUARED_RECIPROCAL = Tolerance(
    rtol=4 * EPS, atol=TINY,
    reason="−(1/x)² is a division and a square, two roundings (≤ 1 ulp); a framework forming −1/x² or "
           "−x⁻² rounds in another order: 4 ulp; atol for results that underflow")

# Ties, the other inputs' edge cases: x = y (the max gate's tie), 0, signed zeros, overflow.
TIES = (S.Case(args=(np.array([2.0, 1.0, 3.0, 0.0, -0.0]), np.array([2.0, 4.0, 1.0, 0.0, 0.0]))),
        S.Case(args=(np.array([1e308, -1e308, 5e-324]), np.array([10.0, 10.0, 5e-324]))))
UNARY_EDGES = (S.Case(args=(np.array([0.5, -2.0, 1e-300, -1e300, 3.0, 709.0, -745.0]),)),)

JAX_DAZ = Convention(
    label="default", settings={}, matches={}, flush_subnormals=True,
    note="XLA on CPU reads subnormal inputs (0 < |x| < 2.2e-308) as zero (denormals-are-zero), so 1/x is "
         "±inf there instead of a finite ±4.5e307…1.8e308; elsewhere it matches the page")
DAZ_RECIPROCAL = {"torch": PAGE, "jax": (JAX_DAZ,)}

MAX_TIES_SPLIT = {
    o: (Convention(label="default", settings={}, matches={"ties": "split"}, flush_subnormals=o == "jax",
                   note=f"{where} differentiates max(x, y) at a tie x = y to 0.5 for each input (autodiff "
                        "splits a tie evenly, so the two partials sum to 1); the page's 1(x >= y) gives both "
                        "inputs the whole gradient, 1 and 1" + ("; XLA on CPU also reads subnormal inputs as 0, so "
                        "max(0, 5e-324) is a tie there" if o == "jax" else "")),)
    for o, where in (("torch", "torch.maximum"), ("jax", "jnp.maximum"))}


def _gate(name, *, section, description, value, grad, binary=False, examples=None):
    return Quantity(name=name, module="gates", family="gate", section=section, description=description,
                    inputs=S.pairs if binary else S.elementwise,
                    examples=examples if examples is not None else (TIES if binary else UNARY_EDGES),
                    value=value, grad=grad)


QUANTITIES = [
    _gate("add", section="grad", binary=True, description="f(x, y) = x + y; ∂f/∂x = 1",
          value=Side(tolerance=CORRECTLY_ROUNDED, oracles=TORCH_JAX,
                     bugs=(Bug(description="x − y", function=lambda x, y: np.asarray(x, float) - y),)),
          grad=Side(tolerance=CORRECTLY_ROUNDED, oracles=TORCH_JAX,
                    bugs=(Bug(description="local gradient y (the multiply gate's)",
                              function=lambda x, y: np.asarray(y, float) + 0.0 * np.asarray(x, float)),))),
    _gate("mul", section="grad", binary=True, description="f(x, y) = x y; ∂f/∂x = y",
          value=Side(tolerance=CORRECTLY_ROUNDED, oracles=TORCH_JAX,
                     bugs=(Bug(description="x + y", function=lambda x, y: np.asarray(x, float) + y),)),
          grad=Side(tolerance=CORRECTLY_ROUNDED, oracles=TORCH_JAX,
                    bugs=(Bug(description="local gradient x (not swapped)",
                              function=lambda x, y: np.asarray(x, float) + 0.0 * np.asarray(y, float)),))),
    _gate("maximum", section="grad", binary=True, description="f(x, y) = max(x, y); ∂f/∂x = 1(x >= y)",
          value=Side(tolerance=CORRECTLY_ROUNDED, oracles=TORCH_JAX,
                     bugs=(Bug(description="min(x, y)", function=lambda x, y: np.minimum(x, y)),)),
          grad=Side(tolerance=CORRECTLY_ROUNDED, oracles=MAX_TIES_SPLIT,
                    bugs=(Bug(description="1(x > y): 0 at a tie",
                              function=lambda x, y, ties="page": np.where(
                                  np.asarray(x) > np.asarray(y), 1.0, 0.5 if ties == "split" else 0.0)),))),
    _gate("reciprocal", section="sigmoid", description="f(x) = 1/x; f′(x) = −1/x²",
          value=Side(tolerance=CORRECTLY_ROUNDED, oracles=DAZ_RECIPROCAL,
                     bugs=(Bug(description="1/(x + ε)", function=lambda x: 1.0 / (np.asarray(x, float) + 1e-12)),)),
          grad=Side(tolerance=SQUARED_RECIPROCAL, oracles=DAZ_RECIPROCAL,
                    bugs=(Bug(description="+1/x² (sign)", function=lambda x: 1.0 / np.asarray(x, float) ** 2),))),
    _gate("exp", section="sigmoid", description="f(x) = eˣ; f′(x) = eˣ",
          value=Side(tolerance=ONE_EXP, oracles=TORCH_JAX,
                     bugs=(Bug(description="eˣ − 1 (expm1 for exp)",
                               function=lambda x: np.expm1(np.asarray(x, float))),)),
          grad=Side(tolerance=ONE_EXP, oracles=TORCH_JAX, helpers=("gates.exp",),
                    bugs=(Bug(description="x eˣ⁻¹ (the power rule)",
                              function=lambda x: np.asarray(x, float) * np.exp(np.asarray(x, float) - 1)),))),
    _gate("scale", section="sigmoid", description="f_a(x) = a x, a = −1 (the circuit's ×−1); f′ = a",
          value=Side(tolerance=CORRECTLY_ROUNDED, oracles=TORCH_JAX,
                     bugs=(Bug(description="a ignored (×1)", function=lambda x, a=-1.0: np.asarray(x, float) * 1.0),)),
          grad=Side(tolerance=CORRECTLY_ROUNDED, oracles=TORCH_JAX,
                    bugs=(Bug(description="local gradient 1", function=lambda x, a=-1.0: np.ones_like(
                        np.asarray(x, float))),))),
    _gate("shift", section="sigmoid", description="f_c(x) = c + x, c = 1 (the circuit's +1); f′ = 1",
          value=Side(tolerance=CORRECTLY_ROUNDED, oracles=TORCH_JAX,
                     bugs=(Bug(description="c − x", function=lambda x, c=1.0: c - np.asarray(x, float)),)),
          grad=Side(tolerance=CORRECTLY_ROUNDED, oracles=TORCH_JAX,
                    bugs=(Bug(description="local gradient 0 (as if x were the constant)",
                              function=lambda x, c=1.0: np.zeros_like(np.asarray(x, float))),))),
]
