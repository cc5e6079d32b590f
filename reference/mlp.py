r"""Multi-layer perceptron: forward pass and backpropagation (page sections ``mlp``,
``forward``, ``backprop``, ``minibatch``).

Two layouts, as on the page:

- ``layout="math"``: :math:`W^{(l)} \in \mathbb R^{n_l \times n_{l-1}}`, samples as columns,
  :math:`z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}` (sections ``mlp``, ``backprop``);
- ``layout="code"``: ``W`` of shape ``(n_in, n_out)``, samples as rows, ``z = a @ W + b``
  (the page's NumPy listing).

Callers always pass a batch ``x`` of shape ``(N, n_0)`` and targets ``y`` of shape ``(N, K)``;
``params`` is a list of ``(W, b)`` in the chosen layout, ``b`` of shape ``(n_l,)``.
Hidden activations are named after the functions of :mod:`reference.activations`
(``"relu"``, ``"sigmoid"``, ``"tanh"``, ``"leaky_relu"``, ``"gelu"``); the output is
``"softmax"`` with ``loss="cross_entropy"`` or ``"identity"``/an activation with
``loss="mse"``. Losses are batch means (the page's :math:`\frac1N`).

An empty batch (``N = 0``): the loss, a mean over no samples, is NaN (as torch's and JAX's);
the backpropagated gradients are zeros of the parameters' shapes (sums over no samples, as
``torch.autograd`` and ``jax.grad`` give); the central-difference gradient of that NaN loss is
NaN. NaN in an input, weight or target gives NaN gradients (the activations' NaN policy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import activations as A
from . import losses as L

__all__ = ["Cache", "forward", "backward", "loss", "parameter_gradients", "to_code_layout",
           "minibatch_gradient", "Workspace", "workspace", "forward_into", "backward_into"]


class Cache(NamedTuple):
    """Everything the forward pass stores: ``zs[l-1]`` is z⁽ˡ⁾, ``activations[l]`` is a⁽ˡ⁾
    (``activations[0]`` is the input), in the layout's orientation."""

    zs: list
    activations: list


def _act(name: str):
    if name == "identity":
        return lambda z: z
    return getattr(A, name)


def _act_grad(name: str):
    if name == "identity":
        return np.ones_like
    return getattr(A, f"{name}_grad")


def _check_layout(layout: str):
    if layout not in ("math", "code"):
        raise ValueError(f"layout must be 'math' or 'code', got {layout!r}")


def forward(params, x, *, activation: str = "relu", output: str = "softmax",
            layout: str = "math") -> Cache:
    r"""Forward pass, storing every :math:`z^{(l)}` and :math:`a^{(l)}`. Sections ``mlp``, ``forward``.

    .. math:: a^{(0)} = x,\quad z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)},\quad a^{(l)} = \sigma^{(l)}(z^{(l)})

    with :math:`\sigma` = ``activation`` for hidden layers and ``output`` for the last.
    """
    _check_layout(layout)
    a = np.asarray(x)
    if a.ndim == 0:
        raise ValueError("forward: x is a batch of shape (N, d), got a 0-d array (a network has no scalar input)")
    a = a if a.dtype in (np.float32, np.float64) else a.astype(np.float64)  # float32 stays
    a = a.T if layout == "math" else a
    zs, acts = [], [a]
    for i, (W, b) in enumerate(params):
        b = np.asarray(b, dtype=a.dtype)
        z = W @ a + b[:, None] if layout == "math" else a @ W + b
        last = i == len(params) - 1
        if last and output == "softmax":
            a = A.softmax(z, axis=0 if layout == "math" else -1)
        else:
            a = _act(output if last else activation)(z)
        zs.append(z)
        acts.append(a)
    return Cache(zs, acts)


def _targets(y, layout, dtype=np.float64):
    y = np.asarray(y, dtype=dtype)
    return y.T if layout == "math" else y


