"""Checks of the page's activation functions (section ``act``): values and derivatives."""

from __future__ import annotations

import numpy as np

from .. import strategies as S
from ..registry import Check, Convention, Page
from ..tolerance import EPS, TINY, Tolerance

# x = 0 and -0 are the kinks; the rest are where formulas overflow, underflow or cancel.
KINKS = (S.Case((np.array([0.0, -0.0]),)), S.Case((np.array([[0.0], [1e-300], [-5e-324]]),)),
         S.Case((np.array([-1e3, -745.0, -710.0, -37.0, -5.0, 5.0, 37.0, 710.0, 1e3]),)))

EXACT = Tolerance(
    0.0, atol=TINY,
    reason="max, comparison and one IEEE multiply are correctly rounded: the same bits "
           "everywhere, except that XLA on CPU flushes subnormal results to zero, an absolute "
           "difference below the smallest normal (atol)")
EXP_VALUE = Tolerance(
    8 * EPS, atol=TINY,
    reason="one exp (≤1 ulp in libm/XLA/ATen) and 2 correctly rounded ops: 8 ulp covers "
           "differing libms; atol = smallest normal, since results below it (x < -708) have no "
           "relative precision and torch's 1/(1+e^-x) flushes them to 0 when e^-x overflows")
ONE_MINUS = Tolerance(
    8 * EPS, atol=8 * EPS,
    reason="frameworks form 1 - σ or 1 - tanh² by subtraction from 1, whose absolute error is "
           "that of σ or tanh² near 1: ~ε with a correctly rounded libm, but XLA's float64 tanh "
           "is up to 6 ulp off near saturation (measured on [-20, 20] against 40-digit mpmath: "
           "7.8e-16 absolute; torch and NumPy ≤ 1 ulp), so 1 - tanh² carries up to ~7ε; the "
           "reference's σ(x)σ(-x) and sech² keep relative precision: relative 8 ulp or "
           "absolute 8ε")
GELU = Tolerance(
    16 * EPS, atol=2 * EPS, atol_x=2 * EPS,
    reason="erf/erfc/tanh ≤ a few ulp, a cubic and 3 products: 16 ulp relative; torch forms "
           "1 + erf(x/√2) (or 1 + tanh u) by cancellation for x < 0, an absolute error ≤ ε "
           "in Φ, times |x| in x·Φ(x): atol_x = 2ε per unit |x|, atol = 2ε for the derivative")
GELU_TANH_GRAD = Tolerance(
    16 * EPS, atol=256 * EPS, atol_x=2 * EPS,
    reason="as GELU, plus: frameworks differentiate tanh as 1 - tanh²(u), an absolute error "
           "up to ~7ε with XLA's float64 tanh (6 ulp near saturation, see act.tanh.grad), which "
           "the chain rule multiplies by ½x·u'(x) = ½x·√(2/π)(1 + 3·0.044715x²) ≤ ~25 while "
           "tanh(u) is distinguishable from 1 (|x| < 7.5); beyond, the term vanishes: 256ε")
SOFTMAX = Tolerance(
    16 * EPS, atol=TINY, rtol_x=EPS,
    reason="max-shifted exp (≤1 ulp) and a sum of K ≤ 6 terms (≤ Kε): 16 ulp relative; "
           "frameworks round z − max z in working precision (absolute error ≤ ½ulp ≤ ε·max|z|), "
           "which exp turns into a relative error: rtol_x = ε per unit max|z| (the reference "
           "forms it in a wider type, ≤ 0.6 ulp measured); entries below the smallest normal "
           "carry no relative precision")
SOFTMAX_JVP = Tolerance(
    32 * EPS, atol=16 * EPS, rtol_x=EPS,
    reason="J v = s ⊙ (v - <s, v>): the inner product of K ≤ 6 terms with |v| ≤ 1 has absolute "
           "error ≤ (K+1)ε and autodiff orders the products differently: 16ε absolute, "
           "32 ulp relative; s carries the frameworks' rounding of z − max z: rtol_x = ε per "
           "unit max|z| (as act.softmax.value)")


def _pair(name, section, value_tol, grad_tol, value_oracles, grad_oracles, *,
          reference_settings=None, suffix="", description=""):
    """The value check and the derivative check of one activation."""
    rs = reference_settings or {}
    base = f"act.{name}{suffix}"
    return [
        Check(f"{base}.value", section, name, "value", f"activations.{name}", S.elementwise,
              value_tol, value_oracles, rs, KINKS, description),
        Check(f"{base}.grad", section, name, "grad", f"activations.{name}_grad", S.elementwise,
              grad_tol, grad_oracles, rs, KINKS, f"derivative: {description}"),
    ]


ALL = ("torch", "jax", "sklearn")
PAGE = (Page(),)
EVERY = {o: PAGE for o in ALL}
TORCH_JAX = {o: PAGE for o in ("torch", "jax")}

