"""The page's loss functions (section ``loss``): one declaration per quantity, with its value
and gradient rows, exact formula, planted bugs and SymPy derivation."""

from __future__ import annotations

import mpmath
import numpy as np

from nnconf.conformance import strategies as S
from nnconf.conformance.checks import symbolic
from nnconf.conformance.exactness import mp
from nnconf.conformance.quantities import Derivation, Quantity, Side
from nnconf.conformance.records import Bug, Convention, Page
from nnconf.conformance.tolerance import EPS, TINY, Tolerance
from reference import activations as A
from reference import losses as L

# The originals, bound before a planted bug replaces them: a bug built on the function it
# replaces must call the original, not itself (see nnconf/conformance/checks/activations.py).
_ORIGINAL = {name: getattr(L, name) for name in ("cross_entropy", "cross_entropy_grad", "binary_cross_entropy",
                                                  "binary_cross_entropy_grad")}

PAGE_CLIP = 1e-12  # the page's code: np.clip(y_pred, 1e-12, 1 - 1e-12)
TORCH_BCE_EPSILON = float(np.float32(1e-12))  # ATen's BCE backward floor, a float constant

SUM_OF_SQUARES = Tolerance(
    rtol=64 * EPS, atol=TINY,
    reason="a sum of n ≤ 64 squares: recursive summation error ≤ nε relative (pairwise and "
           "blocked sums do better); the terms are non-negative, so no cancellation")
LINEAR_GRAD = Tolerance(
    rtol=4 * EPS, atol=TINY,
    reason="2(ŷ - y)/N: one subtraction and two products, each correctly rounded but in "
           "different orders (2d/N vs 2d·(1/N)): 4 ulp")
LOG_LOSS = Tolerance(
    rtol=16 * EPS, atol=2 * EPS,
    reason="log ≤ 1 ulp and a mean of ≤ 6 terms: 16 ulp relative; torch's log(1 - p) "
           "(reference: log1p(-p)) has an absolute error ≤ ε/2 when 1 - p rounds: atol 2ε")
LOG_SOFTMAX = Tolerance(
    rtol=16 * EPS, atol=4 * EPS, atol_x=4 * EPS,
    reason="z - max z - log Σ exp(z - max z): the subtraction of logits as large as |z| = 1e3 "
           "carries an absolute error ≤ ε|z| (atol_x = 4ε per unit max|z|), log Σ of ≤ 6 "
           "terms ≤ 8ε; the mean over ≤ 6 samples adds ≤ 6 ulp")
RATIO_GRAD = Tolerance(
    rtol=8 * EPS, atol=2 * EPS,
    reason="(s - y)/N or -y/(pN) or (p - y)/(p(1 - p)N): a few correctly rounded ops (8 ulp); "
           "s - y cancels to an absolute error ≤ ε when s ≈ y: atol 2ε")

ZERO_PROBABILITIES = (
    S.Case(args=(np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]]), np.array([[0.0, 1.0, 0.0], [1.0, 0, 0]]))),
    S.Case(args=(np.array([[0.1, 0.7, 0.2], [0.1, 0.1, 0.8]]), np.array([[0.0, 1.0, 0.0]] * 2))),
    S.Case(args=(np.array([[1e-13, 1 - 1e-13], [1e-300, 1.0]]), np.array([[1.0, 0.0], [1.0, 0.0]]))),
)
BCE_EDGES = (
    S.Case(args=(np.array([1e-300, 1e-50, 1e-13, 0.5, 1 - 1e-13]), np.array([1.0, 1, 1, 0, 0]))),
    S.Case(args=(np.array([1e-300, 1e-50, 1e-13, 1 - 2.0**-53]), np.array([0.0, 0, 0, 1]))),
)

LOGIT_EDGES = (S.Case(args=(np.array([[1000.0, 0.0], [0.0, -1000.0]]), np.eye(2))),)
BINARY_LOGIT_EDGES = (S.Case(args=(np.array([-1e3, 0.0, 1e3, 37.0]), np.array([1.0, 0, 0, 1]))),)

JAX_UNREDUCED = Convention(
    label="default", settings={}, matches={"reduction": "none"},
    note="optax losses return one value per example (per element for squared_error): no "
         "reduction; jnp.mean (oracle setting reduction='mean') gives the page's 1/N.")
TORCH_NO_CLIP = Convention(
    label="default", settings={}, matches={"eps": None},
    note="torch has no clipping of probabilities: F.nll_loss(log ŷ) is +inf at ŷ = 0 and "
         "-log ŷ beyond the page's cap of -log(1e-12) = 27.63; clamp(ŷ, 1e-12, 1 - 1e-12) matches.")
