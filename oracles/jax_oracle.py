"""JAX oracle: ``jax.nn`` / ``optax.losses`` values, ``jax.vjp`` gradients (and ``jax.jvp``
forward-mode products), in float64 (the
default) or the ``dtype`` asked for.

``jax_enable_x64`` is switched on at import. ReLU takes ``via="maximum"`` for
``jnp.maximum(x, 0)``, the page's code's spelling, besides ``jax.nn.relu``. optax losses return unreduced per-example
values; the oracle setting ``reduction="mean"`` applies ``jnp.mean`` to them (the idiom
optax documents), ``reduction`` absent keeps optax's default (no reduction). optax has
cross-entropy only on logits; on probabilities its loss is
``optax.losses.kl_divergence(log ŷ, y)``, which equals the cross-entropy for one-hot ``y``
(the entropy of ``y`` is 0); ``clip`` applies the page's ``jnp.clip`` first when given. The
softmax cross-entropy takes ``target="index"`` for optax's
``softmax_cross_entropy_with_integer_labels`` on the one-hot rows' argmax.
"""

from __future__ import annotations

import functools
import inspect

import jax

jax.config.update("jax_enable_x64", True)


def _persistent_compilation_cache() -> None:
    """XLA's own compilation cache on disk, so a function compiled for a shape in one process
    (~50 ms) is read back in the next (~8 ms): report workers, reruns and test runs share it.
    It lives in ``$XDG_CACHE_HOME/nnconf/xla`` (``~/.cache/nnconf/xla``); ``NNCONF_XLA_CACHE=0``
    turns it off. JAX keys its entries by the computation, the compiler and its flags."""
    import os
    from pathlib import Path
    if os.environ.get("NNCONF_XLA_CACHE", "1") == "0":
        return
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nnconf" / "xla"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # no cache: only slower
    jax.config.update("jax_compilation_cache_dir", str(base))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


_persistent_compilation_cache()

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

from . import jax_training  # noqa: E402
from .base import Oracle  # noqa: E402


def _reduced(loss):
    def fn(*args, reduction=None, **settings):
        out = loss(*args, **settings)
        if reduction is None or reduction == "none":
            return out
        if reduction == "mean":
            return jnp.mean(out)
        if reduction == "sum":
            return jnp.sum(out)
        raise ValueError(f"unknown reduction {reduction!r}")
    return fn


def _ce_of_probabilities(p, y, clip=None):
    # optax's loss on log-probabilities: KL(y || p) = CE(y, p) - H(y), and H(y) = 0 for
    # one-hot y. (softmax_cross_entropy(log p) would renormalise a clipped p, and its
    # gradient in p is not -y/p.)
    if clip is not None:
        p = jnp.clip(p, clip, 1.0 - clip)
    return optax.losses.kl_divergence(jnp.log(p), y)


def _softmax_cross_entropy(z, y, target="probabilities"):
    if target == "index":
        return optax.losses.softmax_cross_entropy_with_integer_labels(z, jnp.argmax(y, axis=-1))
    return optax.losses.softmax_cross_entropy(z, y)


_RELU_SPELLINGS = {"relu": jax.nn.relu, "maximum": lambda x: jnp.maximum(x, 0.0)}


FUNCTIONS = {
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
    "relu": lambda x, via="relu": _RELU_SPELLINGS[via](x),
    "leaky_relu": jax.nn.leaky_relu,
    "gelu": jax.nn.gelu,
    "softmax": lambda z: jax.nn.softmax(z, axis=-1),
    "mse": _reduced(optax.losses.squared_error),
    "cross_entropy": _reduced(_ce_of_probabilities),
    "softmax_cross_entropy": _reduced(_softmax_cross_entropy),
    "binary_cross_entropy_with_logits": _reduced(optax.losses.sigmoid_binary_cross_entropy),
    # the gates of a circuit (CS231n "Backpropagation, Intuitions"): jax.numpy's own ops
    "add": jnp.add, "mul": jnp.multiply, "maximum": jnp.maximum, "reciprocal": jnp.reciprocal, "exp": jnp.exp,
    "scale": lambda x, a=-1.0: jnp.multiply(x, a), "shift": lambda x, c=1.0: jnp.add(x, c),
}