def loss(params, x, y, *, activation="relu", output="softmax", loss="cross_entropy",
         layout="math") -> float:
    r"""Batch-mean loss of the network: softmax cross-entropy (from the logits
    :math:`z^{(L)}`) or MSE of :math:`a^{(L)}`. Sections ``loss``, ``backprop``."""
    cache = forward(params, x, activation=activation, output=output, layout=layout)
    yt = _targets(y, layout)
    if loss == "cross_entropy":
        if output != "softmax":
            raise ValueError("loss='cross_entropy' needs output='softmax'")
        z = cache.zs[-1]
        return float(L.softmax_cross_entropy(z.T if layout == "math" else z,
                                             yt.T if layout == "math" else yt))
    if loss == "mse":
        return float(L.mse(cache.activations[-1], yt))
    raise ValueError(f"loss must be 'cross_entropy' or 'mse', got {loss!r}")


def _output_delta(cache, yt, *, output, loss, layout):
    n = yt.shape[1] if layout == "math" else yt.shape[0]
    y_hat, z = cache.activations[-1], cache.zs[-1]
    if loss == "cross_entropy":
        return (y_hat - yt) / n  # section backprop.softmax_ce: δ = ŷ - y, batch mean
    if loss == "mse":
        g = L.mse_grad(y_hat, yt)
        if output == "softmax":
            return A.softmax_jvp(z, g, axis=0 if layout == "math" else -1)
        return g * _act_grad(output)(z)
    raise ValueError(f"loss must be 'cross_entropy' or 'mse', got {loss!r}")


def backward(params, cache: Cache, y, *, activation="relu", output="softmax",
             loss="cross_entropy", layout="math"):
    r"""Backpropagation by the page's general rule. Section ``backprop.general``.

    .. math::
        \delta^{(L)} = \tfrac1N(\hat y - y) \text{ (softmax + CE)},\qquad
        \delta^{(l)} = \left[(W^{(l+1)})^\top \delta^{(l+1)}\right] \odot \sigma'(z^{(l)}),

        \frac{\partial L}{\partial W^{(l)}} = \delta^{(l)} (a^{(l-1)})^\top,\qquad
        \frac{\partial L}{\partial b^{(l)}} = \textstyle\sum_{\text{batch}} \delta^{(l)}

    (code layout: ``dW = a.T @ delta``, ``delta @ W.T``). Returns ``[(dW, db), ...]`` in the
    layout of ``params``; δ is propagated through the weights before any update.
    """
    _check_layout(layout)
    yt = _targets(y, layout, cache.activations[-1].dtype)
    delta = _output_delta(cache, yt, output=output, loss=loss, layout=layout)
    grads = [None] * len(params)
    for i in reversed(range(len(params))):
        a_prev = cache.activations[i]
        if layout == "math":
            grads[i] = (delta @ a_prev.T, delta.sum(axis=1))
        else:
            grads[i] = (a_prev.T @ delta, delta.sum(axis=0))
        if i > 0:
            W = params[i][0]
            back = W.T @ delta if layout == "math" else delta @ W.T
            delta = back * _act_grad(activation)(cache.zs[i - 1])
    return grads


# ------------------------------------------------------------ buffer-reusing variants
@dataclass(frozen=True, kw_only=True)
class Workspace:
    """Preallocated arrays for :func:`forward_into` and :func:`backward_into`: one network
    (``sizes`` = n_0, ..., n_L), batches of at most ``batch_size`` rows, the code layout, one
    dtype. ``zs[l-1]`` holds z⁽ˡ⁾, ``hidden[l-1]`` a⁽ˡ⁾ of the hidden layers, ``derivatives``
    σ′(z⁽ˡ⁾) and ``deltas`` δ⁽ˡ⁾ of the hidden layers (``nan`` where z⁽ˡ⁾ is NaN, booleans),
    ``grads`` ``[(dW, db), ...]``."""

    sizes: tuple
    batch_size: int
    zs: list
    hidden: list
    derivatives: list
    deltas: list
    nan: list
    grads: list


