"""Exact values (mpmath) shared by the exact formulas of the quantities and worked examples."""

from __future__ import annotations

import mpmath


def sig(x):
    """σ(x) = 1/(1 + e^{−x})."""
    return 1 / (1 + mpmath.exp(-x))


def ncdf(x):
    """Φ(x); mpmath's erfc cannot take |x| beyond ~1e150, where Mills' ratio is exact to far
    more than 60 digits: Φ(x) = φ(x)/|x| · (1 − 1/x² + 3/x⁴ − …) for x → −∞."""
    if abs(x) < mpmath.mpf(10) ** 6:
        return mpmath.ncdf(x)
    tail = mpmath.npdf(x) / abs(x) * (1 - 1 / x ** 2 + 3 / x ** 4)
    return tail if x < 0 else 1 - tail


def softmax0(z0, z1, z2):
    """Component 0 of softmax(z₀, z₁, z₂)."""
    return 1 / (1 + mpmath.exp(z1 - z0) + mpmath.exp(z2 - z0))


def ce0(z0, z1, z2):
    """−log softmax(z)₀, the cross-entropy with true class 0."""
    return mpmath.log(1 + mpmath.exp(z1 - z0) + mpmath.exp(z2 - z0))


def ce0_grad0(z0, z1, z2):
    """∂/∂z₀ of −log softmax(z)₀ = softmax(z)₀ − 1 = −(e₁ + e₂)/(1 + e₁ + e₂), eᵢ = e^{zᵢ−z₀}
    (written without the cancellation of softmax₀ − 1)."""
    e = mpmath.exp(z1 - z0) + mpmath.exp(z2 - z0)
    return -e / (1 + e)


def bce(p, y):
    """−[y log p + (1 − y) log(1 − p)], a term with a zero factor left out (0·log 0 = 0)."""
    return -((y * mpmath.log(p) if y else 0) + ((1 - y) * mpmath.log(1 - p) if y != 1 else 0))


def gelu_tanh(x):
    """½x(1 + tanh u) = x·σ(2u), u = √(2/π)(x + 0.044715x³)."""
    return x * sig(2 * mpmath.sqrt(2 / mpmath.pi) * (x + mpmath.mpf("0.044715") * x ** 3))


def softmax_jvp0(z0, z1, z2, v0, v1, v2):
    """(J v)₀ = s₀(v₀ − ⟨s, v⟩) = s₀ Σ_{j≠0} sⱼ(v₀ − vⱼ), sⱼ = e^{zⱼ−m}/Σₖ e^{zₖ−m}, in the second
    form: the first cancels even at 400 digits where 1 − s₀ is below 10⁻⁴⁰⁰ (logit gaps > 921)."""
    z, v = (z0, z1, z2), (v0, v1, v2)
    m = max(z)
    e = [mpmath.exp(a - m) for a in z]
    s = [a / sum(e) for a in e]
    return s[0] * sum(s[j] * (v[0] - v[j]) for j in range(1, len(z)))
