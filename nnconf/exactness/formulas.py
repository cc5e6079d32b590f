"""The scalar formulas of the page, exact (mpmath) and as each implementation computes them.

Implementations are called directly, in the requested dtype: the reference (NumPy), torch
(``torch.sigmoid``, ``F.gelu``, ``F.binary_cross_entropy[_with_logits]``, derivatives by
``torch.autograd``), JAX (``jax.nn``, derivatives by ``jax.grad``), scikit-learn
(``sklearn.neural_network._base.ACTIVATIONS``/``DERIVATIVES``; its derivatives take the
activation's output). A framework that is not installed, or disabled by ``NNCONF_DISABLE``, is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import mpmath
import numpy as np

from reference import activations as A
from reference import losses as L


@dataclass(frozen=True)
class Formula:
    name: str
    section: str
    exact: Callable  # mpmath value -> mpmath value (scalar); for losses: (p or z, y)
    impls: dict = field(default_factory=dict)  # name -> f(x: ndarray[dtype]) -> ndarray
    arity: int = 1  # 2: inputs (x, y) with y a 0/1 label
    domain: str = "real"  # "real" | "prob" (0 < x < 1)


# ----------------------------------------------------------------- exact values (mpmath)
def _sig(x):
    return 1 / (1 + mpmath.exp(-x))


def _ncdf(x):
    """Φ(x); mpmath's erfc cannot take |x| beyond ~1e150, where Mills' ratio is exact to far
    more than 60 digits: Φ(x) = φ(x)/|x| · (1 − 1/x² + 3/x⁴ − …) for x → −∞."""
    if abs(x) < mpmath.mpf(10) ** 6:
        return mpmath.ncdf(x)
    tail = mpmath.npdf(x) / abs(x) * (1 - 1 / x ** 2 + 3 / x ** 4)
    return tail if x < 0 else 1 - tail


EXACT = {
    "sigmoid": _sig,
    "sigmoid_grad": lambda x: _sig(x) * _sig(-x),
    "tanh": mpmath.tanh,
    "tanh_grad": lambda x: 1 / mpmath.cosh(x) ** 2,
    "gelu": lambda x: x * _ncdf(x),
    "gelu_grad": lambda x: _ncdf(x) + x * mpmath.npdf(x),
    "gelu_tanh": lambda x: x * _sig(2 * mpmath.sqrt(2 / mpmath.pi) * (x + mpmath.mpf("0.044715") * x ** 3)),
    "bce": lambda p, y: -((y * mpmath.log(p) if y else 0) + ((1 - y) * mpmath.log(1 - p) if y != 1 else 0)),
    "bce_logits": lambda z, y: -(y * mpmath.log(_sig(z)) + (1 - y) * mpmath.log(_sig(-z))),
    "bce_logits_grad": lambda z, y: _sig(z) - y,
    "relu": lambda x: x if x > 0 else mpmath.mpf(0),
    "leaky_relu": lambda x: x if x > 0 else mpmath.mpf(0.01) * x,
    "softmax": lambda z0, z1, z2: 1 / (1 + mpmath.exp(z1 - z0) + mpmath.exp(z2 - z0)),
    "ce_logits": lambda z0, z1, z2: mpmath.log(1 + mpmath.exp(z1 - z0) + mpmath.exp(z2 - z0)),
    "ce_logits_grad": lambda z0, z1, z2: _ce_grad0(z0, z1, z2),
    "mse": lambda p, y: (p - y) ** 2,
    "mse_grad": lambda p, y: 2 * (p - y),
    "softmax_jvp": lambda z0, z1, z2, v0, v1, v2: _softmax_jvp0((z0, z1, z2), (v0, v1, v2)),
}


def _ce_grad0(z0, z1, z2):
    """∂/∂z₀ of −log softmax(z)₀ = softmax(z)₀ − 1 = −(e₁ + e₂)/(1 + e₁ + e₂), eᵢ = e^{zᵢ−z₀}
    (written without the cancellation of softmax₀ − 1)."""
    e = mpmath.exp(z1 - z0) + mpmath.exp(z2 - z0)
    return -e / (1 + e)


def _softmax_jvp0(z, v):
    """(J v)₀ = s₀(v₀ − ⟨s, v⟩) = s₀ Σ_{j≠0} sⱼ(v₀ − vⱼ), sⱼ = e^{zⱼ−m}/Σₖ e^{zₖ−m}, in the second
    form: the first cancels even at 400 digits where 1 − s₀ is below 10⁻⁴⁰⁰ (logit gaps > 921)."""
    m = max(z)
    e = [mpmath.exp(a - m) for a in z]
    s = [a / sum(e) for a in e]
    return s[0] * sum(s[j] * (v[0] - v[j]) for j in range(1, len(z)))


# softmax and the softmax cross-entropy take three logits (z₀, z₁, z₂), the true class is 0; each
# implementation returns component 0 (the components are alike under a permutation of the draws).
def _stack(*cols):
    return np.stack(cols, axis=1)


# ----------------------------------------------------------------- implementations
def _ref():
    return {
        "sigmoid": A.sigmoid, "sigmoid_grad": A.sigmoid_grad, "tanh": A.tanh, "tanh_grad": A.tanh_grad,
        "gelu": A.gelu, "gelu_grad": A.gelu_grad,
        "gelu_tanh": lambda x: A.gelu(x, approximate="tanh"),
        "bce": lambda p, y: L.binary_cross_entropy(p, y, reduction="none", eps=None),
        "bce_logits": lambda z, y: L.binary_cross_entropy_with_logits(z, y, reduction="none"),
        "bce_logits_grad": lambda z, y: L.binary_cross_entropy_with_logits_grad(z, y, reduction="sum"),
        "relu": A.relu, "leaky_relu": A.leaky_relu,
        "softmax": lambda *z: A.softmax(_stack(*z), axis=1)[:, 0],
        "ce_logits": lambda *z: L.softmax_cross_entropy(_stack(*z), _onehot0(z), reduction="none"),
        "ce_logits_grad": lambda *z: L.softmax_cross_entropy_grad(_stack(*z), _onehot0(z), reduction="sum")[:, 0],
        "mse": lambda p, y: L.mse(p, y, reduction="none"),
        "mse_grad": lambda p, y: L.mse_grad(p, y, reduction="sum"),
        "softmax_jvp": lambda *zv: A.softmax_jvp(_stack(*zv[:3]), _stack(*zv[3:]), axis=1)[:, 0],
    }


def _onehot0(z):
    y = np.zeros((len(z[0]), 3), dtype=z[0].dtype)
    y[:, 0] = 1
    return y


def _torch():
    import torch
    import torch.nn.functional as F

    def t(a):
        return torch.from_numpy(np.array(a, copy=True))

    def grad(fn):
        def g(x):
            v = t(x).requires_grad_(True)
            (out,) = torch.autograd.grad(fn(v).sum(), v)
            return out.detach().numpy()
        return g

    return {
        "sigmoid": lambda x: torch.sigmoid(t(x)).numpy(), "sigmoid_grad": grad(torch.sigmoid),
        "tanh": lambda x: torch.tanh(t(x)).numpy(), "tanh_grad": grad(torch.tanh),
        "gelu": lambda x: F.gelu(t(x)).numpy(), "gelu_grad": grad(F.gelu),
        "gelu_tanh": lambda x: F.gelu(t(x), approximate="tanh").numpy(),
        "bce": lambda p, y: F.binary_cross_entropy(t(p), t(y), reduction="none").numpy(),
        "bce_logits": lambda z, y: F.binary_cross_entropy_with_logits(t(z), t(y), reduction="none").numpy(),
        "bce_logits_grad": lambda z, y: _torch_bce_logits_grad(t(z), t(y)),
        "relu": lambda x: F.relu(t(x)).numpy(), "leaky_relu": lambda x: F.leaky_relu(t(x)).numpy(),
        "softmax": lambda *z: F.softmax(t(_stack(*z)), dim=1)[:, 0].numpy(),
        "ce_logits": lambda *z: F.cross_entropy(t(_stack(*z)), _zeros_long(z), reduction="none").numpy(),
        "ce_logits_grad": lambda *z: _torch_grad0(
            lambda v: F.cross_entropy(v, _zeros_long(z), reduction="sum"), t(_stack(*z))),
        "mse": lambda p, y: F.mse_loss(t(p), t(y), reduction="none").numpy(),
        "mse_grad": lambda p, y: _torch_grad0(lambda v: F.mse_loss(v, t(y), reduction="sum"), t(p)),
        "softmax_jvp": lambda *zv: torch.func.jvp(lambda m: F.softmax(m, dim=1), (t(_stack(*zv[:3])),),
                                                  (t(_stack(*zv[3:])),))[1][:, 0].numpy(),
    }


def _zeros_long(z):
    import torch
    return torch.zeros(len(z[0]), dtype=torch.long)


def _torch_grad0(loss, v):
    """torch.autograd's gradient of ``loss`` at ``v``; column 0 for a matrix of logits."""
    import torch
    v = v.requires_grad_(True)
    (g,) = torch.autograd.grad(loss(v), v)
    g = g.detach().numpy()
    return g[:, 0] if g.ndim == 2 else g


