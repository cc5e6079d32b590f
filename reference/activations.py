r"""Activation functions of the page (section ``act``), each beside its derivative.

Plain NumPy (and the standard library's ``math.erfc``), nothing clever; one function per
formula. Every function accepts any array-like of floats and returns an array of the same
shape and dtype (float64 unless a float32 array is given).

Numerical stability: where a framework is stable the reference is too. ``sigmoid(-1000)``
returns 0 with no overflow warning, ``softmax([1000, 0])`` is ``[1, 0]``. Where the page's
formula cancels catastrophically (``1 - tanh^2`` at large ``|x|``, ``1 + erf`` at large
negative ``x``, ``v - <s, v>`` at a dominant softmax class) the reference evaluates an
algebraically identical, stable form and says so.

Empty inputs: an empty array (an empty batch, or an empty class axis for ``softmax`` and
``softmax_jvp``: shapes ``(0,)``, ``(3, 0)``, ``(5, 0, 0)``) gives an empty array of the same
shape and dtype, silently.

NaN policy: NaN in, NaN out. Every function here, every derivative included, returns NaN
wherever its result depends on a NaN input: elementwise functions at that element; ``softmax``
and ``softmax_jvp`` in the whole slice along ``axis`` that holds a NaN (of ``z`` or ``v``).
The derivative at NaN is undefined, so the piecewise-constant derivatives (``relu_grad``,
``leaky_relu_grad``) return NaN there too, as the smooth ones do. The frameworks disagree
among themselves there: ``torch.autograd`` gives ReLU′(NaN) = 1 and Leaky ReLU′(NaN) = α,
``jax.grad`` gives 0 and α (each is whatever its mask does with a false comparison);
scikit-learn's ``DERIVATIVES['relu']`` leaves 1. The values (``relu(nan)``, ...) are NaN in all
of them.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
    "relu",
    "relu_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "gelu",
    "gelu_grad",
    "softmax",
    "softmax_jvp",
]

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_COEF = 0.044715
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _float_array(x) -> np.ndarray:
    x = np.asarray(x)
    return x if x.dtype in (np.float32, np.float64, np.longdouble) else x.astype(np.float64)


def _wide(x: np.ndarray) -> np.ndarray:
    """``x`` in a wider type for intermediate results: float32 -> float64, float64 -> long
    double (80-bit extended on x86-64 Linux; where long double is double nothing is gained).
    Results are rounded back to the input's type once, at the end."""
    return x.astype(np.float64 if x.dtype == np.float32 else np.longdouble)


def sigmoid(x):
    r"""Logistic sigmoid. Page section ``act.sigmoid``.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}}

    Evaluated as :math:`1/(1+e^{-|x|})` for :math:`x \ge 0` and
    :math:`e^{-|x|}/(1+e^{-|x|})` for :math:`x < 0`, so ``exp`` never overflows; in a wider
    type (:func:`_wide`) and rounded once, so the result is within about half an ulp.
    """
    x = _float_array(x)
    w = _wide(x)
    e = np.exp(-np.abs(w))
    return np.where(w >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype)


def sigmoid_grad(x):
    r"""Derivative of the sigmoid. Page section ``act.sigmoid``.

    .. math:: \sigma'(x) = \sigma(x)\,(1 - \sigma(x)) = \sigma(x)\,\sigma(-x)

    The page's :math:`1-\sigma(x)` is evaluated as :math:`\sigma(-x)` (the same number
    exactly), which keeps full relative precision when :math:`\sigma(x)` rounds to 1; the
    product is formed in a wider type and rounded once (≤ about half an ulp, where the plain
    float64 product of two rounded factors reaches 2.5 ulp).
    """
    x = _float_array(x)
    w = _wide(x)
    return (sigmoid(w) * sigmoid(-w)).astype(x.dtype)


def tanh(x):
    r"""Hyperbolic tangent. Page section ``act.tanh``.

    .. math:: \tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}
    """
    return np.tanh(_float_array(x))


