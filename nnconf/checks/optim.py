"""Optimizer trajectories (page section ``optim``): 60 steps of each optimizer on drawn
gradient sequences and hyperparameters, reference vs torch.optim, optax,
jax.example_libraries.optimizers and scikit-learn's stochastic optimizers."""

from __future__ import annotations

import functools

import numpy as np

from .. import strategies as S
from ..registry import Check, Convention, Page
from ..tolerance import EPS, TINY, Tolerance

# XLA flushes subnormal inputs and intermediates (g, m, v below 2.2e-308) to zero; the update
# divides them by ε ≥ 1e-8 (drawn), so each flush can move θ by ≤ lr·TINY/ε ≤ 1.1e-300, and
# 60 steps by ≤ 64·TINY/1e-8.
FLUSHED = 64 * TINY / 1e-8
STEPS = Tolerance(
    64 * EPS, atol_path=64 * EPS, atol=FLUSHED,
    reason="each step rounds a handful of times (update ≤ ~8ε of its size, the sum ≤ ε/2 of θ); "
           "over 60 steps the errors add up to ≤ 64ε per unit of distance travelled "
           "(Σ|θ_s − θ_{s−1}|, atol_path) plus 64ε of |θ_t|; XLA flushes subnormal gradients and "
           "moments to zero and the update divides them by ε ≥ 1e-8: ≤ 64·2.2e-308/1e-8 = 1.4e-298 "
           "over 60 steps (atol)")
ADAM_STEPS = Tolerance(
    64 * EPS, atol_path=2048 * EPS, atol=FLUSHED,
    reason="as for SGD, plus: the bias correction 1 − β₂ᵗ ≥ 1 − β₂ ≥ 1e-3 (β₂ ≤ 0.999 drawn) "
           "turns a 1-ulp difference between pow implementations of β₂ᵗ into ≤ 1000ε in v̂, "
           "500ε in √v̂: 2048ε per unit of distance travelled; atol as for SGD (XLA's flushed "
           "subnormals divided by ε)")

PAGE_ADAM_EXAMPLE = S.Case((np.array([5.0]), np.array([[2.0], [1.5], [3.0]])),
                           kwargs=dict(lr=0.1, b1=0.9, b2=0.999, eps=1e-8))

HEAVY_BALL = "the heavy ball v = βv + g, with no (1 − β): each step is 1/(1 − β) times the page's"


def _check(name, hyper, tol, oracles, examples=(), description=""):
    helpers = (f"optim.{name}", "optim.trajectory") + (
        ("optim._adam_direction",) if name.startswith("adam") else ())
    return Check(f"optim.{name}.trajectory", f"optim.{name}", f"{name}_trajectory", "value",
                 f"optim.{name}_trajectory", functools.partial(S.optimizer_runs, hyper), tol,
                 oracles, examples=examples, description=description, helpers=helpers)


CHECKS = [
    _check("sgd", ("lr",), STEPS,
           {"torch": (Page(),), "jax": (Page(),), "jax.example_libraries": (Page(),),
            "sklearn": (Page(),)},
           description="θ ← θ − ηg, 60 steps"),
    _check("momentum", ("lr", "beta"), STEPS, {
        "torch": (
            Page({"dampen": True, "zero_buffer": True},
                 note="SGD(momentum=β, dampening=β) with a zero momentum_buffer put in its "
                      "state before the first step"),
            Convention("dampening=β", {"dampen": True}, {"first_buffer": "grad"},
                       "torch starts the momentum buffer with the first gradient, undamped: "
                       "v₁ = g₁ where the page has v₁ = (1 − β)g₁; later steps agree in form."),
            Convention("default", {}, {"dampening": False},
                       f"torch SGD(momentum=β) default dampening=0 is {HEAVY_BALL}.")),
        "jax": (
            Page({"fold_dampening": True}, note="optax.sgd(η(1 − β), momentum=β)"),
            Convention("default", {}, {"dampening": False},
                       f"optax.sgd(η, momentum=β) is {HEAVY_BALL}; η(1 − β) matches.")),
        "jax.example_libraries": (
            Page({"fold_dampening": True}, note="optimizers.momentum(η(1 − β), mass=β)"),
            Convention("default", {}, {"dampening": False},
                       f"optimizers.momentum(η, mass=β) is {HEAVY_BALL}; η(1 − β) matches.")),
        "sklearn": (
            Page({"fold_dampening": True, "nesterov": False},
                 note="SGDOptimizer(learning_rate_init=η(1 − β), momentum=β, nesterov=False)"),
            Convention("default", {}, {"dampening": False, "nesterov": True},
                       f"SGDOptimizer defaults to nesterov=True, and its velocity is {HEAVY_BALL} "
                       "(scaled by −η)."))},
        description="v ← βv + (1 − β)g, θ ← θ − ηv, 60 steps"),
    _check("rmsprop", ("lr", "beta", "eps"), STEPS, {
        "torch": (
            Page(note="RMSprop(alpha=β, eps=ε): ε outside the root, as the page"),
            Convention("default decay", {"default_decay": True}, {"beta": 0.99},
                       "torch's RMSprop decay defaults to alpha = 0.99 (optax, "
                       "jax.example_libraries: 0.9; the page gives none).")),
        "jax": (
            Page({"eps_in_sqrt": False}),
            Convention("default", {}, {"eps_in_sqrt": True},
                       "optax.rmsprop defaults to eps_in_sqrt=True: it divides by √(s + ε), the "
                       "page by √s + ε.")),
        "jax.example_libraries": (
            Convention("default", {}, {"eps_in_sqrt": True},
                       "optimizers.rmsprop divides by √(s + ε) (ε inside the root); no setting "
                       "gives the page's √s + ε."),)},
        description="s ← βs + (1 − β)g², θ ← θ − ηg/(√s + ε), 60 steps"),
    _check("adam", ("lr", "b1", "b2", "eps"), ADAM_STEPS, {
        "torch": (Page(),), "jax": (Page(),), "jax.example_libraries": (Page(),),
        "sklearn": (
            Convention("default", {}, {"bias_correction": "folded"},
                       "AdamOptimizer folds both bias corrections into the step size and adds ε "
                       "to the uncorrected √v: ε acts as ε/√(1 − β₂ᵗ), 31.6× larger at t = 1 "
                       "for β₂ = 0.999; no setting changes it."),)},
        examples=(PAGE_ADAM_EXAMPLE,),
        description="Adam with explicit bias correction, 60 steps (and the page's 3-step example)"),
    _check("adamw", ("lr", "b1", "b2", "eps", "weight_decay"), ADAM_STEPS,
           {"torch": (Page(note="AdamW(weight_decay=λ) multiplies θ by 1 − ηλ: the decay is "
                                "scaled by the learning rate, as on the page (default λ = 0.01)"),),
            "jax": (Page(note="optax.adamw adds λθ to the Adam direction before scaling by −η, "
                              "as on the page (default weight_decay = 1e-4)"),)},
           description="θ ← θ − η(m̂/(√v̂ + ε) + λθ), 60 steps"),
]
