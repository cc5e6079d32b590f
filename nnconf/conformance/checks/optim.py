"""Optimizer trajectories (page section ``optim``): 60 steps of each optimizer on drawn
gradient sequences and hyperparameters, reference vs torch.optim, optax,
jax.example_libraries.optimizers and scikit-learn's stochastic optimizers. One declaration per
optimizer: its row, planted bugs and figure panel."""

from __future__ import annotations

import numpy as np

from nnconf.conformance import strategies as S
from nnconf.conformance.quantities import Optimizer
from nnconf.conformance.records import Bug, Convention, Page
from nnconf.conformance.tolerance import EPS, TINY, Tolerance

# XLA flushes subnormal inputs and intermediates (g, m, v below 2.2e-308) to zero; the update
# divides them by ε ≥ 1e-8 (drawn), so each flush can move θ by ≤ lr·TINY/ε ≤ 1.1e-300, and
# 60 steps by ≤ 64·TINY/1e-8.
FLUSHED = 64 * TINY / 1e-8
STEPS = Tolerance(
    rtol=64 * EPS, atol_path=64 * EPS, atol=FLUSHED,
    reason="each step rounds a handful of times (update ≤ ~8ε of its size, the sum ≤ ε/2 of θ); "
           "over 60 steps the errors add up to ≤ 64ε per unit of distance travelled "
           "(Σ|θ_s − θ_{s−1}|, atol_path) plus 64ε of |θ_t|; XLA flushes subnormal gradients and "
           "moments to zero and the update divides them by ε ≥ 1e-8: ≤ 64·2.2e-308/1e-8 = 1.4e-298 "
           "over 60 steps (atol)")
ADAM_STEPS = Tolerance(
    rtol=64 * EPS, atol_path=2048 * EPS, atol=FLUSHED,
    reason="as for SGD, plus: the bias correction 1 − β₂ᵗ ≥ 1 − β₂ ≥ 1e-3 (β₂ ≤ 0.999 drawn) "
           "turns a 1-ulp difference between pow implementations of β₂ᵗ into ≤ 1000ε in v̂, "
           "500ε in √v̂: 2048ε per unit of distance travelled; atol as for SGD (XLA's flushed "
           "subnormals divided by ε)")

PAGE_ADAM_EXAMPLE = S.Case(args=(np.array([5.0]), np.array([[2.0], [1.5], [3.0]])),
                           kwargs=dict(lr=0.1, b1=0.9, b2=0.999, eps=1e-8))

HEAVY_BALL = "the heavy ball v = βv + g, with no (1 − β): each step is 1/(1 − β) times the page's"


PAGE = (Page(),)


def _default(note, **matches):
    return Convention(label="default", settings={}, matches=matches, note=note)