def tanh_grad(x):
    r"""Derivative of tanh. Page section ``act.tanh``.

    .. math:: \tanh'(x) = 1 - \tanh^2(x) = \operatorname{sech}^2(x)

    Evaluated as :math:`\operatorname{sech}^2(x) = (1/\cosh x)^2`: ``1 - tanh**2`` loses all
    relative precision once :math:`\tanh x` rounds towards 1.
    """
    x = _float_array(x)
    with np.errstate(over="ignore"):
        sech = 1.0 / np.cosh(_wide(x))  # in a wider type, rounded once
    return (sech * sech).astype(x.dtype)


def relu(x):
    r"""Rectified linear unit. Page section ``act.relu``.

    .. math:: \mathrm{ReLU}(x) = \max(0, x)
    """
    x = _float_array(x)
    return np.maximum(x, 0).astype(x.dtype)


def relu_grad(x, *, at_zero: float = 0.0):
    r"""Derivative of ReLU. Page section ``act.relu``.

    .. math:: \mathrm{ReLU}'(x) = 1 \text{ if } x > 0,\; 0 \text{ if } x < 0

    The page leaves :math:`x = 0` undefined ("conventionally 0 or 1"); its code uses
    ``(z > 0)``, i.e. 0. ``at_zero`` sets the value used at exactly ``x == 0``
    (default 0.0, the page's code). NaN gives NaN (module docstring: NaN policy).
    """
    x = _float_array(x)
    return np.where(x > 0, 1.0, np.where(x < 0, 0.0, np.where(x == 0, at_zero, np.nan))).astype(x.dtype)


def leaky_relu(x, *, alpha: float = 0.01):
    r"""Leaky ReLU. Page section ``act.leaky_relu``.

    .. math:: f(x) = x \text{ if } x > 0,\; \alpha x \text{ if } x \le 0

    ``alpha`` defaults to the page's "typically 0.01".
    """
    x = _float_array(x)
    return np.where(x > 0, x, alpha * x).astype(x.dtype)


def leaky_relu_grad(x, *, alpha: float = 0.01, at_zero: float | None = None):
    r"""Derivative of Leaky ReLU. Page section ``act.leaky_relu``.

    .. math:: f'(x) = 1 \text{ if } x > 0,\; \alpha \text{ if } x < 0

    ``at_zero`` is the value used at exactly ``x == 0``; the default ``None`` means
    :math:`\alpha`, the derivative of the page's branch :math:`\alpha x` for :math:`x \le 0`.
    NaN gives NaN (module docstring: NaN policy).
    """
    x = _float_array(x)
    zero_value = alpha if at_zero is None else at_zero
    return np.where(x > 0, 1.0, np.where(x < 0, alpha, np.where(x == 0, zero_value, np.nan))).astype(x.dtype)


def _std_normal_cdf(x: np.ndarray) -> np.ndarray:
    r""":math:`\Phi(x) = \tfrac12 \operatorname{erfc}(-x/\sqrt2)` (no cancellation for x < 0).

    The argument :math:`u = -x/\sqrt2` is rounded before ``erfc`` sees it, and erfc's relative
    sensitivity to it is :math:`2u^2` (≈ 1400 at x = −37): that rounding alone would cost
    hundreds of ulps in the tail. So :math:`u` is formed in a wider type, and erfc at the exact
    argument is recovered to first order from the rounded one:
    :math:`\operatorname{erfc}(u_r + \delta) = \operatorname{erfc}(u_r) - \delta\,\tfrac{2}{\sqrt\pi} e^{-u_r^2}`.
    """
    xd = x.astype(np.float64)
    u_wide = -_wide(xd) / np.sqrt(np.longdouble(2.0))
    u = u_wide.astype(np.float64)
    erfc = np.vectorize(math.erfc, otypes=[np.float64])
    with np.errstate(under="ignore", over="ignore", invalid="ignore"):
        delta = np.where(np.isfinite(u), u_wide - u, 0.0).astype(np.longdouble)  # Φ(±∞) = 1, 0
        ul = u.astype(np.longdouble)
        corrected = erfc(u).astype(np.longdouble) - delta * (2.0 / np.sqrt(np.longdouble(np.pi))) * np.exp(-ul * ul)
    return (0.5 * corrected).astype(np.float64)