def workspace(sizes, batch_size: int, dtype=np.float64) -> Workspace:
    """The :class:`Workspace` of a network ``sizes`` for batches of up to ``batch_size`` rows."""
    sizes, dt = tuple(int(n) for n in sizes), np.dtype(dtype)
    hidden = sizes[1:-1]
    return Workspace(
        sizes=sizes, batch_size=int(batch_size),
        zs=[np.empty((batch_size, n), dt) for n in sizes[1:]],
        hidden=[np.empty((batch_size, n), dt) for n in hidden],
        derivatives=[np.empty((batch_size, n), dt) for n in hidden],
        deltas=[np.empty((batch_size, n), dt) for n in hidden],
        nan=[np.empty((batch_size, n), bool) for n in hidden],
        grads=[(np.empty((i, o), dt), np.empty(o, dt)) for i, o in zip(sizes[:-1], sizes[1:],
                                                                       strict=True)])


def _rows(ws: Workspace, x, params) -> int:
    m = len(x)
    if m > ws.batch_size or tuple(ws.sizes) != (params[0][0].shape[0],
                                                *(W.shape[1] for W, _ in params)):
        raise ValueError(f"workspace for sizes {ws.sizes}, batches ≤ {ws.batch_size}: got a batch "
                         f"of {m} for sizes {(params[0][0].shape[0], *(W.shape[1] for W, _ in params))}")
    return m


def forward_into(params, x, ws: Workspace, *, activation: str = "relu",
                 output: str = "softmax") -> Cache:
    r""":func:`forward` in the code layout, writing z⁽ˡ⁾ and the hidden a⁽ˡ⁾ into ``ws``
    instead of allocating them: the same operations in the same order, so bitwise the same
    values. Sections ``mlp``, ``forward``.

    .. math:: z^{(l)} = a^{(l-1)} W^{(l)} + b^{(l)},\quad a^{(l)} = \sigma^{(l)}(z^{(l)})

    ReLU is evaluated into its buffer as :func:`reference.activations.relu` does
    (``max(z, 0)``); other hidden activations are called and copied in; the output layer
    (``K`` columns) calls :func:`reference.activations.softmax` or ``output`` as
    :func:`forward` does. The returned :class:`Cache` holds views of ``ws``: the next call
    overwrites them. ``x`` must already have the workspace's dtype.
    """
    m = _rows(ws, x, params)
    a = np.asarray(x)
    acts = [a]
    for i, (W, b) in enumerate(params):
        z = np.matmul(a, W, out=ws.zs[i][:m])
        np.add(z, np.asarray(b, dtype=a.dtype), out=z)
        if i == len(params) - 1:
            a = A.softmax(z, axis=-1) if output == "softmax" else _act(output)(z)
        elif activation == "relu":
            a = np.maximum(z, 0, out=ws.hidden[i][:m])
        else:
            a = ws.hidden[i][:m]
            np.copyto(a, _act(activation)(z))
        acts.append(a)
    return Cache([ws.zs[i][:m] for i in range(len(params))], acts)


