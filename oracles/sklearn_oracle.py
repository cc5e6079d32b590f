"""scikit-learn oracle: what scikit-learn itself computes, where it has the same thing.

- activations: ``sklearn.neural_network._base.ACTIVATIONS`` (in-place, on a copy) and their
  derivatives ``DERIVATIVES`` (which take the activation's *output* ``Z`` and scale a
  back-propagated ``delta`` in place; the oracle passes the cotangent as ``delta``);
- losses: ``sklearn.metrics`` (``impl="metrics"``: ``mean_squared_error``, ``log_loss``) and
  the losses ``MLPClassifier``/``MLPRegressor`` train on (``impl="mlp"``:
  ``_base.LOSS_FUNCTIONS``). scikit-learn has no loss gradients as public functions;
- optimizers: ``SGDOptimizer`` and ``AdamOptimizer`` of
  ``sklearn.neural_network._stochastic_optimizers``, stepped with ``update_params``;
- the perceptron: ``sklearn.linear_model.Perceptron`` trained (``perceptron_train``) and
  predicting with given weights (``perceptron_predict``);
- ``MLPClassifier``: its initial weights (``mlp_classifier_init``, its own ``_init_coef``) and
  its constructor defaults (``defaults["mlp_classifier"]``).

Inputs are converted to ``dtype`` (float64 unless asked otherwise).
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import sklearn
from sklearn.linear_model import Perceptron
from sklearn.metrics import log_loss, mean_squared_error
from sklearn.neural_network import MLPClassifier, _base
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from .base import Oracle


def _activation(name):
    def value(x, dtype="float64"):
        x = np.array(x, dtype=dtype, copy=True)
        if name == "softmax":  # scikit-learn's softmax works on rows of a 2-D array only
            flat = x.reshape(-1, x.shape[-1])
            _base.ACTIVATIONS[name](flat)
            return flat.reshape(x.shape)
        _base.ACTIVATIONS[name](x)
        return x
    return value


def _derivative(name):
    def grad(args, cotangent, dtype="float64"):
        z = _activation(name)(args[0], dtype)
        v = 1.0 if cotangent is None else cotangent
        delta = np.array(np.broadcast_to(v, z.shape), dtype=dtype, copy=True)
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
    def value(*args, dtype="float64", **settings):
        return np.asarray(fn(*(np.asarray(a, dtype=dtype) for a in args), **settings))
    return value


def _trajectory(make, theta0, grads, dtype="float64"):
    theta = np.array(theta0, dtype=dtype, copy=True)
    opt = make([theta])
    out = [theta.copy()]
    for g in np.asarray(grads, dtype=dtype):
        opt.update_params([theta], [g])  # in place, as MLPClassifier uses it
        out.append(theta.copy())
    return np.stack(out)


def _sgd_trajectory(theta0, grads, *, lr, dtype="float64"):
    return _trajectory(lambda ps: SGDOptimizer(ps, learning_rate_init=lr, momentum=0.0,
                                               nesterov=False), theta0, grads, dtype)


def _momentum_trajectory(theta0, grads, *, lr, beta, fold_dampening=False, nesterov=True, dtype="float64"):
    # SGDOptimizer: velocity = β·velocity - lr·g; param += velocity (+ Nesterov look-ahead,
    # on by default). fold_dampening passes lr·(1 - β) to reach the page's iterates.
    step = lr * (1.0 - beta) if fold_dampening else lr
    return _trajectory(lambda ps: SGDOptimizer(ps, learning_rate_init=step, momentum=beta,
                                               nesterov=nesterov), theta0, grads, dtype)


def _adam_trajectory(theta0, grads, *, lr, b1, b2, eps, dtype="float64"):
    return _trajectory(lambda ps: AdamOptimizer(ps, learning_rate_init=lr, beta_1=b1,
                                                beta_2=b2, epsilon=eps), theta0, grads, dtype)


def _perceptron_train(X, y, *, lr, epochs, w0=None, b0=None, dtype="float64", **settings):
    """``Perceptron(eta0=lr, max_iter=epochs, shuffle=False, tol=None, **settings).fit`` from
    ``(w0, b0)`` when given (``coef_init``, ``intercept_init``): its weights ``(w, b)``."""
    X = np.asarray(X, dtype=dtype)
    init = {} if w0 is None else {"coef_init": np.asarray(w0, dtype).reshape(1, -1),
                                  "intercept_init": np.array([b0], dtype)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter reached, as asked
        clf = Perceptron(eta0=lr, shuffle=False, max_iter=epochs, tol=None, **settings).fit(X, y, **init)
    return clf.coef_[0], float(clf.intercept_[0])


def _perceptron_predict(w, b, X, dtype="float64"):
    """``Perceptron.predict`` with the weights set to ``(w, b)`` (classes 0 and 1)."""
    w = np.asarray(w, dtype)
    clf = Perceptron(max_iter=1, tol=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(np.vstack([np.zeros_like(w), np.ones_like(w)]), [0, 1])
    clf.coef_, clf.intercept_ = w.reshape(1, -1), np.array([b], dtype)
    return clf.predict(np.asarray(X, dtype))


def _mlp_classifier_init(fan_in, fan_out, *, seed, dtype="float64"):
    """The initial ``(coef, intercept)`` of one layer as ``MLPClassifier`` draws them
    (``_init_coef`` with the estimator's own random state seeded by ``seed``)."""
    clf = MLPClassifier()
    clf._random_state = np.random.RandomState(seed)
    return clf._init_coef(fan_in, fan_out, np.dtype(dtype))


def _mlp_classifier_defaults():
    params = inspect.signature(MLPClassifier.__init__).parameters
    return "sklearn.neural_network.MLPClassifier", {k: v.default for k, v in params.items() if k != "self"}


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
        "perceptron_train": _perceptron_train,
        "perceptron_predict": _perceptron_predict,
        "mlp_classifier_init": _mlp_classifier_init,
    },
    grads={
        "sigmoid": _derivative("logistic"),
        "tanh": _derivative("tanh"),
        "relu": _derivative("relu"),
    },
    defaults={"mlp_classifier": _mlp_classifier_defaults},
)