_PI_WIDE = np.longdouble("3.14159265358979323846264338327950288")


def _gelu_tanh_arg(x: np.ndarray) -> np.ndarray:
    r""":math:`u = \sqrt{2/\pi}\,(x + 0.044715 x^3)`; for long-double input the constants are
    long double too (σ(2u) amplifies a relative error in u by |2u|, up to ~550 before it
    underflows)."""
    if x.dtype == np.longdouble:
        return np.sqrt(2 / _PI_WIDE) * (x + np.longdouble("0.044715") * x**3)
    return _SQRT_2_OVER_PI * (x + _GELU_TANH_COEF * x**3)


def gelu(x, *, approximate: str = "none"):
    r"""Gaussian error linear unit. Page section ``act.gelu``.

    Exact (``approximate="none"``, the page's definition):

    .. math:: \mathrm{GELU}(x) = x\,\Phi(x) = x \cdot \tfrac12\left[1 + \operatorname{erf}(x/\sqrt2)\right]

    Tanh approximation (``approximate="tanh"``):

    .. math:: \mathrm{GELU}(x) \approx \tfrac12 x\left(1 + \tanh\left[\sqrt{2/\pi}\,(x + 0.044715x^3)\right]\right)

    Stable forms: :math:`\tfrac12[1+\operatorname{erf}(x/\sqrt2)] = \tfrac12\operatorname{erfc}(-x/\sqrt2)`
    and :math:`\tfrac12(1+\tanh u) = \sigma(2u)`; both avoid cancellation for x < 0.

    .. warning:: ``jax.nn.gelu`` defaults to the tanh approximation; ``torch`` defaults to
       the exact form.
    """
    x = _float_array(x)
    with np.errstate(over="ignore", invalid="ignore"):
        if approximate == "none":
            out = x * _std_normal_cdf(x)
        elif approximate == "tanh":
            w = _wide(x.astype(np.float64))  # u's rounding is amplified by |2u| in σ(2u): wider
            out = (w * sigmoid(2.0 * _gelu_tanh_arg(w))).astype(np.float64)
        else:
            raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
        out = np.where(np.isneginf(x), -0.0, out)  # the limit x·Φ(x) → −0 (not −∞·0)
    return out.astype(x.dtype)


def gelu_grad(x, *, approximate: str = "none"):
    r"""Derivative of GELU. Page section ``act.gelu``.

    Exact:

    .. math:: \mathrm{GELU}'(x) = \Phi(x) + x\,\varphi(x),\qquad \varphi(x) = e^{-x^2/2}/\sqrt{2\pi}

    Tanh approximation, with :math:`u = \sqrt{2/\pi}(x + 0.044715x^3)` and
    :math:`\tfrac12(1+\tanh u) = \sigma(2u)`:

    .. math:: \tfrac12(1+\tanh u) + \tfrac12 x\,(1-\tanh^2 u)\,u'
              = \sigma(2u) + 2x\,\sigma(2u)\,\sigma(-2u)\,\sqrt{2/\pi}\,(1 + 3\cdot0.044715\,x^2)
    """
    x = _float_array(x)
    xd = x.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        if approximate == "none":
            w = _wide(xd)  # x² and exp in a wider type: exp's relative sensitivity is x²/2
            phi = np.exp(-0.5 * w * w) / np.sqrt(2.0 * np.pi, dtype=w.dtype)
            out = (_std_normal_cdf(xd).astype(w.dtype) + w * phi).astype(np.float64)
        elif approximate == "tanh":
            u2 = 2.0 * _gelu_tanh_arg(xd)
            du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_TANH_COEF * xd * xd)
            s_pos, s_neg = sigmoid(u2), sigmoid(-u2)
            # x * s_pos * s_neg * du: multiply the small factors first so that x * du
            # (which overflows for |x| > ~1e100) meets an underflowed sigmoid as 0, not inf*0.
            out = s_pos + 2.0 * (s_pos * s_neg) * xd * du
            out = np.where(np.isfinite(out) | np.isnan(xd), out, np.where(xd > 0, 1.0, 0.0))
        else:
            raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
    return out.astype(x.dtype)


