"""Checks of the page's loss functions (section ``loss``): values and gradients."""

from __future__ import annotations

import numpy as np

from .. import strategies as S
from ..registry import Check, Convention, Page
from ..tolerance import EPS, TINY, Tolerance

PAGE_CLIP = 1e-12  # the page's code: np.clip(y_pred, 1e-12, 1 - 1e-12)
TORCH_BCE_EPSILON = float(np.float32(1e-12))  # ATen's BCE backward floor, a float constant

SUM_OF_SQUARES = Tolerance(
    64 * EPS, atol=TINY,
    reason="a sum of n ≤ 64 squares: recursive summation error ≤ nε relative (pairwise and "
           "blocked sums do better); the terms are non-negative, so no cancellation")
LINEAR_GRAD = Tolerance(
    4 * EPS, atol=TINY,
    reason="2(ŷ - y)/N: one subtraction and two products, each correctly rounded but in "
           "different orders (2d/N vs 2d·(1/N)): 4 ulp")
LOG_LOSS = Tolerance(
    16 * EPS, atol=2 * EPS,
    reason="log ≤ 1 ulp and a mean of ≤ 6 terms: 16 ulp relative; torch's log(1 - p) "
           "(reference: log1p(-p)) has an absolute error ≤ ε/2 when 1 - p rounds: atol 2ε")
LOG_SOFTMAX = Tolerance(
    16 * EPS, atol=4 * EPS, atol_x=4 * EPS,
    reason="z - max z - log Σ exp(z - max z): the subtraction of logits as large as |z| = 1e3 "
           "carries an absolute error ≤ ε|z| (atol_x = 4ε per unit max|z|), log Σ of ≤ 6 "
           "terms ≤ 8ε; the mean over ≤ 6 samples adds ≤ 6 ulp")
RATIO_GRAD = Tolerance(
    8 * EPS, atol=2 * EPS,
    reason="(s - y)/N or -y/(pN) or (p - y)/(p(1 - p)N): a few correctly rounded ops (8 ulp); "
           "s - y cancels to an absolute error ≤ ε when s ≈ y: atol 2ε")

ZERO_PROBABILITIES = (
    S.Case((np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]]), np.array([[0.0, 1.0, 0.0], [1.0, 0, 0]]))),
    S.Case((np.array([[0.1, 0.7, 0.2], [0.1, 0.1, 0.8]]), np.array([[0.0, 1.0, 0.0]] * 2))),
    S.Case((np.array([[1e-13, 1 - 1e-13], [1e-300, 1.0]]), np.array([[1.0, 0.0], [1.0, 0.0]]))),
)
BCE_EDGES = (
    S.Case((np.array([1e-300, 1e-50, 1e-13, 0.5, 1 - 1e-13]), np.array([1.0, 1, 1, 0, 0]))),
    S.Case((np.array([1e-300, 1e-50, 1e-13, 1 - 2.0**-53]), np.array([0.0, 0, 0, 1]))),
)

JAX_UNREDUCED = Convention(
    "default", {}, {"reduction": "none"},
    "optax losses return one value per example (per element for squared_error): no "
    "reduction; jnp.mean (oracle setting reduction='mean') gives the page's 1/N.")
TORCH_NO_CLIP = Convention(
    "default", {}, {"eps": None},
    "torch has no clipping of probabilities: F.nll_loss(log ŷ) is +inf at ŷ = 0 and "
    "-log ŷ beyond the page's cap of -log(1e-12) = 27.63; clamp(ŷ, 1e-12, 1 - 1e-12) matches.")
SKLEARN_EPS = float(np.finfo(np.float64).eps)
SKLEARN_CE = tuple(
    Convention(f"impl={impl}", {"impl": impl}, {"eps": SKLEARN_EPS},
               f"{where} clips ŷ to [ε, 1 - ε] with ε = 2.2e-16 (float64 machine "
               "epsilon), not the page's 1e-12: -log ŷ is capped at 36.04, not 27.63; no "
               "setting changes it.")
    for impl, where in (("metrics", "sklearn.metrics.log_loss"),
                        ("mlp", "MLPClassifier's log_loss (neural_network._base)")))
TORCH_BCE_LOG_FLOOR = Convention(
    "default", {}, {"log_floor": -100.0},
    "F.binary_cross_entropy clamps each log at -100 (so a term is at most 100, reached for "
    "ŷ < e^-100 = 3.7e-44); the page's formula is unbounded; no setting removes the clamp.")
TORCH_BCE_DENOM_FLOOR = Convention(
    "default", {}, {"denom_floor": TORCH_BCE_EPSILON},
    "torch's BCE backward divides (ŷ - y) by max(ŷ(1 - ŷ), EPSILON) with EPSILON the float32 "
    "constant 1e-12 (= 9.99999996e-13 in float64): for ŷ or 1 - ŷ below ~1e-12 the gradient "
    "is capped; no setting removes the floor.")
SKLEARN_BCE = Convention(
    "impl=mlp", {}, {"eps": SKLEARN_EPS},
    "MLPClassifier's binary_log_loss clips ŷ to [ε, 1 - ε], ε = 2.2e-16 (a term is at most "
    "36.04); it sums over outputs and averages over samples (the page's 1/N for one output).")

