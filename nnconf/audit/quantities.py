"""The quantities the page's displayed formulas state, each with the names a transcription may
use and its truth: SymPy (a derivative, an identity, proved by reducing the difference to 0)
or the reference (evaluated at fixed sample points, float64).

A formula claim's ``sympy`` is the page's formula transcribed into Python syntax over these
names (``s`` is σ(x), ``p`` is ŷ, ``delta2`` is δ⁽²⁾, …). A vector quantity is evaluated for
each index ``i`` (and ``k``) in turn. An update rule is a list of assignments run for several
steps. Nothing here is the page's text: only its facts, as the team brief asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reference import activations as A
from reference import gradcheck as G
from reference import init as I
from reference import losses as L
from reference import mlp as M
from reference import optim as O
from reference import perceptron as P

POINTS = (-6.0, -2.0, -0.75, -1e-3, 1e-3, 0.5, 2.0, 7.5)  # scalar samples (0 excluded: kinks)


@dataclass(frozen=True)
class Quantity:
    what: str
    kind: str  # "symbolic": SymPy proves value == truth; "numeric": values at sample points
    names: object  # () -> dict of names for transcriptions
    truth: object  # (names, args) -> the true value (SymPy expressions, or an array)
    source: str  # what the truth is, in words
    index: tuple = ()  # (("i", range), ...) for vector quantities: evaluate per index
    program: bool = False  # the transcription is a list of assignments (an update rule)
    run: object = None  # (names, program, args) -> array, for programs
    defaults: dict = field(default_factory=dict)


def _sp():
    import sympy
    return sympy


# ------------------------------------------------------------------ scalar functions (SymPy)
def _scalar():
    sp = _sp()
    from sympy.stats import Normal, cdf
    x = sp.Symbol("x", real=True)
    s = 1 / (1 + sp.exp(-x))
    return {"x": x, "s": s, "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "tanh": sp.tanh,
            "erf": sp.erf, "pi": sp.pi, "Max": sp.Max, "Piecewise": sp.Piecewise,
            "alpha": sp.Symbol("alpha", positive=True), "Phi": cdf(Normal("Z", 0, 1))(x),
            "sigmoid": lambda v: 1 / (1 + sp.exp(-v))}


def _reference_at_points(fn, **kw):
    return lambda n, args: np.array([float(fn(np.float64(p), **{**kw, **args})) for p in POINTS])


def _diff(expr_of):
    return lambda n, args: _sp().diff(expr_of(n), n["x"])


# ------------------------------------------------------------------ vectors (SymPy)
K = 3


def _softmax_names():
    sp = _sp()
    z = sp.symbols(f"z0:{K}", real=True)
    free = list(sp.symbols(f"y0:{K - 1}", real=True))
    y = free + [1 - sum(free)]  # one-hot or any labels with Σₖ yₖ = 1, the page's assumption
    e = [sp.exp(v) for v in z]
    p = [v / sum(e) for v in e]
    q = sp.symbols(f"q0:{K}", positive=True)  # ŷ as free probabilities (∂L/∂ŷ)
    return {"z": z, "y": y, "p": p, "q": q, "K": K, "exp": sp.exp, "log": sp.log, "N": sp.Integer(1)}


def _ce_of_logits_grad(n, args):
    sp = _sp()
    loss = -sum(yk * sp.log(pk) for yk, pk in zip(n["y"], n["p"], strict=True))
    return [sp.diff(loss, zi) for zi in n["z"]]


def _ce_sample(n):
    return -sum(y * _sp().log(q) for y, q in zip(n["y"], n["q"], strict=True))


def _mse_sum(n):
    return sum((y - p) ** 2 for y, p in zip(n["y"], n["p"], strict=True))


def _mse_names():
    sp = _sp()
    return {"y": sp.symbols("y0:3", real=True), "p": sp.symbols("p0:3", real=True),
            "N": sp.Integer(3), "sum": sum, "range": range}


# ------------------------------------------------------------------ numeric samples
RNG = np.random.default_rng(20261125)
_P = RNG.uniform(0.05, 0.95, size=(2, 3))
CE = {"p": _P, "y": np.array([[1.0, 0, 0], [0, 0, 1.0]]), "c": [0, 2], "N": 2, "K": 3}
BCE = {"p": RNG.uniform(0.05, 0.95, size=3), "y": np.array([1.0, 0.0, 1.0]), "N": 3}


def _np_names(extra: dict) -> dict:
    import math
    return {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs, "max": np.maximum,
            "sum": sum, "range": range, "clip": np.clip, "pi": math.pi, "np": np, **extra}


def _ce_names():
    return _np_names({k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in CE.items()})


def _network(layers: int, activation: str = "sigmoid"):
    """A small network (math layout, one sample as a column), its forward values and
    the reference's gradients (``delta[l]`` = ∂L/∂z⁽ˡ⁾, from ∂L/∂b⁽ˡ⁾ of one sample)."""
    rng = np.random.default_rng(7 + layers + (activation == "relu"))
    sizes = [2] + [2] * layers
    params = [(rng.normal(size=(sizes[i + 1], sizes[i])), rng.normal(size=sizes[i + 1]))
              for i in range(layers)]
    x, y = np.array([[0.8, -0.3]]), np.array([[0.0, 1.0]])
    cache = M.forward(params, x, activation=activation)
    grads = M.backward(params, cache, y, activation=activation)
    col = lambda v: np.asarray(v, float).reshape(-1, 1)  # noqa: E731
    W = [None] + [p[0] for p in params]
    b = [None] + [col(p[1]) for p in params]
    z = [None] + list(cache.zs)
    a = list(cache.activations)
    delta = [None] + [col(g[1]) for g in grads]
    names = {"W": W, "b": b, "z": z, "a": a, "delta": delta, "x": col(x), "y": col(y), "L": layers,
             "sigmoid": A.sigmoid, "sigmoid_grad": A.sigmoid_grad, "softmax": lambda v: A.softmax(v, axis=0),
             "relu": A.relu, "p": a[-1]}
    for k in range(1, layers + 1):
        names.update({f"W{k}": W[k], f"b{k}": b[k], f"z{k}": z[k], f"a{k}": a[k], f"delta{k}": delta[k]})
    names["a0"] = col(x)
    names["a"] = [col(x)] + [v for v in a[1:]]
    names["output"] = cache.activations[-1]
    return names, grads