def _scalar_axis(name: str, axis) -> int:
    """The axis of a 0-d input seen as a one-element vector (torch's rule): 0 or −1."""
    if axis not in (0, -1):
        raise ValueError(f"{name}: a 0-d input is a one-element vector, so axis must be 0 or -1, got {axis!r}")
    return 0


def softmax(z, *, axis: int = -1):
    r"""Softmax along ``axis``. Page section ``act.softmax``.

    .. math:: \mathrm{softmax}(z)_i = \frac{e^{z_i}}{\sum_{j=1}^{K} e^{z_j}}

    Computed as :math:`e^{z_i - \max z}/\sum_j e^{z_j - \max z}` (the page's code does the
    same), so ``softmax([1000, 0]) == [1, 0]``, in a wider type rounded once: the rounding of
    :math:`z_i - \max z` (up to half an ulp of a difference of ~700) would otherwise cost
    hundreds of ulps in a tiny component. An empty ``axis`` (no classes) gives an empty result.

    A 0-d ``z`` is a one-element vector, as in ``torch.softmax``: ``axis`` 0 or −1, result 1
    (0-d); any other axis is a ``ValueError`` (torch: ``IndexError``; ``jax.nn.softmax``
    raises for ``axis=0`` and gives 1 for −1).
    """
    z = _float_array(z)
    if z.ndim == 0:
        return softmax(z.reshape(1), axis=_scalar_axis("softmax", axis)).reshape(())
    w = _wide(z)  # z − max z rounds, and exp turns that absolute error into a relative one: wider
    # initial=-inf: the max over an empty class axis is -inf, not an error (no element uses it)
    e = np.exp(w - np.max(w, axis=axis, keepdims=True, initial=-np.inf))
    return (e / np.sum(e, axis=axis, keepdims=True)).astype(z.dtype)


def softmax_jvp(z, v, *, axis: int = -1):
    r"""Jacobian-vector product of softmax. Page section ``act.softmax``.

    With :math:`s = \mathrm{softmax}(z)`, :math:`\partial s_k/\partial z_k = s_k(1-s_k)` and
    :math:`\partial s_k/\partial z_i = -s_k s_i` (page section ``backprop.softmax_ce``), i.e.
    :math:`J = \mathrm{diag}(s) - s s^\top`, hence

    .. math:: (J v)_k = s_k\left(v_k - \langle s, v\rangle\right) = s_k \sum_{j \ne k} s_j\,(v_k - v_j)

    :math:`J` is symmetric, so this is also the vector-Jacobian product.

    Evaluated in the second form (the same number, since :math:`\sum_j s_j = 1`): at a dominant
    class :math:`s_k \approx 1` and :math:`v_k - \langle s, v\rangle` cancels (relative error
    up to ~1e2 on random rows), while the sum over :math:`j \ne k` has no dominant term to
    cancel against, and it is exactly 0 wherever the rounded :math:`s` makes it so (equal
    logits). In a wider type (:func:`_wide`), rounded once: within ~1 ulp of the exact value
    (the exactness table's ``softmax_jvp``). Cost: K passes over the row (O(K²) per row, O(K)
    memory). An empty ``axis`` gives an empty result; a 0-d ``z`` is a one-element vector (as
    in :func:`softmax`), whose JVP is 0.
    """
    z = _float_array(z)
    if z.ndim == 0:
        axis = _scalar_axis("softmax_jvp", axis)
        return softmax_jvp(z.reshape(1), np.reshape(v, 1), axis=axis).reshape(())
    s = np.moveaxis(softmax(_wide(z), axis=axis), axis, -1)  # in the wider type
    vw = np.moveaxis(_wide(np.asarray(v, dtype=z.dtype)), axis, -1)
    d = np.empty_like(s)
    for k in range(s.shape[-1]):  # Σ_j s_j (v_k − v_j); the j = k term is exactly 0
        d[..., k] = np.sum(s * (vw[..., k:k + 1] - vw), axis=-1)
    return np.moveaxis(s * d, -1, axis).astype(z.dtype)