SKLEARN_EPS = float(np.finfo(np.float64).eps)
SKLEARN_CE = tuple(
    Convention(label=f"impl={impl}", settings={"impl": impl}, matches={"eps": SKLEARN_EPS},
               note=f"{where} clips ŷ to [ε, 1 - ε] with ε = 2.2e-16 (float64 machine "
                    "epsilon), not the page's 1e-12: -log ŷ is capped at 36.04, not 27.63; no "
                    "setting changes it.")
    for impl, where in (("metrics", "sklearn.metrics.log_loss"),
                        ("mlp", "MLPClassifier's log_loss (neural_network._base)")))
SKLEARN_HALF_MSE = Convention(
    label="impl=mlp", settings={"impl": "mlp"}, matches={}, scale=0.5,
    note="MLPRegressor's squared_error loss (neural_network._base) is 0.5·mean((y - ŷ)²), half the "
         "page's MSE; its gradient ŷ - y drops the page's 2/N accordingly.")
TORCH_BCE_LOG_FLOOR = Convention(
    label="default", settings={}, matches={"log_floor": -100.0},
    note="F.binary_cross_entropy clamps each log at -100 (so a term is at most 100, reached for "
         "ŷ < e^-100 = 3.7e-44); the page's formula is unbounded; no setting removes the clamp.")
TORCH_BCE_DENOM_FLOOR = Convention(
    label="default", settings={}, matches={"denom_floor": TORCH_BCE_EPSILON},
    note="torch's BCE backward divides (ŷ - y) by max(ŷ(1 - ŷ), EPSILON) with EPSILON the float32 "
         "constant 1e-12 (= 9.99999996e-13 in float64): for ŷ or 1 - ŷ below ~1e-12 the gradient "
         "is capped; no setting removes the floor.")
SKLEARN_BCE = Convention(
    label="impl=mlp", settings={}, matches={"eps": SKLEARN_EPS},
    note="MLPClassifier's binary_log_loss clips ŷ to [ε, 1 - ε], ε = 2.2e-16 (a term is at most "
         "36.04); it sums over outputs and averages over samples (the page's 1/N for one output).")
MEAN = Page(settings={"reduction": "mean"})
# Exactness compares per-element losses: scikit-learn's losses are means over samples only.
FRAMEWORKS_PER_ELEMENT = ("torch", "jax")


def _sum_terms_over_rows(y_pred, y_true, *, reduction="mean"):
    d = (np.asarray(y_true) - np.asarray(y_pred)) ** 2
    return np.sum(d) / (d.shape[0] if d.ndim > 1 else d.size)


def _loss(name, *, alias="", section, inputs, value, grad, **kw):
    return Quantity(name=name, module="losses", family="loss", alias=alias, section=section, inputs=inputs,
                    value=value, grad=grad, exact_oracles=FRAMEWORKS_PER_ELEMENT, **kw)


