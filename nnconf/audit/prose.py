"""Computable prose claims: one function per kind of statement.

Each takes the audit context and the claim's ``args`` and returns a :class:`Finding`: a
verdict (``confirmed``, ``false`` or ``unverifiable``), the computed figure as text, and a
one-line explanation with the numbers. Values come from the reference (through the worked
examples of the catalogue) or, where a claim is about frameworks, from the frameworks.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from reference import activations as A
from reference import losses as L


class Finding(NamedTuple):
    verdict: str
    computed: str
    explanation: str


def _ok(holds: bool, computed: str, explanation: str) -> Finding:
    return Finding("confirmed" if holds else "false", computed, explanation)


def not_computable(ctx, reason: str) -> Finding:
    """A claim the catalogue declares beyond computation (a theorem, advice), with its reason."""
    return Finding("not-checkable", "", reason)


def still_misclassified(ctx, example: str) -> Finding:
    c, inp = ctx.example(example), ctx.inputs(example)
    holds = float(c["recheck"]) > 0 and int(c["recheck_prediction"]) != int(inp["y"])
    return _ok(holds, f"{float(c['recheck']):.6g}",
               f"after the update w·x + b = {float(c['recheck']):.6g} > 0, so ŷ = "
               f"{int(c['recheck_prediction'])} while y = {inp['y']}: still wrong")


def dead_neuron(ctx, example: str, index: int) -> Finding:
    c = ctx.example(example)
    z, a = float(c["z1"][index]), float(c["a1"][index])
    live = [i for i, v in enumerate(c["a1"]) if v > 0]
    holds = z < 0 and a == 0 and len(live) == 1
    return _ok(holds, f"z={z:.6g}, a={a:.6g}",
               f"hidden neuron {index}: z = {z:.6g} < 0 so ReLU gives {a:.6g}; active neurons: {live}")


def _fn(name):
    return getattr(A, name)


def open_range(ctx, function: str, low: float, high: float) -> Finding:
    import mpmath
    exact = {"sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)), "tanh": mpmath.tanh}[function]
    xs = [-100, -40, -10, -1, -1e-9, 0, 1e-9, 1, 10, 40, 100]
    with mpmath.workdps(120):  # e^-200 still resolves next to 1
        inside = all(low < exact(mpmath.mpf(x)) < high for x in xs)
    f = _fn(function)
    grid = np.linspace(-60, 60, 120001)
    at_bound = grid[(f(grid) <= low) | (f(grid) >= high)]
    note = (f"; in float64 the reference returns the bound itself from |x| ≥ {np.min(np.abs(at_bound)):.4g} "
            f"(the exact value is within half an ulp of it)") if at_bound.size else ""
    return _ok(inside, f"({low}, {high})",
               f"{function}(x) lies strictly in ({low}, {high}) for every tested x in [−100, 100] at "
               f"120 digits (mpmath){note}")


def vanishing_gradient(ctx, function: str, at: float) -> Finding:
    g = _fn(function)
    peak = float(np.max(g(np.linspace(-10, 10, 20001))))
    v = float(max(abs(g(np.float64(at))), abs(g(np.float64(-at)))))
    return _ok(v < 1e-3 * peak, f"{v:.3g}",
               f"{function}(±{at:g}) = {v:.3g}, {v / peak:.2g} of its peak {peak:.3g}")


def zero_centred(ctx, function: str) -> Finding:
    f = _fn(function)
    x = np.linspace(-20, 20, 4001)
    odd = float(np.max(np.abs(f(x) + f(-x))))
    return _ok(f(np.float64(0.0)) == 0 and odd == 0, f"f(0)={float(f(np.float64(0.0)))}",
               f"{function}(0) = {float(f(np.float64(0.0)))} and max |f(x) + f(−x)| = {odd:.3g} on [−20, 20]")


def kink(ctx, function: str) -> Finding:
    f = _fn(function)
    h = 1e-8
    left = float((f(np.float64(0)) - f(np.float64(-h))) / h)
    right = float((f(np.float64(h)) - f(np.float64(0))) / h)
    return _ok(left != right, f"left {left:g}, right {right:g}",
               f"one-sided derivatives of {function} at 0: {left:g} (left) and {right:g} (right), so "
               f"none exists; the reference's relu_grad uses 0 there (at_zero), as torch and jax do")


def _framework_defaults(op: str, frameworks=("torch", "jax")) -> dict:
    """``{qualified name: defaults}`` of each installed framework's function for ``op``, read by
    its oracle (a framework not installed, or turned off by ``NNCONF_DISABLE``, is left out)."""
    import oracles
    found = {}
    for name in frameworks:
        try:
            qualified, defaults = oracles.get(name).default(op)
        except oracles.OracleUnavailable:
            continue
        found[qualified] = defaults
    return found


def leaky_relu_default_slope(ctx, alpha: float) -> Finding:
    found = {k: v["negative_slope"] for k, v in _framework_defaults("leaky_relu").items()}
    if not found:
        return Finding("unverifiable", "", "neither torch nor jax is installed to compare defaults with")
    holds = all(v == alpha for v in found.values())
    return _ok(holds, str(found), "defaults: " + ", ".join(f"{k} {v}" for k, v in found.items()))


def smooth_non_monotonic(ctx, function: str) -> Finding:
    from scipy.optimize import brentq
    f, g = _fn(function), _fn(f"{function}_grad")
    x_min = brentq(lambda x: float(g(np.float64(x))), -3.0, -0.1)
    x = np.linspace(-6, 6, 120001)
    dx = x[1] - x[0]
    jump = float(np.max(np.abs(np.diff(g(x)))))
    smooth = jump < 10 * dx  # |g'| is bounded (≈ 0.8): no jump in the derivative
    return _ok(smooth and g(np.float64(-2.0)) < 0 < g(np.float64(0.0)), f"min at x={x_min:.4f}",
               f"{function} decreases for x < {x_min:.4f} and increases after it (minimum "
               f"{float(f(np.float64(x_min))):.5f}); its derivative changes by at most {jump:.2g} per "
               f"step of {dx:.1g} (continuous)")


def peak_at(ctx, function: str, at: float) -> Finding:
    g = _fn(function)
    x = np.linspace(-10, 10, 20001)
    arg = float(x[np.argmax(g(x))])
    return _ok(abs(arg - at) <= x[1] - x[0], f"argmax {arg:g}",
               f"{function} is largest at x = {arg:g} ({float(np.max(g(x))):.6g}) on a grid of step "
               f"{x[1] - x[0]:.1g}; {function}(±10) = {float(g(np.float64(10))):.2g}")


def ratio_greater(ctx, example: str, larger: str, smaller: str) -> Finding:
    c = ctx.example(example)
    a, b = float(c[larger]), float(c[smaller])
    return _ok(a > b, f"{larger} {a:.4g}, {smaller} {b:.4g}",
               f"{larger} = {a:.4g} and {smaller} = {b:.4g}: by this measure the claim needs "
               f"{larger} > {smaller}, " + ("and it holds" if a > b else "but it is the other way round"))


def stronger_gradient(ctx, example: str) -> Finding:
    inp = ctx.inputs(example)
    y, bad = np.asarray(inp["y"], float), np.asarray(inp["bad"], float)
    k = int(np.argmax(y))
    ce = float(L.cross_entropy_grad(bad[None], y[None], eps=None)[0, k])
    mse = float(L.mse_grad(bad, y)[k])
    return _ok(abs(ce) > 2 * abs(mse), f"CE {ce:.4g}, MSE {mse:.4g}",
               f"for the confident-wrong ŷ = {inp['bad']}: ∂CE/∂ŷ_true = {ce:.4g}, ∂MSE/∂ŷ_true = {mse:.4g}")


def saturation(ctx, z: float) -> Finding:
    zz, y = np.array([z]), np.array([1.0])
    p = A.sigmoid(zz)
    mse = float(L.mse_grad(p, y)[0] * A.sigmoid_grad(zz)[0])
    bce = float(L.binary_cross_entropy_with_logits_grad(zz, y)[0])
    return _ok(abs(mse) < 1e-3 and abs(bce) > 0.5, f"MSE {mse:.3g}, BCE {bce:.3g}",
               f"sigmoid output σ({z:g}) = {float(p[0]):.3g} for y = 1 (confidently wrong): "
               f"∂MSE/∂z = {mse:.3g}, ∂BCE/∂z = {bce:.3g}")


def descent_raises_true_class(ctx, example: str) -> Finding:
    c, inp = ctx.example(example), ctx.inputs(example)
    y_hat, y = np.asarray(inp["y_hat"], float), np.asarray(inp["y"], float)
    k = int(np.argmax(y))
    after = A.softmax(np.log(y_hat) - 0.1 * c["delta"])
    holds = float(c["delta"][k]) < 0 and after[k] > y_hat[k]
    return _ok(holds, f"δ_true = {float(c['delta'][k]):.3g}",
               f"δ for the true class = {float(c['delta'][k]):.3g} < 0; a descent step of 0.1 on z moves "
               f"ŷ_true from {y_hat[k]:.4g} to {float(after[k]):.4g}")


def weight_increased(ctx, example: str, row: int, col: int) -> Finding:
    c, inp = ctx.example(example), ctx.inputs(example)
    before, after = float(inp["W2"][row][col]), float(c["W2_new"][row][col])
    active = int(np.argmax(c["a1"])) == col and int(np.argmax(inp["y"])) == row
    return _ok(after > before and active, f"{before:g} -> {after:.6g}",
               f"W⁽²⁾[{row},{col}] (hidden {col}, a = {float(c['a1'][col]):.4g}, to output {row}, the true "
               f"class) goes from {before:g} to {after:.6g}")


def correction_factor(ctx, example: str, at_least: float) -> Finding:
    c = ctx.example(example)
    f = float(c["m_hat"][0] / c["m"][0])
    fv = float(c["v_hat"][0] / c["v"][0])
    return _ok(f >= at_least, f"×{f:.4g}", f"at t = 1, m̂ = {f:.4g}·m and v̂ = {fv:.4g}·v")


def uncorrected_updates_smaller(ctx, example: str) -> Finding:
    c = ctx.example(example)
    with_c, without = np.ravel(c["step"]), np.ravel(c["step_uncorrected"])
    holds = bool(np.all(np.abs(without) < np.abs(with_c)))
    steps = ", ".join(f"t={t + 1}: {a:.4g} vs {b:.4g}" for t, (a, b) in enumerate(zip(without, with_c,
                                                                                    strict=True)))
    return _ok(holds, f"{without[0]:.4g} vs {with_c[0]:.4g}",
               f"update without bias correction vs with it ({steps}): m is underestimated, but v more "
               f"so (√(1 − β₂) ≪ 1 − β₁), so the uncorrected early steps are larger, not tiny")


def adam_defaults(ctx, b1: float, b2: float, eps: float) -> Finding:
    found = {k: (v["betas"], v["eps"]) for k, v in _framework_defaults("adam").items()}
    if not found:
        return Finding("unverifiable", "", "neither torch nor optax is installed to compare defaults with")
    holds = all(v == ((b1, b2), eps) for v in found.values())
    return _ok(holds, str(found), "defaults: " + "; ".join(f"{k} betas {v[0]}, eps {v[1]}"
                                                           for k, v in found.items()))


def mnist_agreement(ctx, framework: str) -> Finding:
    m = ctx.mnist()
    if m is None or framework not in m.get("agreement", {}):
        return Finding("unverifiable", "", f"no MNIST run with {framework} ({ctx.mnist_note})")
    a = m["agreement"][framework]
    holds = a["same_correct_counts"] and a["max_batch_loss_diff"] <= 1e-12
    return _ok(holds, f"{a['max_batch_loss_diff']:.2g}",
               f"same initial weights and batches, float64: {framework} vs the page's algorithm "
               f"(reference): max |Δ batch loss| {a['max_batch_loss_diff']:.2g} over "
               f"{len(a['correct'])} epochs, same correct counts: {a['same_correct_counts']}, max |ΔW| "
               f"{a['max_final_weight_diff']:.2g} (round-off; bound 1e-12)")


def gradcheck_relative_error(ctx, eps: float, threshold: float) -> Finding:
    from reference import mlp as M
    rng = np.random.default_rng(20261125)
    worst = 0.0
    for activation in ("sigmoid", "tanh", "gelu"):
        x, y = rng.normal(size=(4, 3)), np.eye(2)[rng.integers(0, 2, 4)]
        params = [rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=(2, 4)), rng.normal(size=2)]
        a = M.parameter_gradients(x, y, *params, activation=activation)
        n = M.numerical_parameter_gradients(x, y, *params, eps=eps, activation=activation)
        denom = np.maximum(np.abs(a), np.abs(n))
        keep = denom > 1e-12
        worst = max(worst, float(np.max(np.abs(a - n)[keep] / denom[keep])))
    return _ok(worst < threshold, f"{worst:.2g}",
               f"largest relative error of the page's central difference (ε = {eps:g}) against the exact "
               f"gradient of 2-layer sigmoid/tanh/GELU networks: {worst:.2g} (threshold {threshold:g})")


TESTS = {f.__name__: f for f in (
    not_computable, still_misclassified, dead_neuron, open_range, vanishing_gradient, zero_centred,
    kink, leaky_relu_default_slope, smooth_non_monotonic, peak_at, ratio_greater, stronger_gradient,
    saturation, descent_raises_true_class, weight_increased, correction_factor,
    uncorrected_updates_smaller, adam_defaults, mnist_agreement, gradcheck_relative_error)}
