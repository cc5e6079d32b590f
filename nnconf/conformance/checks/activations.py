"""The page's activation functions (section ``act``): one declaration per quantity, with its
value and derivative rows, exact formula, planted bugs, SymPy derivation and figure panel."""

from __future__ import annotations

import math
from dataclasses import replace

import mpmath
import numpy as np

from nnconf.conformance import strategies as S
from nnconf.conformance.checks import symbolic
from nnconf.conformance.exactness import mp
from nnconf.conformance.quantities import Derivation, Panel, Quantity, Side
from nnconf.conformance.records import Bug, Convention, Page
from nnconf.conformance.tolerance import EPS, TINY, Tolerance
from reference import activations as A

# x = 0 and -0 are the kinks; the rest are where formulas overflow, underflow or cancel.
KINKS = (S.Case(args=(np.array([0.0, -0.0]),)), S.Case(args=(np.array([[0.0], [1e-300], [-5e-324]]),)),
         S.Case(args=(np.array([-1e3, -745.0, -710.0, -37.0, -5.0, 5.0, 37.0, 710.0, 1e3]),)))

EXACT = Tolerance(
    rtol=0.0, atol=TINY,
    reason="max, comparison and one IEEE multiply are correctly rounded: the same bits "
           "everywhere, except that XLA on CPU flushes subnormal results to zero, an absolute "
           "difference below the smallest normal (atol)")
EXP_VALUE = Tolerance(
    rtol=8 * EPS, atol=TINY,
    reason="one exp (≤1 ulp in libm/XLA/ATen) and 2 correctly rounded ops: 8 ulp covers "
           "differing libms; atol = smallest normal, since results below it (x < -708) have no "
           "relative precision and torch's 1/(1+e^-x) flushes them to 0 when e^-x overflows")
ONE_MINUS = Tolerance(
    rtol=8 * EPS, atol=8 * EPS,
    reason="frameworks form 1 - σ or 1 - tanh² by subtraction from 1, whose absolute error is "
           "that of σ or tanh² near 1: ~ε with a correctly rounded libm, but XLA's float64 tanh "
           "is up to 6 ulp off near saturation (measured on [-20, 20] against 40-digit mpmath: "
           "7.8e-16 absolute; torch and NumPy ≤ 1 ulp), so 1 - tanh² carries up to ~7ε; the "
           "reference's σ(x)σ(-x) and sech² keep relative precision: relative 8 ulp or "
           "absolute 8ε")
GELU = Tolerance(
    rtol=16 * EPS, atol=2 * EPS, atol_x=2 * EPS,
    reason="erf/erfc/tanh ≤ a few ulp, a cubic and 3 products: 16 ulp relative; torch forms "
           "1 + erf(x/√2) (or 1 + tanh u) by cancellation for x < 0, an absolute error ≤ ε "
           "in Φ, times |x| in x·Φ(x): atol_x = 2ε per unit |x|, atol = 2ε for the derivative")
GELU_TANH_GRAD = Tolerance(
    rtol=16 * EPS, atol=256 * EPS, atol_x=2 * EPS,
    reason="as GELU, plus: frameworks differentiate tanh as 1 - tanh²(u), an absolute error "
           "up to ~7ε with XLA's float64 tanh (6 ulp near saturation, see act.tanh.grad), which "
           "the chain rule multiplies by ½x·u'(x) = ½x·√(2/π)(1 + 3·0.044715x²) ≤ ~25 while "
           "tanh(u) is distinguishable from 1 (|x| < 7.5); beyond, the term vanishes: 256ε")
SOFTMAX = Tolerance(
    rtol=16 * EPS, atol=TINY, rtol_x=EPS,
    reason="max-shifted exp (≤1 ulp) and a sum of K ≤ 6 terms (≤ Kε): 16 ulp relative; "
           "frameworks round z − max z in working precision (absolute error ≤ ½ulp ≤ ε·max|z|), "
           "which exp turns into a relative error: rtol_x = ε per unit max|z| (the reference "
           "forms it in a wider type, ≤ 0.6 ulp measured); entries below the smallest normal "
           "carry no relative precision")
