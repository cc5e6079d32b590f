"""PyTorch oracle: ``torch.nn.functional`` values, ``torch.autograd`` gradients (and
``torch.func.jvp`` forward-mode products), in float64
(the default) or the ``dtype`` asked for.

Settings are the functions' own keyword arguments (``approximate``, ``negative_slope``,
``reduction``), plus two of the oracle's own:

- ``via`` for ReLU: ``"relu"`` (``F.relu``), ``"maximum"`` (``torch.maximum(x, 0)``, the
  spelling of the page's code) or ``"clamp"`` (``torch.clamp(x, min=0)``);
- ``clip`` for the probability cross-entropy: torch has no cross-entropy on probabilities
  with clipping, so the page's ``clip(ŷ, 1e-12, 1 - 1e-12)`` is applied with ``torch.clamp``
  before ``F.nll_loss(log ŷ)`` when ``clip`` is given;
- ``target`` for the softmax cross-entropy: ``"probabilities"`` (default: the one-hot rows as
  class probabilities) or ``"index"`` (their argmax as class indices, torch's other form).
"""

from __future__ import annotations

import inspect

import numpy as np
import torch
import torch.nn.functional as F

from . import torch_training
from .base import Oracle


def _nll_of_probabilities(p, y, clip=None, reduction="mean"):
    # torch's canonical loss on log-probabilities; y is one-hot, nll_loss wants class indices.
    if clip is not None:
        p = torch.clamp(p, clip, 1.0 - clip)
    return F.nll_loss(torch.log(p), y.argmax(dim=-1), reduction=reduction)


# ReLU as torch spells it: F.relu, or as the page's code writes it, maximum(0, x); or clamp.
# The three agree in value and differ in their derivative at exactly 0.
_RELU_SPELLINGS = {
    "relu": F.relu,
    "maximum": lambda x: torch.maximum(x, torch.zeros_like(x)),
    "clamp": lambda x: torch.clamp(x, min=0.0),
}


def _softmax_cross_entropy(z, y, target="probabilities", **kw):
    return F.cross_entropy(z, y.argmax(dim=-1) if target == "index" else y, **kw)


FUNCTIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": lambda x, via="relu": _RELU_SPELLINGS[via](x),
    "leaky_relu": F.leaky_relu,
    "gelu": F.gelu,
    "softmax": lambda z: F.softmax(z, dim=-1),
    "mse": F.mse_loss,
    "cross_entropy": _nll_of_probabilities,
    "softmax_cross_entropy": _softmax_cross_entropy,
    "binary_cross_entropy": F.binary_cross_entropy,
    "binary_cross_entropy_with_logits": F.binary_cross_entropy_with_logits,
    # the gates of a circuit (CS231n "Backpropagation, Intuitions"): torch's own ops
    "add": torch.add, "mul": torch.mul, "maximum": torch.maximum, "reciprocal": torch.reciprocal, "exp": torch.exp,
    "scale": lambda x, a=-1.0: torch.mul(x, a), "shift": lambda x, c=1.0: torch.add(x, c),
}

# A circuit written with these names is differentiated by torch.autograd (circuit_value_and_grad).
CIRCUIT_GATES = {name: FUNCTIONS[name] for name in ("add", "mul", "maximum", "reciprocal", "exp", "scale", "shift",
                                                    "sigmoid")}


def circuit_value_and_grad(f, **inputs) -> tuple[float, dict[str, float]]:
    """``f(**inputs)``, written with :data:`CIRCUIT_GATES`, and its gradient with respect to
    every named input by ``torch.autograd`` (float64)."""
    xs = {k: torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for k, v in inputs.items()}
    out = f(**xs)
    grads = torch.autograd.grad(out, list(xs.values()), allow_unused=True)
    return float(out.detach()), {k: 0.0 if g is None else float(g) for k, g in zip(xs, grads, strict=True)}


def _tensor(a, dtype="float64") -> torch.Tensor:
    return torch.from_numpy(np.array(a, dtype=dtype, copy=True))


def _cotangent(cotangent, out: torch.Tensor, dtype) -> torch.Tensor:
    # None means ones: the derivative of an elementwise function, the gradient of a scalar
    return torch.ones_like(out) if cotangent is None else _tensor(cotangent, dtype).reshape(out.shape)


def _value(fn):
    def value(*args, dtype="float64", **settings):
        with torch.no_grad():
            return fn(*(_tensor(a, dtype) for a in args), **settings).numpy()
    return value


def _grad(fn):
    def grad(args, cotangent, dtype="float64", **settings):
        x, *rest = (_tensor(a, dtype) for a in args)
        x.requires_grad_(True)
        out = fn(x, *rest, **settings)
        (g,) = torch.autograd.grad(out, x, grad_outputs=_cotangent(cotangent, out, dtype))
        return g.numpy()
    return grad


def _jvp(fn):
    def jvp(args, tangent, dtype="float64", **settings):
        x, *rest = (_tensor(a, dtype) for a in args)
        _, out = torch.func.jvp(lambda x_: fn(x_, *rest, **settings), (x,), (_tensor(tangent, dtype),))
        return out.numpy()
    return jvp


def _defaults(qualified, fn, read):
    def defaults():
        return qualified, read(inspect.signature(fn).parameters)
    return defaults


ORACLE = Oracle(
    name="torch",
    version=torch.__version__,
    values={**{op: _value(fn) for op, fn in FUNCTIONS.items()}, **torch_training.VALUES},
    grads={op: _grad(fn) for op, fn in FUNCTIONS.items()},
    jvps={op: _jvp(fn) for op, fn in FUNCTIONS.items()},
    defaults={"leaky_relu": _defaults("torch.nn.functional.leaky_relu", F.leaky_relu,
                                      lambda p: {"negative_slope": p["negative_slope"].default}),
              "adam": _defaults("torch.optim.Adam", torch.optim.Adam,
                                lambda p: {"betas": tuple(p["betas"].default), "eps": p["eps"].default})},
)