def _grad_truth(which: str, layer):
    def truth(n, args):
        _, grads = _network(n["L"])
        out = []
        for k in ([layer] if layer else range(1, n["L"] + 1)):
            dW, db = grads[k - 1]
            out.append(dW if which == "W" else db.reshape(-1, 1))
        return out
    return truth


def _assign(initial, outputs, truth):
    """An assignment rule run once from ``initial``; its value is ``outputs`` concatenated."""
    def run(names, program, args):
        state = {**names, **{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in initial.items()}}
        for stmt in program:
            exec(stmt, {"__builtins__": {}}, state)  # noqa: S102 (the project's own catalogue)
        return np.concatenate([np.ravel(state[k]) for k in outputs])
    return run, lambda n, a: np.concatenate([np.ravel(v) for v in truth()])


_PX = np.array([[1.0, 0.5], [1.0, 2.0], [-1.0, 0.3], [0.0, 0.0], [2.0, -1.0]])
_PW, _PB = np.array([0.5, -0.25]), 0.0  # the second sample lies on the boundary w·x + b = 0
_UPDATE = {"w": np.array([0.6, -0.4]), "b": -0.1, "x": np.array([1.0, 0.5]), "y": 0, "eta": 0.1,
           "yhat": int(P.predict(np.array([0.6, -0.4]), -0.1, np.array([1.0, 0.5])))}
_run_update, _truth_update = _assign(_UPDATE, ("w", "b"), lambda: P.update(
    _UPDATE["w"], _UPDATE["b"], _UPDATE["x"], _UPDATE["y"], lr=_UPDATE["eta"]))
_Z = np.array([2.0, 1.0, 0.1, -3.0])
_GX = np.array([0.3, -1.2, 2.0])


def _f(v):
    return float(np.sum(np.sin(v) * v ** 2))


def _unit(i, n=3):
    e = np.zeros(n)
    e[i] = 1.0
    return e


def _minibatch():
    rng = np.random.default_rng(11)
    params = [(rng.normal(size=(3, 2)), rng.normal(size=3)), (rng.normal(size=(2, 3)), rng.normal(size=2))]
    x, y = rng.normal(size=(6, 2)), np.eye(2)[rng.integers(0, 2, 6)]
    flat = [p for pair in params for p in pair]
    grad = lambda i: M.parameter_gradients(x[i:i + 1], y[i:i + 1], *flat)  # noqa: E731
    truth = np.concatenate([g.ravel() for pair in M.minibatch_gradient(params, x, y, [1, 3, 4]) for g in pair])
    return {"grad": grad, "idx": [1, 3, 4], "B": 3, "sum": sum}, truth


