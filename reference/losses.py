r"""Loss functions of the page (section ``loss``), each beside its gradient.

Shapes: predictions and targets have the same shape ``(N, K)`` (N samples, K classes or
outputs) or ``(N,)``. Reductions (keyword ``reduction``):

- ``"mean"`` (default): the page's :math:`\frac1N\sum_i`. For MSE and BCE the mean runs over
  every element (the page's worked example divides by the 3 outputs); for the cross-entropies
  it runs over the N samples (rows), the class sum being part of the per-sample loss.
- ``"sum"``: the sum of the same terms.
- ``"none"``: the unreduced terms (per element for MSE/BCE, per sample for cross-entropies).

Gradients are with respect to the first argument and follow the same reduction.

Empty inputs: ``"none"`` gives the empty terms, ``"sum"`` gives 0, and a gradient is an empty
array of its argument's shape. A ``"mean"`` over zero terms (an empty batch; for MSE and BCE
any empty array) has no value: it is NaN (0/0), silently, as ``torch``'s and ``jnp.mean``'s
are. An empty class axis (``K = 0``) makes each cross-entropy's per-sample class sum empty,
so each sample's loss is 0 (as ``F.cross_entropy`` with probability targets and
``optax.softmax_cross_entropy`` give). A 0-d input has no class axis: the cross-entropies
raise ``ValueError`` (as ``F.cross_entropy`` does); MSE and BCE, elementwise, take it as one
element.

NaN policy: NaN in, NaN out. A NaN in a prediction, logit or target makes every loss and
gradient entry that depends on it NaN: the element's own term and gradient (for the softmax
cross-entropy, its whole sample), and any mean or sum over it. Neither the page's clip (the
gradient is 0 outside the clip range, not at NaN) nor the convention 0·log 0 = 0 (which is
about p = 0, not p = NaN) hides a NaN.
"""

from __future__ import annotations

import numpy as np

from .activations import sigmoid


def _wide(x: np.ndarray) -> np.ndarray:
    """``x`` in a wider type for intermediate results (float32 -> float64, float64 -> long
    double), rounded back once at the end (as in :mod:`reference.activations`)."""
    return x.astype(np.float64 if x.dtype == np.float32 else np.longdouble)

__all__ = [
    "mse",
    "mse_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "softmax_cross_entropy",
    "softmax_cross_entropy_grad",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
]

PAGE_CE_CLIP = 1e-12
"""The page's code clips predicted probabilities to ``[1e-12, 1 - 1e-12]`` before the log."""


def _pair(y_pred, y_true):
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.float64)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"shape mismatch: y_pred {y_pred.shape} vs y_true {y_true.shape}")
    return y_pred, y_true


def _class_pair(name: str, y_pred, y_true):
    """:func:`_pair` for the cross-entropies, which sum over a class axis: a 0-d input has none."""
    y_pred, y_true = _pair(y_pred, y_true)
    if y_pred.ndim == 0:
        raise ValueError(f"{name}: a 0-d input has no class axis; the cross-entropies take (K,) or (N, K) "
                         "(torch's F.cross_entropy raises too)")
    return y_pred, y_true


def _reduce(terms: np.ndarray, reduction: str, count: int):
    if reduction == "mean":
        with np.errstate(invalid="ignore"):  # a mean over no terms: 0/0 = NaN (module docstring)
            return np.sum(terms) / np.float64(count)
    if reduction == "sum":
        return np.sum(terms)
    if reduction == "none":
        return terms
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _grad_scale(reduction: str, count: int) -> float:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return 1.0 / count if reduction == "mean" and count else 1.0  # count 0: no entry to scale


def _n_samples(y: np.ndarray) -> int:
    return y.shape[0] if y.ndim > 1 else 1