SOFTMAX_JVP = Tolerance(
    rtol=32 * EPS, atol=16 * EPS, rtol_x=EPS,
    reason="J v = s ⊙ (v - <s, v>): the inner product of K ≤ 6 terms with |v| ≤ 1 has absolute "
           "error ≤ (K+1)ε and autodiff orders the products differently: 16ε absolute, "
           "32 ulp relative; s carries the frameworks' rounding of z − max z: rtol_x = ε per "
           "unit max|z| (as act.softmax.value)")


SIGMOID = ("activations.sigmoid",)  # σ′ = σ(x)σ(−x) and the tanh-form GELU x·σ(2u) call it
ALL = ("torch", "jax", "sklearn")
PAGE = (Page(),)
EVERY = {o: PAGE for o in ALL}
TORCH_JAX = {o: PAGE for o in ("torch", "jax")}

JAX_LEAKY_AT_ZERO = Convention(
    label="default", settings={}, matches={"at_zero": 1.0}, flush_subnormals=True,
    note="jax.nn.leaky_relu is where(x >= 0, x, αx): its derivative at exactly x = 0 is 1, the "
         "page's branch αx for x ≤ 0 gives α; no jax setting changes it (torch gives α). XLA on "
         "CPU also reads subnormal inputs as 0 (denormals-are-zero).")
JAX_DAZ = Convention(
    label="default", settings={}, matches={}, flush_subnormals=True,
    note="XLA on CPU reads subnormal inputs (0 < |x| < 2.2e-308) as zero (denormals-are-zero), so "
         "the derivative there is the kink's value, not the slope of the side x lies on; "
         "elsewhere, x = 0 included, it matches the page.")
GELU_TANH_DEFAULT_JAX = Convention(
    label="default", settings={}, matches={"approximate": "tanh"},
    note="jax.nn.gelu defaults to approximate=True (tanh form); approximate=False is the page's "
         "exact x·Φ(x).")
GELU_EXACT_DEFAULT_TORCH = Convention(
    label="default", settings={}, matches={"approximate": "none"}, tolerance=GELU,
    note="torch.nn.functional.gelu defaults to approximate='none' (exact x·Φ(x)); "
         "approximate='tanh' gives the page's tanh form.")
MAXIMUM_AT_ZERO = Convention(
    label="via=maximum", settings={"via": "maximum"}, matches={"at_zero": 0.5},
    note="ReLU spelled maximum(x, 0), as the page's code writes it (np.maximum(0, z)), "
         "differentiates to 0.5 at x = 0: autodiff splits a tie of maximum evenly; F.relu and "
         "jax.nn.relu give the page's 0.")
CLAMP_AT_ZERO = Convention(
    label="via=clamp", settings={"via": "clamp"}, matches={"at_zero": 1.0},
    note="ReLU spelled torch.clamp(x, min=0) differentiates to 1 at x = 0 (clamp passes the "
         "gradient where x >= min); F.relu gives the page's 0.")


# The originals, bound before a planted bug replaces them: a bug that falls back on the function
# it replaces (GELU's other form) must not call its own replacement, which would recurse and
# "fail" for a reason that is not the bug (tests/test_planted_bugs.py refuses such a catch).
_GELU, _GELU_GRAD = A.gelu, A.gelu_grad


def _erfc(v):
    return np.vectorize(math.erfc, otypes=[float])(v)


def _gelu_tanh_grad_wrong(x):
    c = math.sqrt(2 / math.pi)
    u = c * (x + 0.044715 * x**3)
    t = np.tanh(u)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * c * (1 + 0.044715 * x**2)


def _activation(name, *, section, description, value, grad, **kw):
    return Quantity(name=name, module="activations", family="act", section=section, description=description,
                    inputs=S.elementwise, examples=KINKS, value=value, grad=grad, **kw)