QUANTITIES = [
    _loss(
        "mse", section="loss.mse", inputs=S.regression_pairs, description="L = (1/N) Σ (y - ŷ)²",
        exact_inputs="x_y",
        value=Side(tolerance=SUM_OF_SQUARES, exact=lambda p, y: (p - y) ** 2,
                   oracles={"torch": (Page(),), "jax": (MEAN, JAX_UNREDUCED),
                            "sklearn": (Page(settings={"impl": "metrics"}), SKLEARN_HALF_MSE)},
                   examples=(S.Case(args=(np.array([0.1, 0.7, 0.2]), np.array([0.0, 1.0, 0.0]))),),
                   bugs=(Bug(description="divides by the number of rows, not of elements",
                             function=_sum_terms_over_rows),)),
        grad=Side(tolerance=LINEAR_GRAD, oracles={"torch": (Page(),), "jax": (MEAN,)},
                  exact=lambda p, y: 2 * (p - y), description="∂L/∂ŷ = (2/N)(ŷ - y)",
                  bugs=(Bug(description="factor 2 missing",
                            function=lambda p, y, reduction="mean": (np.asarray(p) - y) / np.asarray(p).size),)),
        derivation=Derivation(run=symbolic.mse_derivative, description="the MSE derivative", checks_code=False)),
    _loss(
        "cross_entropy", alias="ce", section="loss.ce", inputs=S.probabilities_one_hot,
        examples=ZERO_PROBABILITIES, description="L = -(1/N) Σ log clip(ŷ_c, 1e-12, 1 - 1e-12)",
        value=Side(tolerance=LOG_LOSS,
                   oracles={"torch": (Page(settings={"clip": PAGE_CLIP}), TORCH_NO_CLIP),
                            "jax": (Page(settings={"clip": PAGE_CLIP, "reduction": "mean"}),),
                            "sklearn": SKLEARN_CE},
                   bugs=(Bug(description="clip at 1e-15 instead of the page's 1e-12",
                             function=lambda p, y, eps=1e-12, reduction="mean": _ORIGINAL["cross_entropy"](
                                 p, y, eps=None if eps is None else 1e-15, reduction=reduction)),)),
        grad=Side(tolerance=RATIO_GRAD,
                  oracles={"torch": (Page(settings={"clip": PAGE_CLIP}), TORCH_NO_CLIP),
                           "jax": (Page(settings={"clip": PAGE_CLIP, "reduction": "mean"}),)},
                  description="∂L/∂ŷ = -y/(N ŷ) inside the clip range, 0 outside",
                  bugs=(Bug(description="sign flipped",
                            function=lambda p, y, eps=1e-12, reduction="mean": -_ORIGINAL["cross_entropy_grad"](
                                p, y, eps=eps, reduction=reduction)),))),
    _loss(
        "softmax_cross_entropy", alias="ce_logits", section="loss.ce", inputs=S.logits_one_hot,
        examples=LOGIT_EDGES, description="cross-entropy of softmax(z), from logits",
        exact_inputs="logits3_class0",
        value=Side(tolerance=LOG_SOFTMAX, oracles={"torch": (Page(),), "jax": (MEAN, JAX_UNREDUCED)},
                   exact=mp.ce0, bugs=(Bug(
                       description="log-softmax without the max shift",
                       function=lambda z, y, reduction="mean": -np.sum(
                           y * np.log(np.exp(z) / np.exp(z).sum(-1, keepdims=True))) / np.shape(z)[0]),)),
        grad=Side(tolerance=RATIO_GRAD, section="backprop.softmax_ce", oracles={"torch": (Page(),), "jax": (MEAN,)},
                  exact=mp.ce0_grad0, description="∂L/∂z = (ŷ - y)/N", bugs=(Bug(
                      description="mean over all N·K elements, not N rows",
                      function=lambda z, y, reduction="mean": (A.softmax(z) - y) / np.size(z)),)),
        derivation=Derivation(run=symbolic.softmax_ce_gradient, checks_code=False,
                              description="∂L/∂z = ŷ − y for K = 2..5 with Σy = 1; the general form without it")),
    _loss(
        "binary_cross_entropy", alias="bce", section="loss.bce", inputs=S.binary_probabilities,
        examples=BCE_EDGES, description="L = -(1/N) Σ [y log ŷ + (1 - y) log(1 - ŷ)]", exact_inputs="p_label",
        value=Side(tolerance=LOG_LOSS, oracles={"torch": (TORCH_BCE_LOG_FLOOR,), "sklearn": (SKLEARN_BCE,)},
                   exact=mp.bce, bugs=(Bug(
                       description="the two logs swapped",
                       function=lambda p, y, eps=None, log_floor=None, reduction="mean":
                       _ORIGINAL["binary_cross_entropy"](
                           1.0 - np.asarray(p), y, eps=eps, log_floor=log_floor, reduction=reduction)),)),
        grad=Side(tolerance=RATIO_GRAD, oracles={"torch": (TORCH_BCE_DENOM_FLOOR,)},
                  description="∂L/∂ŷ = (ŷ - y)/(N ŷ(1 - ŷ))", bugs=(Bug(
                      description="sign flipped: (y - ŷ)/(ŷ(1 - ŷ))",
                      function=lambda p, y, eps=None, denom_floor=None, reduction="mean":
                      -_ORIGINAL["binary_cross_entropy_grad"](
                          p, y, eps=eps, denom_floor=denom_floor, reduction=reduction)),))),
    _loss(
        "binary_cross_entropy_with_logits", alias="bce_logits", section="loss.bce", inputs=S.binary_logits,
        examples=BINARY_LOGIT_EDGES, description="BCE of σ(z), from logits", exact_inputs="x_label",
        value=Side(tolerance=LOG_SOFTMAX, oracles={"torch": (Page(),), "jax": (MEAN, JAX_UNREDUCED)},
                   exact=lambda z, y: -(y * mpmath.log(mp.sig(z)) + (1 - y) * mpmath.log(mp.sig(-z))),
                   bugs=(Bug(description="log(1 + e^|z|) instead of e^-|z|",
                             function=lambda z, y, reduction="mean": np.mean(
                                 np.maximum(z, 0) - y * z + np.log1p(np.exp(np.minimum(np.abs(z), 700))))),)),
        grad=Side(tolerance=RATIO_GRAD, oracles={"torch": (Page(),), "jax": (MEAN,)},
                  helpers=("activations.sigmoid",), exact=lambda z, y: mp.sig(z) - y,
                  description="∂L/∂z = (σ(z) - y)/N", bugs=(Bug(
                      description="σ(-z) - y",
                      function=lambda z, y, reduction="mean": (A.sigmoid(-np.asarray(z)) - y) / np.size(z)),))),
]