def _xlogy(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``y * log(p)`` with ``0 * log(0) = 0`` (but NaN for a NaN ``p``, as ``torch.xlogy``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((y == 0) & ~np.isnan(p), 0.0, y * np.log(p))


def mse(y_pred, y_true, *, reduction: str = "mean"):
    r"""Mean squared error. Page section ``loss.mse``.

    .. math:: L = \frac1N \sum_i (y_i - \hat y_i)^2

    N counts every element (page's worked example: 3 outputs, divides by 3).

    .. warning:: scikit-learn's ``squared_error`` loss in ``sklearn.neural_network`` is half
       of this (``0.5 * mean``).
    """
    y_pred, y_true = _pair(y_pred, y_true)
    return _reduce((y_true - y_pred) ** 2, reduction, y_pred.size)


def mse_grad(y_pred, y_true, *, reduction: str = "mean"):
    r"""Gradient of MSE with respect to the prediction. Page section ``loss.mse``.

    .. math:: \frac{\partial L}{\partial \hat y_i} = \frac2N(\hat y_i - y_i)
    """
    y_pred, y_true = _pair(y_pred, y_true)
    return 2.0 * (y_pred - y_true) * _grad_scale(reduction, y_pred.size)


def _clip(p: np.ndarray, eps: float | None) -> np.ndarray:
    return p if eps is None else np.clip(p, eps, 1.0 - eps)


def _clip_passes(p: np.ndarray, eps: float | None) -> np.ndarray:
    """Where the derivative of the clip is 1 (inside ``[eps, 1-eps]``, ends included), and at
    NaN, so that a NaN is not masked to 0 (NaN policy)."""
    if eps is None:
        return np.ones_like(p, dtype=bool)
    return ((p >= eps) & (p <= 1.0 - eps)) | np.isnan(p)


def cross_entropy(y_pred, y_true, *, eps: float | None = PAGE_CE_CLIP, reduction: str = "mean"):
    r"""Cross-entropy of predicted probabilities. Page section ``loss.ce``.

    .. math:: L = -\frac1N \sum_i \sum_k y_{ik} \log \operatorname{clip}(\hat y_{ik}, \epsilon, 1-\epsilon)

    With one-hot labels this is :math:`-\frac1N \sum_i \log \hat y_{i,c_i}`. ``eps``
    defaults to the page's code's ``1e-12``; ``eps=None`` applies no clipping (then
    :math:`0\log 0 = 0` and :math:`-\log 0 = \infty`).
    """
    y_pred, y_true = _class_pair("cross_entropy", y_pred, y_true)
    per_sample = -np.sum(_xlogy(y_true, _clip(y_pred, eps)), axis=-1)
    return _reduce(per_sample, reduction, _n_samples(y_pred))


def cross_entropy_grad(
    y_pred, y_true, *, eps: float | None = PAGE_CE_CLIP, reduction: str = "mean"
):
    r"""Gradient of :func:`cross_entropy` with respect to the probabilities. Section ``loss.ce``.

    .. math:: \frac{\partial L}{\partial \hat y_{ik}} = -\frac1N \frac{y_{ik}}{\hat y_{ik}}
              \quad\text{inside the clip range, 0 outside it}
    """
    y_pred, y_true = _class_pair("cross_entropy_grad", y_pred, y_true)
    p = _clip(y_pred, eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = -y_true / p  # unclipped at p = 0: -inf where y > 0, undefined (nan) where y = 0
    g = np.where(_clip_passes(y_pred, eps), g, 0.0)
    return g * _grad_scale(reduction, _n_samples(y_pred))


def _shifted_exp(z: np.ndarray):
    r"""``(z − max z, e^{z − max z} with the max entry set to 0, index of the max)``, per row.

    With ``rest`` = the sum of the returned exponentials, :math:`\sum_j e^{z_j - m} = 1 + rest`,
    so :math:`\log\sum_j e^{z_j} = m + \mathrm{log1p}(rest)` and
    :math:`1 - \mathrm{softmax}(z)_{k^*} = rest/(1 + rest)` lose nothing when ``rest`` is tiny
    (a confident prediction), where ``log(1 + rest)`` and ``softmax − 1`` would cancel.
    """
    k = np.argmax(z, axis=-1)[..., None]
    shifted = z - np.take_along_axis(z, k, axis=-1)
    e = np.exp(shifted)
    np.put_along_axis(e, k, 0.0, axis=-1)
    return shifted, e, k


def softmax_cross_entropy(logits, y_true, *, reduction: str = "mean"):
    r"""Cross-entropy of softmax(logits). Page sections ``loss.ce`` and ``backprop``.

    .. math:: L = -\frac1N \sum_i \sum_k y_{ik}\left(z_{ik} - \log\sum_j e^{z_{ij}}\right)

    (log-softmax with the max subtracted: finite for any finite logits; the log-sum-exp as
    ``log1p`` of the terms other than the max, so a confident correct prediction's small loss
    keeps its relative precision.)
    """
    z, y_true = _class_pair("softmax_cross_entropy", logits, y_true)
    if z.shape[-1] == 0:  # no classes: each sample's class sum is empty (module docstring)
        return _reduce(np.zeros(z.shape[:-1]), reduction, _n_samples(z))
    shifted, e, _ = _shifted_exp(z)
    log_softmax = shifted - np.log1p(np.sum(e, axis=-1, keepdims=True))
    per_sample = -np.sum(y_true * log_softmax, axis=-1)
    return _reduce(per_sample, reduction, _n_samples(z))


def softmax_cross_entropy_grad(logits, y_true, *, reduction: str = "mean"):
    r"""Gradient of :func:`softmax_cross_entropy` w.r.t. the logits. Section ``backprop.softmax_ce``.

    .. math:: \frac{\partial L}{\partial z_{ik}} = \frac1N(\hat y_{ik} - y_{ik}),\qquad \hat y = \mathrm{softmax}(z)

    (the page's :math:`\delta = \hat y - y`, which uses :math:`\sum_k y_{ik} = 1`). At the largest
    logit :math:`k^*` it is computed as :math:`(1 - y_{ik^*}) - (1 - \hat y_{ik^*})` with
    :math:`1 - \hat y_{ik^*}` from the other terms (no cancellation when :math:`\hat y_{ik^*} \to 1`).
    """
    z, y_true = _class_pair("softmax_cross_entropy_grad", logits, y_true)
    if z.shape[-1] == 0:  # no classes: nothing to differentiate
        return np.zeros(z.shape)
    _, e, k = _shifted_exp(z)
    others = np.sum(e, axis=-1, keepdims=True)
    total = 1.0 + others
    delta = e / total - y_true
    rest = others / total  # 1 − ŷ at the max: Σ_{j≠k*} e_j / Σ_j e_j
    at_max = (1.0 - np.take_along_axis(y_true, k, axis=-1)) - rest
    np.put_along_axis(delta, k, at_max, axis=-1)
    return delta * _grad_scale(reduction, _n_samples(z))


def binary_cross_entropy(
    y_pred, y_true, *, eps: float | None = None, log_floor: float | None = None,
    reduction: str = "mean",
):
    r"""Binary cross-entropy of probabilities. Page section ``loss.bce``.

    .. math:: L = -\frac1N \sum_i \left[y_i \log \hat y_i + (1-y_i)\log(1-\hat y_i)\right]

    The page applies no clipping (``eps=None``, ``log_floor=None``). Conventions found in
    frameworks, available as keywords: ``eps`` clips :math:`\hat y` to ``[eps, 1-eps]``
    (scikit-learn: machine epsilon); ``log_floor`` bounds each log from below
    (``torch.nn.functional.binary_cross_entropy``: -100).
    """
    p, y = _pair(y_pred, y_true)
    p = _clip(p, eps)
    with np.errstate(divide="ignore", invalid="ignore"):  # log 0 = −inf; 0·(−inf) is masked below
        log_p, log_1mp = np.log(p), np.log1p(-p)
        if log_floor is not None:
            log_p, log_1mp = np.maximum(log_p, log_floor), np.maximum(log_1mp, log_floor)
        terms = -(np.where(y == 0, 0.0, y * log_p) + np.where(y == 1, 0.0, (1.0 - y) * log_1mp))
    return _reduce(terms, reduction, p.size)


def binary_cross_entropy_grad(
    y_pred, y_true, *, eps: float | None = None, denom_floor: float | None = None,
    reduction: str = "mean",
):
    r"""Gradient of :func:`binary_cross_entropy` w.r.t. the probabilities. Section ``loss.bce``.

    .. math:: \frac{\partial L}{\partial \hat y_i} = \frac1N\left(-\frac{y_i}{\hat y_i}
              + \frac{1-y_i}{1-\hat y_i}\right) = \frac1N\,\frac{\hat y_i - y_i}{\hat y_i(1-\hat y_i)}

    ``denom_floor`` bounds :math:`\hat y(1-\hat y)` from below (torch's backward uses 1e-12);
    ``eps`` clips as in :func:`binary_cross_entropy` (gradient 0 outside the clip range).
    """
    p, y = _pair(y_pred, y_true)
    pc = _clip(p, eps)
    denom = pc * (1.0 - pc)
    if denom_floor is not None:
        denom = np.maximum(denom, denom_floor)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        g = (pc - y) / denom
    g = np.where(_clip_passes(p, eps), g, 0.0)
    return g * _grad_scale(reduction, p.size)


def binary_cross_entropy_with_logits(logits, y_true, *, reduction: str = "mean"):
    r"""Binary cross-entropy of :math:`\hat y = \sigma(z)`. Page section ``loss.bce``.

    .. math:: L = \frac1N\sum_i \left[\max(z_i, 0) - y_i z_i + \log(1 + e^{-|z_i|})\right]

    the same as :func:`binary_cross_entropy` of :math:`\sigma(z)`, without overflow.
    """
    z, y = _pair(logits, y_true)
    zw, yw = _wide(z), y.astype(_wide(z).dtype)  # in a wider type, rounded once
    terms = (np.maximum(zw, 0.0) - yw * zw + np.log1p(np.exp(-np.abs(zw)))).astype(z.dtype)
    return _reduce(terms, reduction, z.size)


def binary_cross_entropy_with_logits_grad(logits, y_true, *, reduction: str = "mean"):
    r"""Gradient w.r.t. the logits. Page section ``loss.bce``.

    .. math:: \frac{\partial L}{\partial z_i} = \frac1N(\sigma(z_i) - y_i)
              = \frac1N\left[(1 - y_i)\,\sigma(z_i) - y_i\,\sigma(-z_i)\right]

    The second form: two terms of one sign each, so no cancellation when σ(z) rounds to y
    (σ(39) − 1 is −1.2e-17, not 0).
    """
    z, y = _pair(logits, y_true)
    return ((1.0 - y) * sigmoid(z) - y * sigmoid(-z)) * _grad_scale(reduction, z.size)