def _delta_truth(n, args):
    return [n["delta"][k] for k in range(1, n["L"])]


def _program(optimizer, hyper: dict, grads=(2.0, 1.5, 3.0, -1.0, 0.5)):
    def run(names, program, args):
        state = {**names, **{k: v for k, v in hyper.items()}, "theta": 5.0, "m": 0.0, "v": 0.0, "s": 0.0}
        out = []
        for t, g in enumerate(grads, start=1):
            state.update(t=t, g=g)
            for stmt in program:
                exec(stmt, {"__builtins__": {}}, state)  # noqa: S102 (the project's own catalogue)
            out.append(float(state["theta"]))
        return np.array(out)

    def truth(names, args):
        return np.asarray(O.trajectory(optimizer(**hyper), np.float64(5.0), [np.float64(g) for g in grads])[1:],
                          dtype=float).ravel()
    return run, truth


def _opt(name, optimizer, hyper, what):
    run, truth = _program(optimizer, hyper)
    return Quantity(what, "numeric", lambda: _np_names({}), truth,
                    f"the reference's optim.{name} over 5 steps (θ₀ = 5, gradients 2, 1.5, 3, −1, 0.5, "
                    + ", ".join(f"{k} = {v}" for k, v in hyper.items()) + ")", program=True, run=run)


