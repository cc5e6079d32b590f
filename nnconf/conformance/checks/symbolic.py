"""Symbolic derivations (SymPy): each derivation the page prints, proved by simplifying the
difference between SymPy's own derivative and the page's result to 0, and tied to the
reference code by comparing the reference's NumPy derivative with the exact derivative at
sample points (mpmath at 400 digits, enough for 1 + erf(x/√2) at x = −30). ``oracle: sympy``.

A proof here is ``sympy.simplify(d − page) == 0`` for symbols over the reals; where the page
uses an assumption (Σ y = 1 for softmax + cross-entropy) it is substituted and stated, and the
result without it is given too.

Each proof is the ``derivation`` of its quantity's declaration (``sympy.<function name>``), or a
property of its own (``sympy.backprop_two_layer``, declared with the backprop checks).
"""

from __future__ import annotations

import numpy as np

from nnconf.conformance.records import Outcome
from reference import activations as A

POINTS = (-30.0, -7.5, -2.0, -0.5, -1e-3, 0.0, 1e-3, 0.75, 3.0, 12.0)


def _sp():
    import sympy as sp
    return sp


def _zero(expr) -> bool:
    """Is ``expr`` identically 0? First as a rational function of its exponentials
    (``cancel(together(·))``, fast), then by ``simplify``; both are exact rewritings."""
    sp = _sp()
    return sp.cancel(sp.together(expr)) == 0 or sp.simplify(expr) == 0


def _code_vs_exact(fn, exact_expr, x) -> float:
    """Largest error of the reference's ``fn`` against the exact derivative, in units of the
    exact value's ulp, over POINTS (mpmath at 400 digits: the symbolic form may cancel)."""
    import mpmath
    sp = _sp()
    f = sp.lambdify(x, exact_expr, modules="mpmath")
    worst = 0.0
    with mpmath.workdps(400):
        for p in POINTS:
            exact = f(mpmath.mpf(p))
            got = float(fn(np.float64(p)))
            ulp = float(np.spacing(abs(float(exact)))) or 5e-324
            worst = max(worst, float(abs(mpmath.mpf(got) - exact)) / ulp)
    return worst


def _outcome(steps: dict, note: str, code_ulps: dict | None = None, max_ulps: float = 4.0) -> Outcome:
    """Pass when every step is proved and the reference's code is within ``max_ulps`` of the
    exact derivative (4 ulp by default: one exp and a few roundings)."""
    proved = all(steps.values())
    code_ok = all(v <= max_ulps for v in (code_ulps or {}).values())
    figures = {"steps": {k: "proved" if v else "NOT equal" for k, v in steps.items()}}
    if code_ulps:
        figures["reference_code_ulps"] = {k: round(v, 2) for k, v in code_ulps.items()}
    extra = ""
    if code_ulps:
        extra = "; the reference's code vs the exact derivative at " + ", ".join(
            f"{k} ≤ {v:.2g} ulp" for k, v in code_ulps.items()) + f" (allowed {max_ulps:g})"
    failed = [k for k, v in steps.items() if not v]
    return Outcome(status="pass" if proved and code_ok else "fail",
                   note=note + extra + (f"; NOT proved: {failed}" if failed else ""), figures=figures,
                   examples=len(steps))


def sigmoid_derivative(profile, seed) -> Outcome:
    sp = _sp()
    x = sp.Symbol("x", real=True)
    s = 1 / (1 + sp.exp(-x))
    d = sp.diff(s, x)
    steps = {"dσ/dx = e⁻ˣ/(1 + e⁻ˣ)²": _zero(d - sp.exp(-x) / (1 + sp.exp(-x)) ** 2),
             "e⁻ˣ = 1/σ − 1 = (1 − σ)/σ": _zero(sp.exp(-x) - (1 / s - 1)) and _zero(sp.exp(-x) - (1 - s) / s),
             "σ′ = σ(1 − σ)": _zero(d - s * (1 - s))}
    return _outcome(steps, "σ′ = σ(1 − σ) via e⁻ˣ = (1 − σ)/σ, as the page derives it",
                    {"sigmoid_grad": _code_vs_exact(A.sigmoid_grad, d, x)})


def tanh_derivative(profile, seed) -> Outcome:
    sp = _sp()
    x = sp.Symbol("x", real=True)
    e, m = sp.exp(x), sp.exp(-x)
    t = (e - m) / (e + m)
    quotient = ((e + m) ** 2 - (e - m) ** 2) / (e + m) ** 2
    steps = {"tanh = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ)": _zero(sp.tanh(x).rewrite(sp.exp) - t),
             "quotient rule gives ((eˣ+e⁻ˣ)² − (eˣ−e⁻ˣ)²)/(eˣ+e⁻ˣ)²": _zero(sp.diff(t, x) - quotient),
             "= 1 − tanh²": _zero(quotient - (1 - t ** 2))}
    return _outcome(steps, "tanh′ = 1 − tanh² by the quotient rule, as printed",
                    {"tanh_grad": _code_vs_exact(A.tanh_grad, sp.diff(sp.tanh(x), x), x)})


