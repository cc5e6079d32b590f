"""Listings as evidence: what a listing defines, called on the page's own small inputs and judged
by the reference (issue 14 item 6).

A listing that only defines functions "runs" without calling any of them; here each exercise
claim of the catalogue (``exercise = NAME``, its inputs named in ``args``, taken from the
catalogue's worked examples: the page's facts, not its code) is a call made inside the sandbox
by ``exercise_driver.py`` on the listing exactly as printed. Outside, the result is judged:

- it must run as printed: an exception when loading or calling is ``false``, naming the call;
- its values must be the reference's, within a tolerance reasoned next to each comparison;
- what it says about itself is checked where it can be computed: a docstring saying what a
  function returns or does (``MLP.backward``: "Returns gradients and updates weights"), a
  comment giving its accuracy (``numerical_gradient``: "Should be < 1e-5 for float64").

Each judge returns ``(computed, verdict, explanation)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from reference import activations as A
from reference import gradcheck as G
from reference import init as I
from reference import losses as L
from reference import mlp as M
from reference import perceptron as P

# Float64 pipelines of at most a few dozen operations on values of order one (a softmax, a
# 2-2-2 forward pass, one backward step): each operation rounds by at most one unit in the last
# place (2.2e-16), so the listing and the reference differ by less than 1e-14 relative; 1e-12
# leaves a factor 100 and is still 10^8 below the smallest error a wrong formula makes at these
# inputs (a missing 1/N, a sign, a transposed weight: relative differences of order 0.1-1).
RTOL = 1e-12
# He: the sample standard deviation of n normal draws has relative standard error 1/sqrt(2n);
# six of them bound it (false alarm below 2e-9; the driver also seeds NumPy, so it is fixed).
HE_SIGMAS = 6.0


@dataclass(frozen=True)
class Exercise:
    inputs: Callable  # (catalogue, args) -> the JSON inputs the driver gets
    judge: Callable  # (result, inputs) -> (computed, verdict, explanation)
    does: str  # what it calls, for the explanation


def _ex(cat, args, key="example") -> dict:
    return cat.examples[args[key]].inputs


def _rel(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    scale = np.maximum(np.abs(a), np.abs(b))
    return float(np.max(np.where(scale > 0, np.abs(a - b) / np.where(scale > 0, scale, 1), 0), initial=0))


def _fmt(v) -> str:
    return np.array2string(np.asarray(v, dtype=np.float64), precision=6, separator=", ",
                           max_line_width=10**6).replace("\n", "")


def _compare(name: str, got, want, rtol=RTOL) -> tuple[bool, str]:
    err = _rel(got, want)
    if err <= rtol:
        return True, f"{name} = {_fmt(got)} (reference {_fmt(want)}, max rel. diff {err:.1e} ≤ {rtol:g})"
    return False, f"{name} = {_fmt(got)}, the reference gives {_fmt(want)} (max rel. diff {err:.2g} > {rtol:g})"


def _verdict(parts: list[tuple[bool, str]]) -> tuple[str, str, str]:
    ok = all(p for p, _ in parts)
    bad = [t for p, t in parts if not p]
    return ("agrees" if ok else "differs", "confirmed" if ok else "false",
            "; ".join(bad if bad else [t for _, t in parts]))


# ------------------------------------------------------------------ exercises
def _call_judge(res, inp):
    return f"returned {res['returned'][:200]}", "confirmed", f"{inp['function']} ran as printed"


def _relu_inputs(cat, args):
    return {"x": _ex(cat, args)["x"]}


def _relu_judge(res, inp):
    x = np.asarray(inp["x"], dtype=np.float64)
    return _verdict([_compare("relu(x)", res["relu"], A.relu(x), rtol=0.0),  # exact: max(0, x)
                     _compare("relu_derivative(x)", res["relu_derivative"], A.relu_grad(x), rtol=0.0)])


def _softmax_inputs(cat, args):
    z = list(_ex(cat, args)["z"])
    return {"z": [z, z[::-1]]}  # the example's z and its reverse, a batch of two: the row-wise sum matters


def _softmax_judge(res, inp):
    return _verdict([_compare("softmax(z)", res["softmax"], A.softmax(np.asarray(inp["z"], dtype=np.float64)))])


def _ce_inputs(cat, args):
    ex = _ex(cat, args)
    return {"y": ex["y"], "predictions": list(args["predictions"]), **{k: ex[k] for k in args["predictions"]}}


def _ce_judge(res, inp):
    y = np.asarray([inp["y"]], dtype=np.float64)
    batch = np.asarray([inp[k] for k in inp["predictions"]], dtype=np.float64)
    return _verdict([_compare(f"cross_entropy_loss({k}, y)", res[k],
                              L.cross_entropy(np.asarray([inp[k]], dtype=np.float64), y))
                     for k in inp["predictions"]]
                    + [_compare(f"cross_entropy_loss of the batch ({' and '.join(inp['predictions'])})",
                                res["batch"], L.cross_entropy(batch, np.repeat(y, len(batch), axis=0)))])


def _he_judge(res, inp):
    n = inp["fan_in"] * inp["fan_out"]
    want = I.he_std(inp["fan_in"])
    bound = HE_SIGMAS / np.sqrt(2 * n)
    rel = abs(res["std"] / want - 1)
    shape_ok = res["shape"] == [inp["fan_in"], inp["fan_out"]]
    ok = shape_ok and rel <= bound and abs(res["mean"]) <= HE_SIGMAS * want / np.sqrt(n)
    text = (f"he_init({inp['fan_in']}, {inp['fan_out']}): shape {tuple(res['shape'])}, sample std "
            f"{res['std']:.5f}, He's √(2/fan_in) = {want:.5f} (relative difference {rel:.2g}, bound "
            f"{bound:.2g} = {HE_SIGMAS:g}/√(2n)), mean {res['mean']:.2g}")
    return f"std {res['std']:.5f}", "confirmed" if ok else "false", text


def _mlp_init_judge(res, inp):
    sizes = inp["sizes"]
    want_w = [[a, b] for a, b in zip(sizes[:-1], sizes[1:], strict=False)]
    want_b = [[1, b] for b in sizes[1:]]
    ok = res["weight_shapes"] == want_w and res["bias_shapes"] == want_b and res["biases_zero"]
    text = (f"MLP(layer_sizes={sizes}) (its docstring's example): weights {res['weight_shapes']}, "
            f"biases {res['bias_shapes']}{'' if res['biases_zero'] else ', not zero'}"
            + ("" if ok else f"; expected weights {want_w}, zero biases {want_b}"))
    return f"weights {res['weight_shapes']}", "confirmed" if ok else "false", text


def _net_inputs(cat, args):
    ex = _ex(cat, args)
    params = M.to_code_layout([(ex["W1"], ex["b1"]), (ex["W2"], ex["b2"])])  # the listing's a @ W layout
    # the example's x twice, a batch of two: a missing or doubled 1/N changes the result
    inp = {"x": [ex["x"], ex["x"]], "sizes": [len(ex["x"]), len(ex["b1"]), len(ex["b2"])],
           "weights": [np.asarray(W).tolist() for W, _ in params], "biases": [list(b) for _, b in params]}
    if "targets" in args:
        t = cat.examples[args["targets"]].inputs
        inp.update(y=[t["y"], t["y"]], lr=t["lr"])
    else:
        inp["lr"] = 0.001
    return inp


def _params(inp):
    return [(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64))
            for W, b in zip(inp["weights"], inp["biases"], strict=True)]


def _forward_judge(res, inp):
    x = np.asarray(inp["x"], dtype=np.float64)
    cache = M.forward(_params(inp), x, activation="relu", output="softmax", layout="code")
    parts = [_compare("forward(x)", res["output"], cache.activations[-1]),
             (res["predict"] == np.argmax(cache.activations[-1], axis=1).tolist(),
              f"predict(x) = {res['predict']}")]
    stored = len(res["activations"]) == len(cache.activations) and len(res["pre_activations"]) == len(cache.zs)
    parts.append((stored and all(_rel(a, b) <= RTOL for a, b in zip(res["pre_activations"], cache.zs, strict=False)),
                  f"its docstring's 'Store intermediates for backprop': {len(res['activations'])} activations "
                  f"and {len(res['pre_activations'])} pre-activations stored (expected {len(cache.activations)} "
                  f"and {len(cache.zs)}, equal to the reference's)"))
    return _verdict(parts)


def _backward_step(inp):
    params = _params(inp)
    x, y = np.asarray(inp["x"], dtype=np.float64), np.asarray(inp["y"], dtype=np.float64)
    cache = M.forward(params, x, activation="relu", output="softmax", layout="code")
    grads = M.backward(params, cache, y, activation="relu", output="softmax", layout="code")
    return [(W - inp["lr"] * dW, b - inp["lr"] * db) for (W, b), (dW, db) in zip(params, grads, strict=True)]


def _backward_update_judge(res, inp):
    want = _backward_step(inp)
    parts = []
    for i, (W, b) in enumerate(want):
        parts.append(_compare(f"W[{i}] after backward", res["weights"][i], W))
        parts.append(_compare(f"b[{i}] after backward", np.ravel(res["biases"][i]), b))
    computed, verdict, text = _verdict(parts)
    return computed, verdict, f"its docstring's 'updates weights' (W − lr·∂L/∂W, lr {inp['lr']}): {text}"


def _backward_returns_judge(res, inp):
    if res["returned"] is None:
        return ("returned None", "false", "its docstring says 'Returns gradients and updates weights'; "
                "called after forward on the page's example, backward returned None (it updates the "
                "weights in place and returns nothing)")
    return (f"returned a {res['returned_type']}", "confirmed",
            f"backward returned a {res['returned_type']}: {res['returned'][:200]}")


def _gradient_judge(res, inp):
    x = np.asarray(inp["x"], dtype=np.float64)
    want = A.sigmoid_grad(x)
    stated = inp["stated_bound"]
    if "gradient" not in res:
        extra = ""
        if "gradient_with_numpy" in res:
            err = float(np.max(G.relative_error(want, np.asarray(res["gradient_with_numpy"]))))
            extra = (f"; with `import numpy as np` added it would give a relative error of {err:.1e} "
                     f"({'<' if err < stated else '≥'} the {stated:g} its comment states)")
        return "fails", "false", f"numerical_gradient(f, x) fails as printed: {res['error']}{extra}"
    err = float(np.max(G.relative_error(want, np.asarray(res["gradient"]))))
    ok = err < stated
    return (f"relative error {err:.1e}", "confirmed" if ok else "false",
            f"numerical_gradient(Σσ, x) at x = {x.tolist()}: max relative error {err:.1e} against σ'(x) "
            f"({'<' if ok else '≥'} {stated:g}, the bound its comment states)")


def _perceptron_inputs(cat, args):
    return dict(_ex(cat, args))


def _perceptron_judge(res, inp):
    x, w, b = (np.asarray(inp[k], dtype=np.float64) for k in ("x", "w", "b"))
    w_new, b_new = P.update(w, float(b), x, int(inp["y"]), lr=float(inp["lr"]))
    before = int(P.predict(w, float(b), x))
    return _verdict([(res["predict_before"] == before, f"predict(x) = {res['predict_before']} (reference {before})"),
                     _compare("w after one epoch", res["w"], w_new), _compare("b after one epoch", res["b"], b_new)])


EXERCISES = {
    "call": Exercise(lambda cat, args: dict(args), _call_judge, "calls a function it defines"),
    "relu": Exercise(_relu_inputs, _relu_judge, "relu and relu_derivative"),
    "softmax": Exercise(_softmax_inputs, _softmax_judge, "softmax"),
    "cross_entropy": Exercise(_ce_inputs, _ce_judge, "cross_entropy_loss"),
    "he_init": Exercise(lambda cat, args: {"fan_in": args["fan_in"], "fan_out": args["fan_out"], "seed": 0},
                        _he_judge, "he_init"),
    "mlp_init": Exercise(lambda cat, args: {"sizes": args["sizes"]}, _mlp_init_judge, "MLP.__init__"),
    "mlp_forward": Exercise(_net_inputs, _forward_judge, "MLP.forward and MLP.predict"),
    "mlp_backward": Exercise(_net_inputs, _backward_update_judge, "MLP.backward"),
    "mlp_backward_returns": Exercise(_net_inputs, _backward_returns_judge, "MLP.backward"),
    "numerical_gradient": Exercise(lambda cat, args: {"x": _ex(cat, args)["x"], "stated_bound": G.PAGE_THRESHOLD},
                                   _gradient_judge, "numerical_gradient"),
    "perceptron": Exercise(_perceptron_inputs, _perceptron_judge, "Perceptron.predict and Perceptron.train"),
}
# the driver function each exercise calls (exercise_driver.py's ex_<name>)
DRIVER = {"mlp_backward_returns": "mlp_backward"}


def judge(name: str, outcome: dict | None, inputs: dict) -> tuple[str, str, str]:
    """The verdict on one exercise from what the driver recorded (None: it recorded nothing)."""
    if not outcome:
        return "", "unverifiable", "the exercise recorded no result (the run ended before it)"
    if "error" in outcome:
        stage = ("loading the listing" if outcome.get("stage") == "load"
                 else f"calling {outcome.get('call') or 'it'}")
        return "fails", "false", f"it does not run as printed: {stage} raised {outcome['error'][:300]}"
    return EXERCISES[name].judge(outcome["result"], inputs)