def backward_into(params, cache: Cache, y, ws: Workspace, *, activation: str = "relu",
                  output: str = "softmax", loss: str = "cross_entropy"):
    r""":func:`backward` in the code layout, writing δ, σ′(z) and the gradients into ``ws``:
    the same operations in the same order, so bitwise the same values. Section
    ``backprop.general``.

    .. math:: \frac{\partial L}{\partial W^{(l)}} = (a^{(l-1)})^\top \delta^{(l)},\quad
              \frac{\partial L}{\partial b^{(l)}} = \textstyle\sum_{\text{batch}} \delta^{(l)},\quad
              \delta^{(l-1)} = (\delta^{(l)} (W^{(l)})^\top) \odot \sigma'(z^{(l-1)})

    ReLU′ is evaluated into its buffer as :func:`reference.activations.relu_grad` does with its
    default (1 where z > 0, 0 where z < 0 and at z = 0, NaN at NaN); other activations'
    derivatives are called. Returns
    ``[(dW, db), ...]``, views of ``ws.grads`` that the next call overwrites.
    """
    m = _rows(ws, cache.activations[0], params)
    yt = _targets(y, "code", cache.activations[-1].dtype)
    delta = _output_delta(cache, yt, output=output, loss=loss, layout="code")
    for i in reversed(range(len(params))):
        dW, db = ws.grads[i]
        np.matmul(cache.activations[i].T, delta, out=dW)
        np.sum(delta, axis=0, out=db)
        if i > 0:
            back = np.matmul(delta, params[i][0].T, out=ws.deltas[i - 1][:m])
            z = cache.zs[i - 1]
            if activation == "relu":  # 1 where z > 0, 0 where z < 0 or z = 0, NaN at NaN
                derivative = np.greater(z, 0, out=ws.derivatives[i - 1][:m])
                nan = np.isnan(z, out=ws.nan[i - 1][:m])
                np.copyto(derivative, z, where=nan)
            else:
                derivative = _act_grad(activation)(z)
            delta = np.multiply(back, derivative, out=back)
    return ws.grads


def to_code_layout(params):
    """Math-layout ``[(W, b)]`` to the page's code layout (``W`` transposed), and back."""
    return [(np.asarray(W).T, np.asarray(b)) for W, b in params]


def _pairs(flat_params):
    return list(zip(flat_params[0::2], flat_params[1::2], strict=True))


def parameter_gradients(x, y, *params, activation="relu", output="softmax",
                        loss="cross_entropy", layout="math"):
    """``dW1, db1, dW2, db2, ...`` of the batch-mean loss, concatenated into one vector in
    math layout, computed by :func:`forward` and :func:`backward` in ``layout``.
    ``params`` are given in math layout (``W1, b1, W2, b2, ...``)."""
    pairs = _pairs(params)
    if layout == "code":
        pairs = to_code_layout(pairs)
    kw = dict(activation=activation, output=output, layout=layout)
    grads = backward(pairs, forward(pairs, x, **kw), y, loss=loss, **kw)
    if layout == "code":
        grads = to_code_layout(grads)
    return np.concatenate([g.ravel() for pair in grads for g in pair])


def minibatch_gradient(params, x, y, indices, **kw):
    r"""The mini-batch gradient. Section ``minibatch.unbiased``.

    .. math:: g_B = \frac1B \sum_{i \in B} \nabla_\theta L(x_i, y_i)

    (the batch-mean loss over the rows ``indices``), as ``[(dW, db), ...]``.
    """
    idx = np.asarray(indices)
    if idx.size == 0:  # an empty batch ([] reads as floats): zero gradients, module docstring
        idx = idx.astype(np.intp)
    xb, yb = np.asarray(x)[idx], np.asarray(y)[idx]
    return backward(params, forward(params, xb, **{k: v for k, v in kw.items() if k != "loss"}),
                    yb, **kw)


def _unflatten(flat, shapes):
    out, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        out.append(flat[start:start + size].reshape(shape))
        start += size
    return out


def numerical_parameter_gradients(x, y, *params, eps: float = 1e-5, activation="relu",
                                  output="softmax", loss="cross_entropy"):
    """The page's central-difference gradient (:func:`reference.gradcheck.numerical_gradient`)
    of the batch-mean loss with respect to every parameter, flattened like
    :func:`parameter_gradients`. Section ``gradcheck``."""
    from .gradcheck import numerical_gradient

    shapes = [np.shape(p) for p in params]
    flat = np.concatenate([np.ravel(p) for p in params]).astype(np.float64)
    kw = dict(activation=activation, output=output, loss=loss)

    def objective(v):
        return globals()["loss"](_pairs(_unflatten(v, shapes)), x, y, **kw)

    return numerical_gradient(objective, flat, eps=eps)