JAX_LEAKY_AT_ZERO = Convention(
    "default", {}, {"at_zero": 1.0},
    "jax.nn.leaky_relu is where(x >= 0, x, αx): its derivative at exactly x = 0 is 1, the "
    "page's branch αx for x ≤ 0 gives α; no jax setting changes it (torch gives α). XLA on "
    "CPU also reads subnormal inputs as 0 (denormals-are-zero).", flush_subnormals=True)
JAX_DAZ = Convention(
    "default", {}, {},
    "XLA on CPU reads subnormal inputs (0 < |x| < 2.2e-308) as zero (denormals-are-zero), so "
    "the derivative there is the kink's value, not the slope of the side x lies on; "
    "elsewhere, x = 0 included, it matches the page.", flush_subnormals=True)
GELU_TANH_DEFAULT_JAX = Convention(
    "default", {}, {"approximate": "tanh"},
    "jax.nn.gelu defaults to approximate=True (tanh form); approximate=False is the page's "
    "exact x·Φ(x).")
GELU_TANH_DEFAULT_JAX_GRAD = Convention(
    **{**GELU_TANH_DEFAULT_JAX.__dict__, "tolerance": GELU_TANH_GRAD})
GELU_EXACT_DEFAULT_TORCH = Convention(
    "default", {}, {"approximate": "none"},
    "torch.nn.functional.gelu defaults to approximate='none' (exact x·Φ(x)); "
    "approximate='tanh' gives the page's tanh form.", tolerance=GELU)

MAXIMUM_AT_ZERO = Convention(
    "via=maximum", {"via": "maximum"}, {"at_zero": 0.5},
    "ReLU spelled maximum(x, 0), as the page's code writes it (np.maximum(0, z)), "
    "differentiates to 0.5 at x = 0: autodiff splits a tie of maximum evenly; F.relu and "
    "jax.nn.relu give the page's 0.")
CLAMP_AT_ZERO = Convention(
    "via=clamp", {"via": "clamp"}, {"at_zero": 1.0},
    "ReLU spelled torch.clamp(x, min=0) differentiates to 1 at x = 0 (clamp passes the "
    "gradient where x >= min); F.relu gives the page's 0.")

CHECKS = [
    *_pair("sigmoid", "act.sigmoid", EXP_VALUE, ONE_MINUS, EVERY, EVERY,
           description="σ(x) = 1/(1 + e^-x)"),
    *_pair("tanh", "act.tanh", Tolerance(4 * EPS, "tanh ≤ 1-2 ulp in each libm", atol=TINY),
           ONE_MINUS, EVERY, EVERY, description="tanh, derivative 1 - tanh²"),
    *_pair("relu", "act.relu", EXACT, EXACT, EVERY,
           {"torch": (Page(), MAXIMUM_AT_ZERO, CLAMP_AT_ZERO),
            "jax": (JAX_DAZ, Convention(**{**MAXIMUM_AT_ZERO.__dict__, "flush_subnormals": True})),
            "sklearn": PAGE},
           description="max(0, x); derivative 0 at x = 0 (the page's code: z > 0)"),
    *_pair("leaky_relu", "act.leaky_relu", EXACT, EXACT, TORCH_JAX,
           {"torch": PAGE, "jax": (JAX_LEAKY_AT_ZERO,)},
           description="x if x > 0 else αx, α = 0.01"),
    *_pair("gelu", "act.gelu", GELU, GELU,
           {"torch": PAGE, "jax": (Page({"approximate": False}), GELU_TANH_DEFAULT_JAX)},
           {"torch": PAGE, "jax": (Page({"approximate": False}), GELU_TANH_DEFAULT_JAX_GRAD)},
           description="exact GELU x·Φ(x)"),
    *_pair("gelu", "act.gelu", GELU, GELU_TANH_GRAD,
           {"torch": (Page({"approximate": "tanh"}), GELU_EXACT_DEFAULT_TORCH), "jax": PAGE},
           {"torch": (Page({"approximate": "tanh"}), GELU_EXACT_DEFAULT_TORCH), "jax": PAGE},
           reference_settings={"approximate": "tanh"}, suffix="_tanh",
           description="tanh-approximate GELU"),
    Check("act.softmax.value", "act.softmax", "softmax", "value", "activations.softmax",
          S.elementwise, SOFTMAX, EVERY, {},
          (S.Case((np.array([[1000.0, 0.0]]),)), S.Case((np.array([[2.0, 1.0, 0.1]]),))),
          "softmax along the last axis"),
    Check("act.softmax.jvp", "act.softmax", "softmax", "grad", "activations.softmax_jvp",
          S.logits_with_cotangent, SOFTMAX_JVP, TORCH_JAX, {},
          (S.Case((np.array([[1000.0, 0.0, -1000.0]]),), np.array([[1.0, -1.0, 0.5]])),),
          "Jacobian-vector product s ⊙ (v - <s, v>) (J is symmetric: also the VJP)"),
]