def _torch_bce_logits_grad(z, y):
    import torch
    import torch.nn.functional as F
    z = z.requires_grad_(True)
    (g,) = torch.autograd.grad(F.binary_cross_entropy_with_logits(z, y, reduction="sum"), z)
    return g.numpy()


def _jax():
    import jax
    import jax.numpy as jnp
    import optax

    import oracles.jax_oracle  # noqa: F401  (float64 on)

    def grad(fn):
        g = jax.jit(jax.vmap(jax.grad(fn)))
        return lambda x: np.asarray(g(jnp.asarray(x)))

    def val(fn):
        f = jax.jit(fn)
        return lambda *a: np.asarray(f(*(jnp.asarray(v) for v in a)))

    def gelu(v):
        return jax.nn.gelu(v, approximate=False)

    return {
        "sigmoid": val(jax.nn.sigmoid), "sigmoid_grad": grad(jax.nn.sigmoid),
        "tanh": val(jnp.tanh), "tanh_grad": grad(jnp.tanh),
        "gelu": val(gelu), "gelu_grad": grad(gelu),
        "gelu_tanh": val(lambda v: jax.nn.gelu(v, approximate=True)),
        "bce_logits": val(optax.losses.sigmoid_binary_cross_entropy),
        "bce_logits_grad": lambda z, y: np.asarray(jax.jit(jax.grad(
            lambda a, b: jnp.sum(optax.losses.sigmoid_binary_cross_entropy(a, b))))(jnp.asarray(z), jnp.asarray(y))),
        "relu": val(jax.nn.relu), "leaky_relu": val(jax.nn.leaky_relu),
        "softmax": lambda *z: np.asarray(jax.jit(lambda m: jax.nn.softmax(m, axis=1))(jnp.asarray(_stack(*z))))[:, 0],
        "ce_logits": lambda *z: np.asarray(jax.jit(_jax_ce)(jnp.asarray(_stack(*z)))),
        "ce_logits_grad": lambda *z: np.asarray(jax.jit(jax.grad(lambda m: jnp.sum(_jax_ce(m))))(
            jnp.asarray(_stack(*z))))[:, 0],
        "mse": val(optax.losses.squared_error),
        "mse_grad": lambda p, y: np.asarray(jax.jit(jax.grad(lambda a, b: jnp.sum(optax.losses.squared_error(a, b))))(
            jnp.asarray(p), jnp.asarray(y))),
        "softmax_jvp": lambda *zv: np.asarray(jax.jit(
            lambda m, t: jax.jvp(lambda a: jax.nn.softmax(a, axis=1), (m,), (t,))[1])(
            jnp.asarray(_stack(*zv[:3])), jnp.asarray(_stack(*zv[3:]))))[:, 0],
    }


