"""JAX oracle, part 2: MLP gradients (``jax.example_libraries.stax`` layers + ``jax.grad``)
and optimizer trajectories (optax), in float64 or the ``dtype`` asked for. Merged into
``oracles.jax_oracle.ORACLE``.

Hyperparameters arrive with the page's names; optax's own settings pass through
(``eps_in_sqrt`` for RMSProp). ``fold_dampening=True`` for momentum runs
``optax.sgd(lr·(1 - β), momentum=β)``: optax's trace ``t = βt + g`` is the page's
``v/(1 - β)``, so folding ``(1 - β)`` into the learning rate gives the page's iterates.
Trajectories run under ``jax.jit`` with ``lax.scan``; hyperparameters are traced arguments,
so one compilation serves every drawn value. They are weakly typed, as Python floats are when
passed to optax directly: in float32, ``1 − β`` is formed in float64 and rounded once.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import jax.test_util
import numpy as np
import optax
from jax.example_libraries import stax

ACTIVATIONS = {"relu": jax.nn.relu, "sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh,
               "leaky_relu": jax.nn.leaky_relu,
               "gelu": functools.partial(jax.nn.gelu, approximate=False)}


@functools.cache
def _mlp_grad_fn(n_layers: int, activation: str, output: str, loss: str):
    layers = []
    for i in range(n_layers):
        layers.append(stax.Dense(1))  # the width is in the parameters we pass
        if i < n_layers - 1:
            layers.append(stax.elementwise(ACTIVATIONS[activation]))
    _, apply = stax.serial(*layers)

    def objective(params, x, y):
        h = apply(params, x)
        if loss == "cross_entropy":
            return jnp.mean(optax.losses.softmax_cross_entropy(h, y))
        out = jax.nn.softmax(h, axis=-1) if output == "softmax" else (
            h if output == "identity" else ACTIVATIONS[output](h))
        return jnp.mean(optax.losses.squared_error(out, y))

    return jax.jit(jax.grad(objective))


def mlp_grads(x, y, *params, activation="relu", output="softmax", loss="cross_entropy", dtype="float64"):
    """Flat ``dW1, db1, ...`` (math layout) of the batch-mean loss by ``jax.grad`` through
    ``stax.Dense`` layers (stax stores ``W`` as ``(n_in, n_out)``: the page's transpose)."""
    pairs = list(zip(params[0::2], params[1::2], strict=True))
    stax_params = []
    for i, (W, b) in enumerate(pairs):
        stax_params.append((jnp.asarray(np.asarray(W, dtype).T), jnp.asarray(np.asarray(b, dtype))))
        if i < len(pairs) - 1:
            stax_params.append(())
    grads = _mlp_grad_fn(len(pairs), activation, output, loss)(
        stax_params, jnp.asarray(np.asarray(x, dtype)), jnp.asarray(np.asarray(y, dtype)))
    dense = [g for g in grads if g != ()]
    return np.concatenate([np.concatenate([np.asarray(dW).T.ravel(), np.asarray(db).ravel()])
                           for dW, db in dense])


def _make(name: str, hp: dict, settings: dict):
    if name == "sgd":
        return optax.sgd(hp["lr"])
    if name == "momentum":
        lr = hp["lr"] * (1.0 - hp["beta"]) if settings.get("fold_dampening") else hp["lr"]
        return optax.sgd(lr, momentum=hp["beta"], nesterov=settings.get("nesterov", False))
    if name == "rmsprop":
        return optax.rmsprop(hp["lr"], decay=hp["beta"], eps=hp["eps"],
                             eps_in_sqrt=settings.get("eps_in_sqrt", True))
    if name == "adam":
        return optax.adam(hp["lr"], b1=hp["b1"], b2=hp["b2"], eps=hp["eps"])
    if name == "adamw":
        return optax.adamw(hp["lr"], b1=hp["b1"], b2=hp["b2"], eps=hp["eps"],
                           weight_decay=hp["weight_decay"])
    raise KeyError(name)


@functools.cache
def _runner(name: str, settings: tuple):
    def run(theta0, grads, hp):
        opt = _make(name, hp, dict(settings))

        def step(carry, g):
            theta, state = carry
            updates, state = opt.update(g, state, theta)
            theta = optax.apply_updates(theta, updates)
            return (theta, state), theta

        _, thetas = jax.lax.scan(step, (theta0, opt.init(theta0)), grads)
        return jnp.concatenate([theta0[None], thetas])
    return jax.jit(run)


_SETTINGS = {"fold_dampening", "nesterov", "eps_in_sqrt"}


def _trajectory(name):
    def run(theta0, grads, dtype="float64", **kw):
        settings = tuple(sorted((k, v) for k, v in kw.items() if k in _SETTINGS))
        hp = {k: jnp.asarray(float(v)) for k, v in kw.items() if k not in _SETTINGS}  # weakly typed
        return np.asarray(_runner(name, settings)(jnp.asarray(np.asarray(theta0, dtype)),
                                                  jnp.asarray(np.asarray(grads, dtype)), hp))
    return run


def he_normal(fan_in, fan_out, *, seed, dtype="float64"):
    """``jax.nn.initializers.he_normal()`` for a ``(fan_in, fan_out)`` weight (its default
    ``in_axis=-2`` reads fan_in from the page's code layout)."""
    init = jax.nn.initializers.he_normal(dtype=getattr(jnp, dtype))
    return np.asarray(init(jax.random.PRNGKey(seed), (fan_in, fan_out)))


def gradcheck(f, grad_f, x0, *, eps=1e-5, atol=1e-6, rtol=1e-4, dtype="float64"):
    """``jax.test_util.check_grads`` (reverse mode, order 1) of a NumPy function ``f`` whose
    gradient is claimed to be ``grad_f`` (a ``jax.custom_vjp`` calling both through
    ``jax.pure_callback``): jax's finite differences judge ``grad_f``. True or False."""
    scalar = jax.ShapeDtypeStruct((), getattr(jnp, dtype))

    @jax.custom_vjp
    def wrapped(x):
        return jax.pure_callback(lambda v: np.asarray(f(np.asarray(v)), dtype), scalar, x)

    def fwd(x):
        return wrapped(x), x

    def bwd(x, g):
        shape = jax.ShapeDtypeStruct(x.shape, getattr(jnp, dtype))
        return (g * jax.pure_callback(lambda v: np.asarray(grad_f(np.asarray(v)), dtype),
                                      shape, x),)

    wrapped.defvjp(fwd, bwd)
    try:
        jax.test_util.check_grads(wrapped, (jnp.asarray(np.asarray(x0, dtype)),), order=1, modes=("rev",),
                                  eps=eps, atol=atol, rtol=rtol)
    except AssertionError:
        return False
    return True


VALUES = {"he_normal": he_normal, "gradcheck": gradcheck, "mlp_grads": mlp_grads,
          **{f"{n}_trajectory": _trajectory(n)
             for n in ("sgd", "momentum", "rmsprop", "adam", "adamw")}}
