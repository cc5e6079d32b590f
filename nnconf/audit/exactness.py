"""The worked examples' values, exact (mpmath), against the reference and, for the Adam
example, against ``torch.optim.Adam`` and ``optax.adam`` (the oracles' ``adam_trajectory``).

The exact values are computed from the inputs the claims catalogue records (the same inputs
:mod:`nnconf.audit.examples` gives the reference), each input taken as the float64 number it
becomes, so the ULP error measures the arithmetic, not the decimal-to-binary conversion. The
reference's values are those the audit judges the page with (float64). Only quantities that are
floating-point results are measured (not predicted classes or counts).
"""

from __future__ import annotations

import mpmath
import numpy as np

import oracles
from nnconf.audit import examples as ref_examples
from nnconf.conformance.exactness.mp import sig as _sig
from nnconf.conformance.exactness.ulps import ulps, worse_than_best
from reference import optim as O

_mp = mpmath.mpf
ADAM_ORACLES = ("torch", "jax")  # torch.optim.Adam, optax.adam
# the reference functions the measured examples run through (a test records the calls)
# (the catalogue's examples, perceptron ones included, are computed when it loads)
USES = ("activations.sigmoid", "activations.sigmoid_grad", "activations.softmax", "activations.relu",
        "losses.mse", "losses.cross_entropy", "losses.cross_entropy_grad", "mlp.forward", "mlp.backward",
        "mlp._output_delta", "mlp.parameter_gradients", "mlp.minibatch_gradient", "activations.relu_grad",
        "perceptron.net_input", "perceptron.predict", "perceptron.update", "perceptron.train",
        "optim.adam", "optim._adam_direction", "optim.apply_updates", "optim.trajectory",
        "mlp.to_code_layout")  # the listings' exercises, whose inputs the catalogue computes too


def _v(xs):
    return [_mp(float(x)) for x in np.ravel(np.asarray(xs, dtype=np.float64))]


def _mat(rows):
    return [[_mp(float(x)) for x in row] for row in rows]


def _matvec(W, a, b):
    return [sum(wi * ai for wi, ai in zip(row, a, strict=True)) + bi for row, bi in zip(W, b, strict=True)]


def _softmax(z):
    m = max(z)
    e = [mpmath.exp(zi - m) for zi in z]
    s = sum(e)
    return [ei / s for ei in e]


def mlp_forward(inp: dict) -> dict:
    W1, b1, W2, b2, x = _mat(inp["W1"]), _v(inp["b1"]), _mat(inp["W2"]), _v(inp["b2"]), _v(inp["x"])
    z1 = _matvec(W1, x, b1)
    a1 = [max(z, _mp(0)) for z in z1]
    z2 = _matvec(W2, a1, b2)
    y_hat = _softmax(z2)
    return {"z1": z1, "a1": a1, "z2": z2, "y_hat": y_hat, "top_percent": [100 * max(y_hat)]}


def sigmoid_table(inp: dict) -> dict:
    x = _v(inp["x"])
    s = [_sig(xi) for xi in x]
    return {"exp_neg_x": [mpmath.exp(-xi) for xi in x], "one_plus_exp": [1 + mpmath.exp(-xi) for xi in x],
            "sigmoid": s, "one_minus_sigmoid": [_sig(-xi) for xi in x],
            "sigmoid_grad": [_sig(xi) * _sig(-xi) for xi in x]}


def softmax_example(inp: dict) -> dict:
    z = _v(inp["z"])
    e = [mpmath.exp(zi) for zi in z]
    p = _softmax(z)
    return {"exp": e, "sum": [sum(e)], "softmax": p, "percent": [100 * pi for pi in p]}


def loss_example(inp: dict) -> dict:
    y, good, bad = _v(inp["y"]), _v(inp["good"]), _v(inp["bad"])

    def mse(p):
        return sum((yi - pi) ** 2 for yi, pi in zip(y, p, strict=True)) / len(y)

    def ce(p):
        return -sum(yi * mpmath.log(pi) for yi, pi in zip(y, p, strict=True) if yi != 0)

    return {"sq_err_good": [(yi - pi) ** 2 for yi, pi in zip(y, good, strict=True)], "mse_good": [mse(good)],
            "ce_good": [ce(good)], "sq_err_bad": [(yi - pi) ** 2 for yi, pi in zip(y, bad, strict=True)],
            "mse_bad": [mse(bad)], "ce_bad": [ce(bad)], "ce_ratio": [ce(bad) / ce(good)],
            "mse_ratio": [mse(bad) / mse(good)]}


def backprop_output(inp: dict) -> dict:
    return {"delta": [p - t for p, t in zip(_v(inp["y_hat"]), _v(inp["y"]), strict=True)]}


def backprop_full(inp: dict) -> dict:
    W1, b1, W2, b2 = _mat(inp["W1"]), _v(inp["b1"]), _mat(inp["W2"]), _v(inp["b2"])
    x, y, lr = _v(inp["x"]), _v(inp["y"]), _mp(float(inp["lr"]))
    z1 = _matvec(W1, x, b1)
    a1 = [_sig(z) for z in z1]
    z2 = _matvec(W2, a1, b2)
    y_hat = _softmax(z2)
    delta2 = [p - t for p, t in zip(y_hat, y, strict=True)]
    dW2 = [[d * a for a in a1] for d in delta2]
    back = [sum(W2[k][j] * delta2[k] for k in range(len(delta2))) for j in range(len(a1))]
    sgrad = [_sig(z) * _sig(-z) for z in z1]
    delta1 = [bk * s for bk, s in zip(back, sgrad, strict=True)]
    dW1 = [[d * xi for xi in x] for d in delta1]
    flat = [g for row in dW2 for g in row]
    return {"z1": z1, "a1": a1, "z2": z2, "y_hat": y_hat, "delta2": delta2, "dW2": flat, "db2": delta2,
            "back": back, "sigmoid_grad": sgrad, "delta1": delta1, "dW1": [g for row in dW1 for g in row],
            "db1": delta1, "W2_step_abs": [abs(lr * g) for g in flat],
            "W2_new": [w - lr * g for row, grow in zip(W2, dW2, strict=True) for w, g in zip(row, grow, strict=True)],
            "b2_new": [b - lr * d for b, d in zip(b2, delta2, strict=True)],
            "W1_new": [w - lr * g for row, grow in zip(W1, dW1, strict=True) for w, g in zip(row, grow, strict=True)],
            "b1_new": [b - lr * d for b, d in zip(b1, delta1, strict=True)]}