def softmax_ce_gradient(profile, seed) -> Outcome:
    sp = _sp()
    steps, without = {}, {}
    for K in range(2, 6):
        z = sp.symbols(f"z0:{K}", real=True)
        y = sp.symbols(f"y0:{K}", real=True)
        S = sum(sp.exp(v) for v in z)
        p = [sp.exp(v) / S for v in z]
        L = -sum(y[k] * sp.log(p[k]) for k in range(K))
        g = [sp.diff(L, z[i]) for i in range(K)]
        one = {y[-1]: 1 - sum(y[:-1])}
        steps[f"K={K}: ∂L/∂zᵢ = ŷᵢ − yᵢ given Σy = 1"] = all(_zero((g[i] - (p[i] - y[i])).subs(one))
                                                             for i in range(K))
        without[K] = all(_zero(g[i] - (p[i] * sum(y) - y[i])) for i in range(K))
        steps[f"K={K}: without Σy = 1, ∂L/∂zᵢ = ŷᵢ·Σy − yᵢ"] = without[K]
    return _outcome(steps, "∂L/∂zᵢ = ŷᵢ − yᵢ for softmax + cross-entropy, K = 2..5, using Σy = 1 as the page "
                           "does; when the labels do not sum to 1 the gradient is ŷᵢ·Σₖyₖ − yᵢ (the page's "
                           "δ = ŷ − y is then wrong by ŷᵢ(Σy − 1))")


def mse_derivative(profile, seed) -> Outcome:
    sp = _sp()
    steps = {}
    for N in range(1, 5):
        y = sp.symbols(f"y0:{N}", real=True)
        h = sp.symbols(f"h0:{N}", real=True)
        L = sum((y[i] - h[i]) ** 2 for i in range(N)) / N
        steps[f"N={N}"] = all(_zero(sp.diff(L, h[i]) - sp.Rational(2, N) * (h[i] - y[i])) for i in range(N))
    return _outcome(steps, "∂/∂ŷᵢ (1/N)Σ(yᵢ − ŷᵢ)² = (2/N)(ŷᵢ − yᵢ), N = 1..4")


def gelu_derivative(profile, seed) -> Outcome:
    sp = _sp()
    x = sp.Symbol("x", real=True)
    Phi = (1 + sp.erf(x / sp.sqrt(2))) / 2
    phi = sp.exp(-x ** 2 / 2) / sp.sqrt(2 * sp.pi)
    exact = sp.diff(x * Phi, x)
    c = sp.sqrt(2 / sp.pi)
    u = c * (x + sp.Rational(44715, 1000000) * x ** 3)
    approx = sp.Rational(1, 2) * x * (1 + sp.tanh(u))
    approx_rule = sp.Rational(1, 2) * (1 + sp.tanh(u)) + sp.Rational(1, 2) * x * (1 - sp.tanh(u) ** 2) * sp.diff(u, x)
    steps = {"d/dx xΦ(x) = Φ(x) + xφ(x) (the reference's gelu_grad)": _zero(exact - (Phi + x * phi)),
             "tanh form: ½(1 + tanh u) + ½x(1 − tanh²u)u′": _zero(sp.diff(approx, x) - approx_rule)}
    ulps = {"gelu_grad": _code_vs_exact(A.gelu_grad, exact, x),
            "gelu_grad(approximate='tanh')": _code_vs_exact(lambda v: A.gelu_grad(v, approximate="tanh"),
                                                            sp.diff(approx, x), x)}
    # 8 ulp: Φ via erfc plus xφ(x), or σ(2u) of a cubic: a handful of roundings each
    return _outcome(steps, "GELU′ = Φ(x) + xφ(x) (exact form) and the tanh form's derivative", ulps,
                    max_ulps=8.0)


def backprop_two_layer(profile, seed) -> Outcome:
    """The page's rule (δ⁽²⁾ = ŷ − y, ∂L/∂W⁽²⁾ = δ⁽²⁾a⁽¹⁾ᵀ, δ⁽¹⁾ = W⁽²⁾ᵀδ⁽²⁾ ⊙ σ′(z⁽¹⁾),
    ∂L/∂W⁽¹⁾ = δ⁽¹⁾xᵀ, biases = δ) against SymPy's gradient of a 2-2-2 sigmoid/softmax network."""
    sp = _sp()
    X = sp.Matrix(sp.symbols("x0:2", real=True))
    W1 = sp.Matrix(2, 2, sp.symbols("w0:4", real=True))
    b1 = sp.Matrix(sp.symbols("b0:2", real=True))
    W2 = sp.Matrix(2, 2, sp.symbols("v0:4", real=True))
    b2 = sp.Matrix(sp.symbols("c0:2", real=True))
    y0 = sp.Symbol("y0", real=True)
    y = sp.Matrix([y0, 1 - y0])

    def sig(v):
        return 1 / (1 + sp.exp(-v))

    a1 = (W1 * X + b1).applyfunc(sig)
    z2 = W2 * a1 + b2
    S = sp.exp(z2[0]) + sp.exp(z2[1])
    p = sp.Matrix([sp.exp(z2[0]) / S, sp.exp(z2[1]) / S])
    L = -(y[0] * sp.log(p[0]) + y[1] * sp.log(p[1]))
    d2 = p - y
    d1 = sp.matrix_multiply_elementwise(W2.T * d2, a1.applyfunc(lambda v: v * (1 - v)))
    rules = {"∂L/∂W⁽²⁾ = δ⁽²⁾(a⁽¹⁾)ᵀ": (W2, d2 * a1.T), "∂L/∂b⁽²⁾ = δ⁽²⁾": (b2, d2),
             "∂L/∂W⁽¹⁾ = δ⁽¹⁾xᵀ": (W1, d1 * X.T), "∂L/∂b⁽¹⁾ = δ⁽¹⁾": (b1, d1)}
    steps = {name: all(_zero(sp.diff(L, P[i]) - R[i]) for i in range(len(P))) for name, (P, R) in rules.items()}
    return _outcome(steps, "the page's backprop rule equals SymPy's gradient of a 2-2-2 network (sigmoid hidden, "
                           "softmax + cross-entropy, labels summing to 1), every weight and bias")