# A circuit written with these names is differentiated by jax.grad (circuit_value_and_grad).
CIRCUIT_GATES = {name: FUNCTIONS[name] for name in ("add", "mul", "maximum", "reciprocal", "exp", "scale", "shift",
                                                    "sigmoid")}


def circuit_value_and_grad(f, **inputs) -> tuple[float, dict[str, float]]:
    """``f(**inputs)``, written with :data:`CIRCUIT_GATES`, and its gradient with respect to
    every named input by ``jax.value_and_grad`` (float64)."""
    names = list(inputs)
    value, grads = jax.value_and_grad(lambda *xs: f(**dict(zip(names, xs, strict=True))), argnums=tuple(
        range(len(names))))(*(jnp.float64(float(inputs[k])) for k in names))
    return float(value), {k: float(g) for k, g in zip(names, grads, strict=True)}


def _array(a, dtype="float64"):
    return jnp.asarray(np.asarray(a, dtype=dtype))


@functools.cache
def _jitted(fn, settings: tuple):
    """``fn`` with its settings bound, under ``jax.jit`` (one XLA compilation per shape
    instead of one per primitive and shape: the eager path is ~10x slower here)."""
    return jax.jit(functools.partial(fn, **dict(settings)))


@functools.cache
def _jitted_vjp(fn, settings: tuple):
    def vjp(x, rest, cotangent):
        out, pullback = jax.vjp(lambda x_: fn(x_, *rest, **dict(settings)), x)
        (g,) = pullback(jnp.ones_like(out) if cotangent is None
                        else cotangent.reshape(out.shape))
        return g
    return jax.jit(vjp)


@functools.cache
def _jitted_jvp(fn, settings: tuple):
    def jvp(x, rest, tangent):
        return jax.jvp(lambda x_: fn(x_, *rest, **dict(settings)), (x,), (tangent,))[1]
    return jax.jit(jvp)


def _value(fn):
    def value(*args, dtype="float64", **settings):
        return np.asarray(_jitted(fn, tuple(sorted(settings.items())))(*(_array(a, dtype) for a in args)))
    return value


def _grad(fn):
    def grad(args, cotangent, dtype="float64", **settings):
        x, *rest = (_array(a, dtype) for a in args)
        ct = None if cotangent is None else _array(cotangent, dtype)
        g = _jitted_vjp(fn, tuple(sorted(settings.items())))(x, tuple(rest), ct)
        return np.asarray(g)
    return grad


def _jvp(fn):
    def jvp(args, tangent, dtype="float64", **settings):
        x, *rest = (_array(a, dtype) for a in args)
        return np.asarray(_jitted_jvp(fn, tuple(sorted(settings.items())))(x, tuple(rest), _array(tangent, dtype)))
    return jvp


def _defaults(qualified, fn, read):
    def defaults():
        return qualified, read(inspect.signature(fn).parameters)
    return defaults


ORACLE = Oracle(
    name="jax",
    version=f"jax {jax.__version__}, optax {optax.__version__}",
    values={**{op: _value(fn) for op, fn in FUNCTIONS.items()}, **jax_training.VALUES},
    grads={op: _grad(fn) for op, fn in FUNCTIONS.items()},
    jvps={op: _jvp(fn) for op, fn in FUNCTIONS.items()},
    defaults={"leaky_relu": _defaults("jax.nn.leaky_relu", jax.nn.leaky_relu,
                                      lambda p: {"negative_slope": p["negative_slope"].default}),
              "adam": _defaults("optax.adam", optax.adam,
                                lambda p: {"betas": (p["b1"].default, p["b2"].default), "eps": p["eps"].default})},
)