QUANTITIES = [
    _activation(
        "sigmoid", section="act.sigmoid", description="σ(x) = 1/(1 + e^-x)",
        value=Side(tolerance=EXP_VALUE, oracles=EVERY, exact=mp.sig, bugs=(Bug(
            description="flipped sign: 1/(1 + e^x)",
            function=lambda x: 1.0 / (1.0 + np.exp(np.asarray(x, dtype=float)))),)),
        grad=Side(tolerance=ONE_MINUS, oracles=EVERY, exact=lambda x: mp.sig(x) * mp.sig(-x), helpers=SIGMOID,
                  bugs=(Bug(
            description="σ(x)σ(x) instead of σ(x)(1 - σ(x))", function=lambda x: A.sigmoid(x) ** 2),)),
        derivation=Derivation(run=symbolic.sigmoid_derivative,
                              description="σ′ = σ(1 − σ), symbolically, and the reference's code against it"),
        panel=Panel(title="Sigmoid", derivative="Sigmoid'"), network="smooth"),
    _activation(
        "tanh", section="act.tanh", description="tanh, derivative 1 - tanh²",
        value=Side(tolerance=Tolerance(rtol=4 * EPS, atol=TINY, reason="tanh ≤ 1-2 ulp in each libm"),
                   oracles=EVERY, exact=mpmath.tanh, bugs=(Bug(
                       description="the page's (e^x - e^-x)/(e^x + e^-x), NaN beyond |x| = 710",
                       function=lambda x: (np.exp(x) - np.exp(-np.asarray(x)))
                       / (np.exp(x) + np.exp(-np.asarray(x)))),)),
        grad=Side(tolerance=ONE_MINUS, oracles=EVERY, exact=lambda x: 1 / mpmath.cosh(x) ** 2, bugs=(Bug(
            description="1 - tanh(x), square missing", function=lambda x: 1.0 - np.tanh(x)),)),
        derivation=Derivation(run=symbolic.tanh_derivative, description="tanh′ = 1 − tanh² by the quotient rule"),
        panel=Panel(title="Tanh", derivative="Tanh'"), network="smooth"),
    _activation(
        "relu", section="act.relu", description="max(0, x); derivative 0 at x = 0 (the page's code: z > 0)",
        value=Side(tolerance=EXACT, oracles=EVERY, exact=lambda x: x if x > 0 else mpmath.mpf(0), bugs=(Bug(
            description="max(x, 0.01x): leaky by mistake",
            function=lambda x: np.maximum(x, 0.01 * np.asarray(x, dtype=float))),)),
        grad=Side(tolerance=EXACT, oracles={
            "torch": (Page(), MAXIMUM_AT_ZERO, CLAMP_AT_ZERO),
            "jax": (JAX_DAZ, replace(MAXIMUM_AT_ZERO, flush_subnormals=True)), "sklearn": PAGE}, bugs=(Bug(
                description="derivative 1 at x = 0 (x >= 0)",
                function=lambda x, at_zero=0.0: np.where(np.asarray(x) >= 0, 1.0, 0.0)),)),
        panel=Panel(title="ReLU", derivative="ReLU'"), network="kinked"),
    _activation(
        "leaky_relu", section="act.leaky_relu", description="x if x > 0 else αx, α = 0.01",
        value=Side(tolerance=EXACT, oracles=TORCH_JAX, exact=lambda x: x if x > 0 else mpmath.mpf(0.01) * x,
                   bugs=(Bug(description="α = 0.1 instead of 0.01",
                             function=lambda x, alpha=0.01: np.where(np.asarray(x) > 0, x, 0.1 * np.asarray(x))),)),
        grad=Side(tolerance=EXACT, oracles={"torch": PAGE, "jax": (JAX_LEAKY_AT_ZERO,)}, bugs=(Bug(
            description="derivative 1 at x = 0 (x >= 0)",
            function=lambda x, alpha=0.01, at_zero=None: np.where(np.asarray(x) >= 0, 1.0, alpha)),)),
        panel=Panel(title="Leaky ReLU (α=0.01)"), network="kinked"),
    _activation(
        "gelu", section="act.gelu", description="exact GELU x·Φ(x)",
        value=Side(tolerance=GELU, oracles={"torch": PAGE, "jax": (Page(settings={"approximate": False}),
                                                                    GELU_TANH_DEFAULT_JAX)},
                   exact=lambda x: x * mp.ncdf(x), helpers=SIGMOID, bugs=(Bug(
                       description="erf(x/2) instead of erf(x/√2) (exact form)",
                       function=lambda x, approximate="none": 0.5 * x * _erfc(-np.asarray(x) / 2.0)
                       if approximate == "none" else _GELU(x, approximate="tanh")),)),
        grad=Side(tolerance=GELU, oracles={"torch": PAGE, "jax": (
            Page(settings={"approximate": False}), replace(GELU_TANH_DEFAULT_JAX, tolerance=GELU_TANH_GRAD))},
                  exact=lambda x: mp.ncdf(x) + x * mpmath.npdf(x), helpers=SIGMOID, bugs=(Bug(
                      description="x·φ(x) term dropped (exact form)",
                      function=lambda x, approximate="none": 0.5 * _erfc(-np.asarray(x) / math.sqrt(2))
                      if approximate == "none" else _GELU_GRAD(x, approximate="tanh")),)),
        derivation=Derivation(run=symbolic.gelu_derivative,
                              description="the GELU derivative the reference uses, exact and tanh forms"),
        panel=Panel(title="GELU (exact)"), network="smooth"),
    _activation(
        "gelu", form="tanh", reference_settings={"approximate": "tanh"}, section="act.gelu",
        description="tanh-approximate GELU",
        value=Side(tolerance=GELU, oracles={"torch": (Page(settings={"approximate": "tanh"}), GELU_EXACT_DEFAULT_TORCH),
                                            "jax": PAGE},
                   exact=mp.gelu_tanh, helpers=SIGMOID, bugs=(Bug(
                       description="perturbed constant 0.044715 -> 0.04472 (tanh form)",
                       function=lambda x, approximate="none": _GELU(x) if approximate == "none" else
                       0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.04472 * np.asarray(x) ** 3)))),)),
        grad=Side(tolerance=GELU_TANH_GRAD, helpers=SIGMOID,
                  oracles={"torch": (Page(settings={"approximate": "tanh"}), GELU_EXACT_DEFAULT_TORCH), "jax": PAGE},
                  bugs=(Bug(description="3·0.044715 -> 0.044715 in u' (tanh form)",
                            function=lambda x, approximate="none": _GELU_GRAD(x) if approximate == "none" else
                            _gelu_tanh_grad_wrong(np.asarray(x, dtype=float))),))),
    Quantity(
        name="softmax", module="activations", family="act", section="act.softmax",
        description="softmax along the last axis", inputs=S.elementwise, exact_inputs="logits3",
        value=Side(tolerance=SOFTMAX, oracles=EVERY, exact=mp.softmax0,
                   examples=(S.Case(args=(np.array([[1000.0, 0.0]]),)), S.Case(args=(np.array([[2.0, 1.0, 0.1]]),))),
                   bugs=(Bug(description="no max subtraction (overflows at z = 1000)",
                             function=lambda z, axis=-1: np.exp(z) / np.sum(np.exp(z), axis=axis, keepdims=True)),)),
        grad=Side(id="jvp", reference="softmax_jvp", inputs=S.logits_with_cotangent, tolerance=SOFTMAX_JVP,
                  oracles=TORCH_JAX, helpers=("activations.softmax",),
                  exact=mp.softmax_jvp0, exact_inputs="logits3_tangent3",
                  examples=(S.Case(args=(np.array([[1000.0, 0.0, -1000.0]]),),
                                   cotangent=np.array([[1.0, -1.0, 0.5]])),),
                  description="Jacobian-vector product s ⊙ (v - <s, v>) (J is symmetric: also the VJP)",
                  bugs=(Bug(description="diag(s) v only: the -s sᵀv term dropped",
                            function=lambda z, v, axis=-1: A.softmax(z, axis=axis) * v),))),
]

NETWORK = tuple(q.name for q in QUANTITIES if q.network)  # hidden activations the networks draw
SMOOTH = tuple(q.name for q in QUANTITIES if q.network == "smooth")