CHECKS = [
    Check("loss.mse.value", "loss.mse", "mse", "value", "losses.mse", S.regression_pairs,
          SUM_OF_SQUARES,
          {"torch": (Page(),), "jax": (Page({"reduction": "mean"}), JAX_UNREDUCED),
           "sklearn": (Page({"impl": "metrics"}),
                       Convention("impl=mlp", {"impl": "mlp"}, {}, scale=0.5, note=(
                           "MLPRegressor's squared_error loss (neural_network._base) is "
                           "0.5·mean((y - ŷ)²), half the page's MSE; its gradient ŷ - y "
                           "drops the page's 2/N accordingly.")))},
          examples=(S.Case((np.array([0.1, 0.7, 0.2]), np.array([0.0, 1.0, 0.0]))),),
          description="L = (1/N) Σ (y - ŷ)²"),
    Check("loss.mse.grad", "loss.mse", "mse", "grad", "losses.mse_grad", S.regression_pairs,
          LINEAR_GRAD, {"torch": (Page(),), "jax": (Page({"reduction": "mean"}),)},
          description="∂L/∂ŷ = (2/N)(ŷ - y)"),
    Check("loss.ce.value", "loss.ce", "cross_entropy", "value", "losses.cross_entropy",
          S.probabilities_one_hot, LOG_LOSS,
          {"torch": (Page({"clip": PAGE_CLIP}), TORCH_NO_CLIP),
           "jax": (Page({"clip": PAGE_CLIP, "reduction": "mean"}),),
           "sklearn": SKLEARN_CE},
          examples=ZERO_PROBABILITIES,
          description="L = -(1/N) Σ log clip(ŷ_c, 1e-12, 1 - 1e-12)"),
    Check("loss.ce.grad", "loss.ce", "cross_entropy", "grad", "losses.cross_entropy_grad",
          S.probabilities_one_hot, RATIO_GRAD,
          {"torch": (Page({"clip": PAGE_CLIP}), TORCH_NO_CLIP),
           "jax": (Page({"clip": PAGE_CLIP, "reduction": "mean"}),)},
          examples=ZERO_PROBABILITIES,
          description="∂L/∂ŷ = -y/(N ŷ) inside the clip range, 0 outside"),
    Check("loss.ce_logits.value", "loss.ce", "softmax_cross_entropy", "value",
          "losses.softmax_cross_entropy", S.logits_one_hot, LOG_SOFTMAX,
          {"torch": (Page(),), "jax": (Page({"reduction": "mean"}), JAX_UNREDUCED)},
          examples=(S.Case((np.array([[1000.0, 0.0], [0.0, -1000.0]]), np.eye(2))),),
          description="cross-entropy of softmax(z), from logits"),
    Check("loss.ce_logits.grad", "backprop.softmax_ce", "softmax_cross_entropy", "grad",
          "losses.softmax_cross_entropy_grad", S.logits_one_hot, RATIO_GRAD,
          {"torch": (Page(),), "jax": (Page({"reduction": "mean"}),)},
          examples=(S.Case((np.array([[1000.0, 0.0], [0.0, -1000.0]]), np.eye(2))),),
          description="∂L/∂z = (ŷ - y)/N"),
    Check("loss.bce.value", "loss.bce", "binary_cross_entropy", "value",
          "losses.binary_cross_entropy", S.binary_probabilities, LOG_LOSS,
          {"torch": (TORCH_BCE_LOG_FLOOR,), "sklearn": (SKLEARN_BCE,)},
          examples=BCE_EDGES,
          description="L = -(1/N) Σ [y log ŷ + (1 - y) log(1 - ŷ)]"),
    Check("loss.bce.grad", "loss.bce", "binary_cross_entropy", "grad",
          "losses.binary_cross_entropy_grad", S.binary_probabilities, RATIO_GRAD,
          {"torch": (TORCH_BCE_DENOM_FLOOR,)}, examples=BCE_EDGES,
          description="∂L/∂ŷ = (ŷ - y)/(N ŷ(1 - ŷ))"),
    Check("loss.bce_logits.value", "loss.bce", "binary_cross_entropy_with_logits", "value",
          "losses.binary_cross_entropy_with_logits", S.binary_logits, LOG_SOFTMAX,
          {"torch": (Page(),), "jax": (Page({"reduction": "mean"}), JAX_UNREDUCED)},
          examples=(S.Case((np.array([-1e3, 0.0, 1e3, 37.0]), np.array([1.0, 0, 0, 1]))),),
          description="BCE of σ(z), from logits"),
    Check("loss.bce_logits.grad", "loss.bce", "binary_cross_entropy_with_logits", "grad",
          "losses.binary_cross_entropy_with_logits_grad", S.binary_logits, RATIO_GRAD,
          {"torch": (Page(),), "jax": (Page({"reduction": "mean"}),)},
          examples=(S.Case((np.array([-1e3, 0.0, 1e3, 37.0]), np.array([1.0, 0, 0, 1]))),),
          description="∂L/∂z = (σ(z) - y)/N"),
]