OPTIMIZERS = [
    Optimizer(
        name="sgd", hyperparameters=("lr",), tolerance=STEPS, description="θ ← θ − ηg, 60 steps",
        oracles={"torch": PAGE, "jax": PAGE, "jax.example_libraries": PAGE, "sklearn": PAGE},
        bugs=(Bug(description="ascent: +ηg", replace=("return -lr * np.asarray", "return lr * np.asarray")),)),
    Optimizer(
        name="momentum", hyperparameters=("lr", "beta"), tolerance=STEPS,
        description="v ← βv + (1 − β)g, θ ← θ − ηv, 60 steps",
        oracles={
            "torch": (
                Page(settings={"dampen": True, "zero_buffer": True},
                     note="SGD(momentum=β, dampening=β) with a zero momentum_buffer put in its "
                          "state before the first step"),
                Convention(label="dampening=β", settings={"dampen": True}, matches={"first_buffer": "grad"},
                           note="torch starts the momentum buffer with the first gradient, undamped: "
                                "v₁ = g₁ where the page has v₁ = (1 − β)g₁; later steps agree in form."),
                _default(f"torch SGD(momentum=β) default dampening=0 is {HEAVY_BALL}.", dampening=False)),
            "jax": (
                Page(settings={"fold_dampening": True}, note="optax.sgd(η(1 − β), momentum=β)"),
                _default(f"optax.sgd(η, momentum=β) is {HEAVY_BALL}; η(1 − β) matches.", dampening=False)),
            "jax.example_libraries": (
                Page(settings={"fold_dampening": True}, note="optimizers.momentum(η(1 − β), mass=β)"),
                _default(f"optimizers.momentum(η, mass=β) is {HEAVY_BALL}; η(1 − β) matches.", dampening=False)),
            "sklearn": (
                Page(settings={"fold_dampening": True, "nesterov": False},
                     note="SGDOptimizer(learning_rate_init=η(1 − β), momentum=β, nesterov=False)"),
                _default(f"SGDOptimizer defaults to nesterov=True, and its velocity is {HEAVY_BALL} "
                         "(scaled by −η).", dampening=False, nesterov=True))},
        bugs=(Bug(description="the (1 − β) missing",
                  replace=("scale = (1.0 - beta) if dampening else 1.0", "scale = 1.0")),)),
    Optimizer(
        name="rmsprop", hyperparameters=("lr", "beta", "eps"), tolerance=STEPS,
        description="s ← βs + (1 − β)g², θ ← θ − ηg/(√s + ε), 60 steps",
        oracles={
            "torch": (
                Page(note="RMSprop(alpha=β, eps=ε): ε outside the root, as the page"),
                Convention(label="default decay", settings={"default_decay": True}, matches={"beta": 0.99},
                           note="torch's RMSprop decay defaults to alpha = 0.99 (optax, "
                                "jax.example_libraries: 0.9; the page gives none).")),
            "jax": (
                Page(settings={"eps_in_sqrt": False}),
                _default("optax.rmsprop defaults to eps_in_sqrt=True: it divides by √(s + ε), the "
                         "page by √s + ε.", eps_in_sqrt=True)),
            "jax.example_libraries": (
                _default("optimizers.rmsprop divides by √(s + ε) (ε inside the root); no setting "
                         "gives the page's √s + ε.", eps_in_sqrt=True),)},
        bugs=(Bug(description="ε inside the root", replace=(
            "denom = np.sqrt(s + eps) if eps_in_sqrt else np.sqrt(s) + eps", "denom = np.sqrt(s + eps)")),)),
    Optimizer(
        name="adam", hyperparameters=("lr", "b1", "b2", "eps"), tolerance=ADAM_STEPS,
        description="Adam with explicit bias correction, 60 steps (and the page's 3-step example)",
        examples=(PAGE_ADAM_EXAMPLE,), helpers=("optim._adam_direction",),
        oracles={
            "torch": PAGE, "jax": PAGE, "jax.example_libraries": PAGE,
            "sklearn": (
                _default("AdamOptimizer folds both bias corrections into the step size and adds ε "
                         "to the uncorrected √v: ε acts as ε/√(1 − β₂ᵗ), 31.6× larger at t = 1 "
                         "for β₂ = 0.999; no setting changes it.", bias_correction="folded"),)},
        bugs=(Bug(description="scikit-learn's folded bias correction in place of the page's",
                  replace=("eps=eps, bias_correction=bias_correction)", "eps=eps, bias_correction=\"folded\")")),)),
    Optimizer(
        name="adamw", hyperparameters=("lr", "b1", "b2", "eps", "weight_decay"), tolerance=ADAM_STEPS,
        description="θ ← θ − η(m̂/(√v̂ + ε) + λθ), 60 steps", helpers=("optim._adam_direction",),
        oracles={"torch": (Page(note="AdamW(weight_decay=λ) multiplies θ by 1 − ηλ: the decay is "
                                     "scaled by the learning rate, as on the page (default λ = 0.01)"),),
                 "jax": (Page(note="optax.adamw adds λθ to the Adam direction before scaling by −η, "
                                   "as on the page (default weight_decay = 1e-4)"),)},
        bugs=(Bug(description="decay not scaled by the learning rate",
                  replace=("-lr * (d + weight_decay * np.asarray(params, dtype=np.float64))",
                           "-lr * d - weight_decay * np.asarray(params, dtype=np.float64)")),)),
]
