"""JAX/optax calls for the pitfalls table (page section ``pitfalls``), float64: optax's two
softmax cross-entropies (one-hot/probability labels, and integer labels) called with integer
or one-hot labels, and the page's MLP from ``jax.example_libraries.stax`` layers with the
planted shape mistakes of :mod:`nnconf.pitfalls.frameworks`.

Each layer's output shape is recorded as the layers run eagerly (the JAX user's
``print(h.shape)`` between layers). Losses are optax's per-example values averaged with
``jnp.mean``, the idiom optax documents.
"""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402
from jax.example_libraries import stax  # noqa: E402

VERSION = f"jax {jax.__version__}, optax {optax.__version__}"


def cross_entropy_calls() -> dict:
    """``{call name: fn(logits (N, K) float64, labels) -> float}``."""
    def one_hot_api(logits, labels):
        return float(jnp.mean(optax.losses.softmax_cross_entropy(jnp.asarray(logits), jnp.asarray(labels))))

    def integer_api(logits, labels):
        return float(jnp.mean(optax.losses.softmax_cross_entropy_with_integer_labels(
            jnp.asarray(logits), jnp.asarray(labels))))
    return {"optax.losses.softmax_cross_entropy": one_hot_api,
            "optax.losses.softmax_cross_entropy_with_integer_labels": integer_api}


def shape_case(mistake, x, params, labels, onehot, trace: list) -> float:
    """The page's network (``stax.Dense`` apply functions with the given code-layout
    parameters, ``stax.Relu``) and loss on one batch with ``mistake`` planted (None: correct
    shapes); appends each layer's output shape to ``trace``; returns the loss. Raises
    whatever JAX raises."""
    _, dense = stax.Dense(1)
    _, relu = stax.Relu
    layers = [(jnp.asarray(W), jnp.asarray(b)) for W, b in params]
    if mistake == "swapped_layer_dims":
        layers[0] = (layers[0][0].T, layers[0][1])
    h = jnp.asarray(x.reshape(len(x), 28, 28) if mistake == "unflattened_input" else x)
    for i, p in enumerate(layers):
        h = dense(p, h)
        trace.append(tuple(h.shape))
        if i < len(layers) - 1:
            h = relu((), h)
    y = jnp.asarray(labels)
    if mistake == "column_prediction_mse":
        probs = jax.nn.softmax(h, axis=-1)
        return float(jnp.mean(optax.losses.squared_error(probs[:, :1], jnp.asarray(onehot[:, 0]))))
    if mistake == "transposed_targets":
        return float(jnp.mean(optax.losses.softmax_cross_entropy(h, jnp.asarray(onehot.T))))
    if mistake == "label_column_ce":
        return float(jnp.mean(optax.losses.softmax_cross_entropy(h, y[:, None])))
    return float(jnp.mean(optax.losses.softmax_cross_entropy_with_integer_labels(h, y)))