def adam_example(inp: dict) -> dict:
    """m_t = β₁m + (1−β₁)g, v_t = β₂v + (1−β₂)g², θ_t = θ − η·m̂/(√v̂ + ε), m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)."""
    b1, b2, eps, lr = (_mp(float(inp[k])) for k in ("b1", "b2", "eps", "lr"))
    theta, m, v = _mp(float(inp["theta0"])), _mp(0), _mp(0)
    out = {k: [] for k in ("m", "v", "m_hat", "v_hat", "step", "theta")}
    for t, g in enumerate(_v(inp["grads"]), start=1):
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        step = lr * m_hat / (mpmath.sqrt(v_hat) + eps)
        theta -= step
        for k, val in (("m", m), ("v", v), ("m_hat", m_hat), ("v_hat", v_hat), ("step", step), ("theta", theta)):
            out[k].append(val)
    return out


EXACT = {f.__name__: f for f in (mlp_forward, sigmoid_table, softmax_example, loss_example, backprop_output,
                                 backprop_full, adam_example)}


def _adam_thetas(inp: dict, impl: str, dtype: str) -> list[float]:
    """θ₁..θ_T of the Adam example: the reference, or an oracle's ``adam_trajectory``."""
    hp = {k: float(inp[k]) for k in ("lr", "b1", "b2", "eps")}
    theta0, grads = np.array([float(inp["theta0"])]), np.array([[float(g)] for g in inp["grads"]])
    if impl == "reference":
        traj = O.trajectory(O.adam(**hp), theta0.astype(dtype), grads.astype(dtype))
    else:
        traj = oracles.get(impl).value("adam_trajectory", (theta0, grads), dtype=dtype, **hp)
    return [float(t[0]) for t in np.asarray(traj)[1:]]


def rows(examples) -> tuple[list[dict], list[dict]]:
    """ULP rows for every worked example (``examples``: the catalogue's, each with ``id``,
    ``compute`` and ``inputs``; reference, float64) and for θ_t of the Adam example (reference,
    torch.optim.Adam, optax.adam; float64 and float32), and the inputs where the reference is
    worse than the best framework by more than 1 ulp."""
    out, violations = [], []
    adam = None
    for ex in examples:
        if ex.compute not in EXACT:
            continue
        adam = (ex.id, ex.inputs) if ex.compute == "adam_example" else adam
        with mpmath.workdps(60):
            exact = EXACT[ex.compute](ex.inputs)
            got = ref_examples.COMPUTE[ex.compute](ex.inputs)
            for q, values in exact.items():
                vals = np.ravel(np.asarray(got[q], dtype=np.float64))
                u = [ulps(float(g), e, "float64") for g, e in zip(vals, values, strict=True)]
                i = int(np.argmax(u))
                out.append({"formula": f"example:{ex.compute}.{q}", "section": ex.id, "impl": "reference",
                            "dtype": "float64", "n": len(u), "max_ulp": u[i], "median_ulp": float(np.median(u)),
                            "at": [f"{q}[{i}]"]})
    if adam:
        section, inp = adam
        with mpmath.workdps(60):
            exact = adam_example(inp)["theta"]
            for dtype in ("float64", "float32"):
                per = {}
                for impl in ("reference", *ADAM_ORACLES):
                    if impl != "reference" and not oracles.available(impl)[0]:
                        continue
                    vals = _adam_thetas(inp, impl, dtype)
                    per[impl] = [ulps(float(np.asarray(g, dtype=dtype)), e, dtype)
                                 for g, e in zip(vals, exact, strict=True)]
                    i = int(np.argmax(per[impl]))
                    out.append({"formula": "example:adam_example.theta (optimizer)", "section": section,
                                "impl": impl, "dtype": dtype, "n": len(vals), "max_ulp": per[impl][i],
                                "median_ulp": float(np.median(per[impl])), "at": [f"theta_{i + 1}"]})
                violations += worse_than_best(per, "example:adam_example.theta", dtype,
                                              [[f"theta_{t + 1}"] for t in range(len(exact))])
    return out, violations


ROW_ID = "exactness.reference_vs_best"  # the conformance row whose table the examples join


def add_to(checks: list[dict], examples) -> list[dict]:
    """``checks`` (the report's rows) with the worked examples' ULP rows added to the exactness
    row's table, and that row failed when the reference is worse than the best implementation
    on an example by more than 1 ulp. Unchanged when the exactness row did not run."""
    out = []
    for c in checks:
        table = (c.get("figures") or {}).get("exactness") if c.get("id") == ROW_ID else None
        if table is None:
            out.append(c)
            continue
        r, v = rows(examples)
        table = {**table, "rows": [*table["rows"], *r], "violations": [*table["violations"], *v]}
        c = {**c, "figures": {**c["figures"], "exactness": table}}
        if v:
            c.update(status="fail", note=f"{c.get('note', '')}; worked examples worse than the best "
                                         f"implementation by more than 1 ulp: {len(v)}")
        out.append(c)
    return out
