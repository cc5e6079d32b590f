"""scikit-learn oracle: what scikit-learn itself computes, where it has the same thing.

- activations: ``sklearn.neural_network._base.ACTIVATIONS`` (in-place, on a copy) and their
  derivatives ``DERIVATIVES`` (which take the activation's *output* ``Z`` and scale a
  back-propagated ``delta`` in place; the oracle passes the cotangent as ``delta``);
- losses: ``sklearn.metrics`` (``impl="metrics"``: ``mean_squared_error``, ``log_loss``) and
  the losses ``MLPClassifier``/``MLPRegressor`` train on (``impl="mlp"``:
  ``_base.LOSS_FUNCTIONS``). scikit-learn has no loss gradients as public functions;
- optimizers: ``SGDOptimizer`` and ``AdamOptimizer`` of
  ``sklearn.neural_network._stochastic_optimizers``, stepped with ``update_params``.
"""

from __future__ import annotations

import inspect

import numpy as np
import sklearn
from sklearn.metrics import log_loss, mean_squared_error
from sklearn.neural_network import _base
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

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


def _trajectory(make, theta0, grads):
    theta = np.array(theta0, dtype=np.float64, copy=True)
    opt = make([theta])
    out = [theta.copy()]
    for g in np.asarray(grads, dtype=np.float64):
        opt.update_params([theta], [g])  # in place, as MLPClassifier uses it
        out.append(theta.copy())
    return np.stack(out)


def _sgd_trajectory(theta0, grads, *, lr):
    return _trajectory(lambda ps: SGDOptimizer(ps, learning_rate_init=lr, momentum=0.0,
                                               nesterov=False), theta0, grads)


def _momentum_trajectory(theta0, grads, *, lr, beta, fold_dampening=False, nesterov=True):
    # SGDOptimizer: velocity = β·velocity - lr·g; param += velocity (+ Nesterov look-ahead,
    # on by default). fold_dampening passes lr·(1 - β) to reach the page's iterates.
    step = lr * (1.0 - beta) if fold_dampening else lr
    return _trajectory(lambda ps: SGDOptimizer(ps, learning_rate_init=step, momentum=beta,
                                               nesterov=nesterov), theta0, grads)


def _adam_trajectory(theta0, grads, *, lr, b1, b2, eps):
    return _trajectory(lambda ps: AdamOptimizer(ps, learning_rate_init=lr, beta_1=b1,
                                                beta_2=b2, epsilon=eps), theta0, grads)


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
        "sgd_trajectory": _sgd_trajectory,
        "momentum_trajectory": _momentum_trajectory,
        "adam_trajectory": _adam_trajectory,
    },
    grads={
        "sigmoid": _derivative("logistic"),
        "tanh": _derivative("tanh"),
        "relu": _derivative("relu"),
    },
)
