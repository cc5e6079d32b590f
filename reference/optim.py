r"""Gradient-descent variants (page section ``optim``), optax-style.

Each optimizer is a pair of pure functions, ``init(params) -> state`` and
``update(grads, state, params) -> (updates, state)``, with a NamedTuple state;
``params + updates`` is the next iterate (:func:`apply_updates`). Parameters are NumPy arrays.
Hyperparameters are keywords whose defaults are the page's where it gives one (Adam:
β₁ = 0.9, β₂ = 0.999, ε = 1e-8; momentum β ≈ 0.9); where it gives none the default is
stated. Alternative conventions found in frameworks are keywords too, page's by default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

__all__ = ["Optimizer", "sgd", "momentum", "rmsprop", "adam", "adamw", "apply_updates",
           "trajectory", "SGDState", "MomentumState", "RMSPropState", "AdamState"]


class Optimizer(NamedTuple):
    init: Callable
    update: Callable


class SGDState(NamedTuple):
    count: int


class MomentumState(NamedTuple):
    count: int
    velocity: np.ndarray


class RMSPropState(NamedTuple):
    count: int
    mean_square: np.ndarray


class AdamState(NamedTuple):
    count: int
    m: np.ndarray
    v: np.ndarray


def apply_updates(params, updates):
    """``params + updates``."""
    return np.asarray(params, dtype=np.float64) + updates


def sgd(*, lr: float = 0.001) -> Optimizer:
    r"""Vanilla SGD. Page section ``optim.sgd``.

    .. math:: \theta_{t+1} = \theta_t - \eta \nabla_\theta L

    ``lr`` defaults to the page's MNIST learning rate 0.001.
    """
    def init(params):
        return SGDState(0)

    def update(grads, state, params=None):
        return -lr * np.asarray(grads, dtype=np.float64), SGDState(state.count + 1)

    return Optimizer(init, update)


def momentum(*, lr: float = 0.001, beta: float = 0.9, dampening: bool = True,
             first_buffer: str = "zero", nesterov: bool = False) -> Optimizer:
    r"""SGD with momentum, the page's exponential-average form. Section ``optim.momentum``.

    .. math:: v_t = \beta v_{t-1} + (1-\beta)\nabla_\theta L,\quad v_0 = 0,\qquad
              \theta_{t+1} = \theta_t - \eta v_t

    Conventions (keywords): ``dampening=False`` drops the :math:`(1-\beta)` (heavy ball:
    :math:`v_t = \beta v_{t-1} + g_t`, the default of torch, optax, jax.example_libraries and
    scikit-learn); ``first_buffer="grad"`` starts with :math:`v_1 = g_1` (torch initialises its
    buffer with the first gradient, undamped); ``nesterov=True`` steps with
    :math:`\beta v_t + g_t` (heavy-ball form; scikit-learn's default).

    .. warning:: torch ``SGD(momentum=β, dampening=β)`` equals the page only from a zero
       buffer; its first step is :math:`v_1 = g_1`, not :math:`(1-\beta) g_1`.
    """
    if first_buffer not in ("zero", "grad"):
        raise ValueError(f"first_buffer must be 'zero' or 'grad', got {first_buffer!r}")
    scale = (1.0 - beta) if dampening else 1.0

    def init(params):
        return MomentumState(0, np.zeros_like(np.asarray(params, dtype=np.float64)))

    def update(grads, state, params=None):
        g = np.asarray(grads, dtype=np.float64)
        if state.count == 0 and first_buffer == "grad":
            v = g.copy()
        else:
            v = beta * state.velocity + scale * g
        step = beta * v + scale * g if nesterov else v
        return -lr * step, MomentumState(state.count + 1, v)

    return Optimizer(init, update)


def rmsprop(*, lr: float = 0.001, beta: float = 0.9, eps: float = 1e-8,
            eps_in_sqrt: bool = False) -> Optimizer:
    r"""RMSProp, ε outside the root as on the page. Section ``optim.rmsprop``.

    .. math:: s_t = \beta s_{t-1} + (1-\beta) g_t^2,\qquad
              \theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{s_t} + \epsilon}\, g_t

    The page gives no β; the default 0.9 is optax's and jax.example_libraries' (torch: 0.99).
    ``eps_in_sqrt=True`` divides by :math:`\sqrt{s_t + \epsilon}` instead (optax's default,
    jax.example_libraries).
    """
    def init(params):
        return RMSPropState(0, np.zeros_like(np.asarray(params, dtype=np.float64)))

    def update(grads, state, params=None):
        g = np.asarray(grads, dtype=np.float64)
        s = beta * state.mean_square + (1.0 - beta) * g * g
        denom = np.sqrt(s + eps) if eps_in_sqrt else np.sqrt(s) + eps
        return -lr * g / denom, RMSPropState(state.count + 1, s)

    return Optimizer(init, update)


def _adam_direction(state, g, *, b1, b2, eps, bias_correction):
    t = state.count + 1
    m = b1 * state.m + (1.0 - b1) * g
    v = b2 * state.v + (1.0 - b2) * g * g
    if bias_correction == "explicit":
        m_hat, v_hat = m / (1.0 - b1**t), v / (1.0 - b2**t)
        direction = m_hat / (np.sqrt(v_hat) + eps)
    elif bias_correction == "folded":
        direction = np.sqrt(1.0 - b2**t) / (1.0 - b1**t) * m / (np.sqrt(v) + eps)
    else:
        raise ValueError(f"bias_correction must be 'explicit' or 'folded', got {bias_correction!r}")
    return direction, AdamState(t, m, v)


def adam(*, lr: float = 3e-4, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
         bias_correction: str = "explicit") -> Optimizer:
    r"""Adam. Page section ``optim.adam``.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,

        \hat m_t = \frac{m_t}{1-\beta_1^t},\quad \hat v_t = \frac{v_t}{1-\beta_2^t},\qquad
        \theta_{t+1} = \theta_t - \eta \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    Defaults: the page's β₁, β₂, ε and its advised learning rate 3e-4.
    ``bias_correction="folded"`` folds both corrections into the step size and adds ε to the
    uncorrected root, :math:`\eta\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\frac{m_t}{\sqrt{v_t}+\epsilon}`
    (scikit-learn's ``AdamOptimizer``): the same up to the size of ε.
    """
    def init(params):
        z = np.zeros_like(np.asarray(params, dtype=np.float64))
        return AdamState(0, z, z.copy())

    def update(grads, state, params=None):
        d, new = _adam_direction(state, np.asarray(grads, dtype=np.float64), b1=b1, b2=b2,
                                 eps=eps, bias_correction=bias_correction)
        return -lr * d, new

    return Optimizer(init, update)


def adamw(*, lr: float = 3e-4, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
          weight_decay: float = 0.01) -> Optimizer:
    r"""AdamW: Adam with decoupled weight decay, scaled by the learning rate. Section ``optim.adamw``.

    .. math:: \theta_{t+1} = \theta_t - \eta\left(\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon} + \lambda\theta_t\right)

    The page gives no λ; the default 0.01 is torch's (optax: 1e-4).
    """
    def init(params):
        z = np.zeros_like(np.asarray(params, dtype=np.float64))
        return AdamState(0, z, z.copy())

    def update(grads, state, params):
        d, new = _adam_direction(state, np.asarray(grads, dtype=np.float64), b1=b1, b2=b2,
                                 eps=eps, bias_correction="explicit")
        return -lr * (d + weight_decay * np.asarray(params, dtype=np.float64)), new

    return Optimizer(init, update)


def trajectory(optimizer: Optimizer, theta0, grads):
    """Iterates ``θ_0, θ_1, ..., θ_T`` for a given gradient sequence ``grads`` of shape
    ``(T, *θ.shape)``; row t is the parameter after t updates."""
    theta = np.asarray(theta0, dtype=np.float64)
    state = optimizer.init(theta)
    out = [theta]
    for g in np.asarray(grads, dtype=np.float64):
        updates, state = optimizer.update(g, state, theta)
        theta = apply_updates(theta, updates)
        out.append(theta)
    return np.stack(out)


def sgd_trajectory(theta0, grads, **hyperparameters):
    """Trajectory of :func:`sgd` (see there) for a gradient sequence."""
    return trajectory(sgd(**hyperparameters), theta0, grads)


def momentum_trajectory(theta0, grads, **hyperparameters):
    """Trajectory of :func:`momentum` (see there) for a gradient sequence."""
    return trajectory(momentum(**hyperparameters), theta0, grads)


def rmsprop_trajectory(theta0, grads, **hyperparameters):
    """Trajectory of :func:`rmsprop` (see there) for a gradient sequence."""
    return trajectory(rmsprop(**hyperparameters), theta0, grads)


def adam_trajectory(theta0, grads, **hyperparameters):
    """Trajectory of :func:`adam` (see there) for a gradient sequence."""
    return trajectory(adam(**hyperparameters), theta0, grads)


def adamw_trajectory(theta0, grads, **hyperparameters):
    """Trajectory of :func:`adamw` (see there) for a gradient sequence."""
    return trajectory(adamw(**hyperparameters), theta0, grads)
