"""scikit-learn oracle: what scikit-learn itself computes, where it has the same thing.

- activations: ``sklearn.neural_network._base.ACTIVATIONS`` (in-place, on a copy) and their
  derivatives ``DERIVATIVES`` (which take the activation's *output* ``Z`` and scale a
  back-propagated ``delta`` in place; the oracle passes the cotangent as ``delta``);
- losses: ``sklearn.metrics`` (``impl="metrics"``: ``mean_squared_error``, ``log_loss``) and
  the losses ``MLPClassifier``/``MLPRegressor`` train on (``impl="mlp"``:
  ``_base.LOSS_FUNCTIONS``). scikit-learn has no loss gradients as public functions.
"""

from __future__ import annotations

import inspect

import numpy as np
import sklearn
from sklearn.metrics import log_loss, mean_squared_error
from sklearn.neural_network import _base

from .base import Oracle


def _activation(name):
    def value(x):
        x = np.array(x, dtype=np.float64, copy=True)
        if name == "softmax":  # scikit-learn's softmax works on rows of a 2-D array only
            flat = x.reshape(-1, x.shape[-1])
            _base.ACTIVATIONS[name](flat)
            return flat.reshape(x.shape)
        _base.ACTIVATIONS[name](x)
        return x
    return value


def _derivative(name):
    def grad(args, cotangent):
        z = _activation(name)(args[0])
        v = 1.0 if cotangent is None else cotangent
        delta = np.array(np.broadcast_to(v, z.shape), dtype=np.float64, copy=True)
        _base.DERIVATIVES[name](z, delta)
        return delta
    return grad


_PROBA_KW = "y_proba" if "y_proba" in inspect.signature(log_loss).parameters else "y_pred"


def _mse(y_pred, y_true, impl="metrics"):
    if impl == "metrics":
        return mean_squared_error(y_true, y_pred)
    return _base.LOSS_FUNCTIONS["squared_error"](y_true, y_pred)


def _cross_entropy(y_pred, y_true, impl="metrics"):
    if impl == "metrics":
        labels = np.arange(y_pred.shape[-1])
        return log_loss(y_true.argmax(axis=-1), labels=labels, **{_PROBA_KW: y_pred})
    return _base.LOSS_FUNCTIONS["log_loss"](y_true, y_pred)


def _binary_cross_entropy(y_pred, y_true):
    # MLPClassifier's multi-label loss; it expects (n_samples, n_outputs)
    return _base.LOSS_FUNCTIONS["binary_log_loss"](y_true.reshape(len(y_true), -1),
                                                   y_pred.reshape(len(y_pred), -1))


def _as_arrays(fn):
    def value(*args, **settings):
        return np.asarray(fn(*(np.asarray(a, dtype=np.float64) for a in args), **settings))
    return value


ORACLE = Oracle(
    name="sklearn",
    version=sklearn.__version__,
    values={
        "sigmoid": _activation("logistic"),
        "tanh": _activation("tanh"),
        "relu": _activation("relu"),
        "softmax": _activation("softmax"),
        "mse": _as_arrays(_mse),
        "cross_entropy": _as_arrays(_cross_entropy),
        "binary_cross_entropy": _as_arrays(_binary_cross_entropy),
    },
    grads={
        "sigmoid": _derivative("logistic"),
        "tanh": _derivative("tanh"),
        "relu": _derivative("relu"),
    },
)