def _jax_ce(m):
    import jax.numpy as jnp
    import optax
    return optax.losses.softmax_cross_entropy_with_integer_labels(m, jnp.zeros(m.shape[0], dtype=jnp.int32))


def _sklearn():
    from sklearn.neural_network import _base

    def act(name):
        def f(x):
            z = np.array(x, copy=True)
            _base.ACTIVATIONS[name](z)
            return z
        return f

    def deriv(name):
        def f(x):
            z = act(name)(x)
            delta = np.ones_like(z)
            _base.DERIVATIVES[name](z, delta)
            return delta
        return f

    def softmax(*z):
        m = _stack(*z).copy()
        _base.ACTIVATIONS["softmax"](m)
        return m[:, 0]

    return {"sigmoid": act("logistic"), "sigmoid_grad": deriv("logistic"), "tanh": act("tanh"),
            "tanh_grad": deriv("tanh"), "relu": act("relu"), "softmax": softmax}


def implementations() -> dict[str, dict]:
    from oracles.base import disabled
    out = {"reference": _ref()}
    off = disabled()
    for name, make in (("torch", _torch), ("jax", _jax), ("sklearn", _sklearn)):
        if name in off:
            continue
        try:
            out[name] = make()
        except ImportError:
            pass
    return out


SECTIONS = {"sigmoid": "act.sigmoid", "sigmoid_grad": "act.sigmoid", "tanh": "act.tanh", "tanh_grad": "act.tanh",
            "gelu": "act.gelu", "gelu_grad": "act.gelu", "gelu_tanh": "act.gelu", "bce": "loss.bce",
            "bce_logits": "loss.bce", "bce_logits_grad": "loss.bce", "relu": "act.relu",
            "leaky_relu": "act.leaky_relu", "softmax": "act.softmax", "ce_logits": "loss.ce",
            "ce_logits_grad": "backprop.softmax_ce", "mse": "loss.mse", "mse_grad": "loss.mse",
            "softmax_jvp": "act.softmax"}
ARITY = {"bce": 2, "bce_logits": 2, "bce_logits_grad": 2, "softmax": 3, "ce_logits": 3, "ce_logits_grad": 3,
         "mse": 2, "mse_grad": 2,
         "softmax_jvp": 6}  # three logits, then the three entries of the tangent v
DOMAIN = {"bce": "prob", "mse": "real2", "mse_grad": "real2"}