QUANTITIES: dict[str, Quantity] = {
    "sigmoid": Quantity("σ(x)", "symbolic", _scalar, _reference_at_points(A.sigmoid),
                        "the reference's activations.sigmoid"),
    "sigmoid_grad": Quantity("σ′(x)", "symbolic", _scalar, _diff(lambda n: 1 / (1 + _sp().exp(-n["x"]))),
                             "SymPy's derivative of 1/(1 + e⁻ˣ)"),
    "exp_neg_x": Quantity("e⁻ˣ in terms of σ", "symbolic", _scalar, lambda n, a: _sp().exp(-n["x"]), "e⁻ˣ itself"),
    "tanh": Quantity("tanh(x)", "symbolic", _scalar, _reference_at_points(A.tanh), "the reference's activations.tanh"),
    "tanh_grad": Quantity("tanh′(x)", "symbolic", _scalar, _diff(lambda n: _sp().tanh(n["x"])),
                          "SymPy's derivative of tanh"),
    "relu": Quantity("ReLU(x)", "symbolic", _scalar, _reference_at_points(A.relu), "the reference's activations.relu"),
    "relu_grad": Quantity("ReLU′(x), x ≠ 0", "symbolic", _scalar, _reference_at_points(A.relu_grad),
                          "the reference's activations.relu_grad (x ≠ 0)"),
    "leaky_relu": Quantity("Leaky ReLU(x)", "symbolic", _scalar, _reference_at_points(A.leaky_relu, alpha=0.01),
                           "the reference's activations.leaky_relu with α = 0.01", defaults={"alpha": 0.01}),
    "gelu": Quantity("GELU(x)", "symbolic", _scalar, _reference_at_points(A.gelu), "the reference's activations.gelu"),
    "gelu_tanh": Quantity("GELU's tanh approximation", "symbolic", _scalar,
                          _reference_at_points(A.gelu, approximate="tanh"),
                          "the reference's activations.gelu(approximate='tanh')"),
    "softmax_ce_grad": Quantity("∂L/∂zᵢ for softmax + cross-entropy", "symbolic", _softmax_names,
                                _ce_of_logits_grad,
                                "SymPy's gradient of −Σₖ yₖ log softmax(z)ₖ with Σₖ yₖ = 1 (K = 3)",
                                index=(("i", K),)),
    "softmax_jac_diag": Quantity("∂ŷₖ/∂zₖ", "symbolic", _softmax_names,
                                 lambda n, a: [_sp().diff(n["p"][k], n["z"][k]) for k in range(K)],
                                 "SymPy's derivative of softmax (K = 3)", index=(("k", K),)),
    "softmax_jac_offdiag": Quantity("∂ŷₖ/∂zᵢ, i ≠ k", "symbolic", _softmax_names,
                                    lambda n, a: [_sp().diff(n["p"][k], n["z"][i]) for k in range(K)
                                                  for i in range(K) if i != k],
                                    "SymPy's derivative of softmax (K = 3)", index=(("k", K), ("i", K))),
    "ce_grad_probs": Quantity("∂L/∂ŷₖ", "symbolic", _softmax_names,
                              lambda n, a: [_sp().diff(_ce_sample(n), qk) for qk in n["q"]],
                              "SymPy's derivative of −Σₖ yₖ log ŷₖ", index=(("k", K),)),
    "mse": Quantity("MSE", "numeric", lambda: _np_names({**BCE, "y": BCE["y"], "p": BCE["p"]}),
                    lambda n, a: np.array([L.mse(BCE["p"], BCE["y"])]), "the reference's losses.mse (N = 3)"),
    "mse_grad": Quantity("∂MSE/∂ŷᵢ", "symbolic", _mse_names,
                         lambda n, a: [_sp().diff(_mse_sum(n) / 3, pi) for pi in n["p"]],
                         "SymPy's derivative of (1/N) Σᵢ (yᵢ − ŷᵢ)² (N = 3)", index=(("i", 3),)),
    "cross_entropy": Quantity("cross-entropy L", "numeric", _ce_names,
                              lambda n, a: np.array([L.cross_entropy(CE["p"], CE["y"], eps=None,
                                                                     reduction=a.get("reduction", "mean"))]),
                              "the reference's losses.cross_entropy (N = 2, K = 3, one-hot labels, no clip)"),
    "cross_entropy_sample": Quantity("cross-entropy of one sample", "numeric",
                                     lambda: _np_names({"p": CE["p"][0], "y": CE["y"][0], "K": 3}),
                                     lambda n, a: np.array([L.cross_entropy(CE["p"][:1], CE["y"][:1], eps=None)]),
                                     "the reference's losses.cross_entropy of one sample"),
    "cross_entropy_clipped": Quantity("the listing's clipped cross-entropy", "numeric",
                                      lambda: _np_names({**CE, "p": np.array([[1.0, 0, 0], [0.2, 0.3, 0.0]])}),
                                      lambda n, a: np.array([L.cross_entropy(np.array([[1.0, 0, 0], [0.2, 0.3, 0.0]]),
                                                                             CE["y"], eps=1e-12)]),
                                      "the reference's losses.cross_entropy with the clip 1e-12 "
                                      "(ŷ with exact 0 and 1)"),
    "bce": Quantity("binary cross-entropy", "numeric", lambda: _np_names(dict(BCE)),
                    lambda n, a: np.array([L.binary_cross_entropy(BCE["p"], BCE["y"])]),
                    "the reference's losses.binary_cross_entropy (N = 3)"),
    "mean_ce_logit_grad": Quantity("∂L/∂z of the batch-mean softmax cross-entropy", "numeric",
                                   lambda: _np_names({"p": A.softmax(np.log(CE["p"])), "y": CE["y"], "N": 2}),
                                   lambda n, a: L.softmax_cross_entropy_grad(np.log(CE["p"]), CE["y"]),
                                   "the reference's losses.softmax_cross_entropy_grad (batch mean, N = 2)"),
    "grad_W_out": Quantity("∂L/∂W⁽²⁾", "numeric", lambda: _network(2)[0], _grad_truth("W", 2),
                           "the reference's mlp.backward on a 2-2-2 sigmoid network"),
    "grad_b_out": Quantity("∂L/∂b⁽²⁾", "numeric", lambda: _network(2)[0], _grad_truth("b", 2),
                           "the reference's mlp.backward on a 2-2-2 sigmoid network"),
    "delta_hidden": Quantity("δ⁽¹⁾ = ∂L/∂z⁽¹⁾", "numeric", lambda: _network(2)[0], _delta_truth,
                             "the reference's mlp.backward on a 2-2-2 sigmoid network"),
    "grad_W_hidden": Quantity("∂L/∂W⁽¹⁾", "numeric", lambda: _network(2)[0], _grad_truth("W", 1),
                              "the reference's mlp.backward on a 2-2-2 sigmoid network"),
    "grad_b_hidden": Quantity("∂L/∂b⁽¹⁾", "numeric", lambda: _network(2)[0], _grad_truth("b", 1),
                              "the reference's mlp.backward on a 2-2-2 sigmoid network"),
    "delta_general": Quantity("δ⁽ˡ⁾, every hidden layer", "numeric", lambda: _network(3)[0], _delta_truth,
                              "the reference's mlp.backward on a 2-2-2-2 sigmoid network", index=(("l", (1, 2)),)),
    "grad_W_general": Quantity("∂L/∂W⁽ˡ⁾, every layer", "numeric", lambda: _network(3)[0], _grad_truth("W", None),
                               "the reference's mlp.backward on a 2-2-2-2 sigmoid network", index=(("l", (1, 2, 3)),)),
    "grad_b_general": Quantity("∂L/∂b⁽ˡ⁾, every layer", "numeric", lambda: _network(3)[0], _grad_truth("b", None),
                               "the reference's mlp.backward on a 2-2-2-2 sigmoid network", index=(("l", (1, 2, 3)),)),
    "sgd_update": _opt("sgd", O.sgd, {"lr": 0.1}, "the SGD update"),
    "momentum_update": _opt("momentum", O.momentum, {"lr": 0.1, "beta": 0.9}, "the momentum update"),
    "rmsprop_update": _opt("rmsprop", O.rmsprop, {"lr": 0.1, "beta": 0.9, "eps": 1e-8}, "the RMSProp update"),
    "adam_update": _opt("adam", O.adam, {"lr": 0.1, "b1": 0.9, "b2": 0.999, "eps": 1e-8}, "the Adam update"),
    "adamw_update": _opt("adamw", O.adamw, {"lr": 0.1, "b1": 0.9, "b2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
                         "the AdamW update"),
    "perceptron_predict": Quantity("the perceptron's prediction", "numeric",
                                   lambda: _np_names({"w": _PW, "b": _PB, "X": _PX}),
                                   lambda n, a: P.predict(_PW, _PB, _PX).astype(float),
                                   "the reference's perceptron.predict (a sample on the boundary included)",
                                   index=(("j", len(_PX)),)),
    "perceptron_update": Quantity("the perceptron's learning rule", "numeric", lambda: _np_names({}),
                                  _truth_update, "the reference's perceptron.update on the worked example's inputs",
                                  program=True, run=_run_update),
    "preactivation": Quantity("z⁽ˡ⁾ of every layer", "numeric", lambda: _network(3, "relu")[0],
                              lambda n, a: [n["z"][k] for k in (1, 2, 3)],
                              "the reference's mlp.forward on a 2-2-2-2 ReLU network", index=(("l", (1, 2, 3)),)),
    "forward_output": Quantity("ŷ of a 3-layer ReLU network", "numeric", lambda: _network(3, "relu")[0],
                               lambda n, a: n["output"], "the reference's mlp.forward on a 2-2-2-2 ReLU network"),
    "softmax": Quantity("softmax(z)ᵢ", "numeric", lambda: _np_names({"z": _Z, "K": len(_Z)}),
                        lambda n, a: A.softmax(_Z), "the reference's activations.softmax at z = [2, 1, 0.1, −3]",
                        index=(("i", len(_Z)),)),
    "central_difference": Quantity("the central-difference gradient", "numeric",
                                   lambda: _np_names({"f": _f, "x": _GX, "eps": 1e-5, "e": _unit}),
                                   lambda n, a: G.numerical_gradient(_f, _GX, eps=1e-5),
                                   "the reference's gradcheck.numerical_gradient of Σ sin(x)x² (ε = 1e-5)",
                                   index=(("i", 3),)),
    "relative_error": Quantity("the gradient check's relative error", "numeric",
                               lambda: _np_names({"a": np.array([1.0, -2.0, 3e-3]), "n": np.array([1.1, -2.0, 2e-3])}),
                               lambda n, a: G.relative_error(np.array([1.0, -2.0, 3e-3]), np.array([1.1, -2.0, 2e-3])),
                               "the reference's gradcheck.relative_error"),
    "minibatch_gradient": Quantity("the mini-batch gradient", "numeric", lambda: _np_names(_minibatch()[0]),
                                   lambda n, a: _minibatch()[1],
                                   "the reference's mlp.minibatch_gradient (rows 1, 3, 4 of 6)"),
    "he_std": Quantity("He's standard deviation", "numeric",
                       lambda: _np_names({"fan_in": np.array([1.0, 3.0, 256.0, 784.0])}),
                       lambda n, a: np.array([I.he_std(f) for f in (1, 3, 256, 784)]),
                       "the reference's init.he_std at fan_in = 1, 3, 256, 784"),
}
