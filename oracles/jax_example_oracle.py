"""``jax.example_libraries.optimizers`` oracle: JAX's older optimizer library, in float64 (the
default) or the ``dtype`` asked for; hyperparameters weakly typed, as Python floats.

Its ``momentum(step_size, mass)`` is the heavy ball ``v = mass·v + g``; ``fold_dampening``
passes ``step_size·(1 - β)`` to reach the page's iterates. Its ``rmsprop`` divides by
``sqrt(avg + eps)`` (ε inside the root) and has no setting for the page's form. There is no
AdamW.
"""

from __future__ import annotations

import functools

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax.example_libraries import optimizers as O  # noqa: E402

from .base import Oracle  # noqa: E402


def _make(name, hp, settings):
    if name == "sgd":
        return O.sgd(hp["lr"])
    if name == "momentum":
        lr = hp["lr"] * (1.0 - hp["beta"]) if settings.get("fold_dampening") else hp["lr"]
        return O.momentum(lr, mass=hp["beta"])
    if name == "rmsprop":
        return O.rmsprop(hp["lr"], gamma=hp["beta"], eps=hp["eps"])
    if name == "adam":
        return O.adam(hp["lr"], b1=hp["b1"], b2=hp["b2"], eps=hp["eps"])
    raise KeyError(name)


@functools.cache
def _runner(name: str, fold_dampening: bool):
    def run(theta0, grads, hp):
        init, update, get_params = _make(name, hp, {"fold_dampening": fold_dampening})

        def step(state, ig):
            i, g = ig
            state = update(i, g, state)
            return state, get_params(state)

        _, thetas = jax.lax.scan(step, init(theta0), (jnp.arange(grads.shape[0]), grads))
        return jnp.concatenate([theta0[None], thetas])
    return jax.jit(run)


def _trajectory(name):
    def run(theta0, grads, *, fold_dampening=False, dtype="float64", **hp):
        hp = {k: jnp.asarray(float(v)) for k, v in hp.items()}  # weakly typed
        return np.asarray(_runner(name, fold_dampening)(jnp.asarray(np.asarray(theta0, dtype)),
                                                        jnp.asarray(np.asarray(grads, dtype)), hp))
    return run


ORACLE = Oracle(
    name="jax.example_libraries",
    version=jax.__version__,
    values={f"{n}_trajectory": _trajectory(n) for n in ("sgd", "momentum", "rmsprop", "adam")},
)
