"""Calls what a page listing defines, inside the sandbox (copied in as ``_nnconf_exercise.py``).

Standalone: the standard library and NumPy only. For each request of
``_nnconf_requests.json`` (``{"claim", "exercise", "inputs"}``) the listing is loaded afresh,
as printed, under the module name ``nnconf_listing`` (so its ``if __name__ == "__main__":``
block does not run), and the exercise calls its functions on the request's inputs. The raw
results (values, shapes, what a call returned, or the exception it raised) go to
``_nnconf_results.json``, rewritten after every request; nnconf judges them outside, against
its reference. Nothing here decides a verdict.
"""

import builtins
import json
import sys
import traceback

import numpy as np


class Call:
    """Records which call is being made, for the explanation when it raises."""

    def __init__(self):
        self.current = None

    def __call__(self, text, fn, *args, **kwargs):
        self.current = text
        return fn(*args, **kwargs)


def _list(a):
    return np.asarray(a, dtype=np.float64).tolist()


def load(path):
    with open(path, encoding="utf-8") as f:
        source = f.read()
    ns = {"__name__": "nnconf_listing", "__file__": path, "__builtins__": builtins}
    exec(compile(source, path, "exec"), ns)
    return ns


def _need(ns, name):
    if name not in ns:
        raise LookupError(f"the listing defines no {name!r}")
    return ns[name]


# ------------------------------------------------------------------ exercises
def ex_call(ns, inp, call):
    """Generic: ``function(*args)`` must return without raising."""
    value = call(f"{inp['function']}(*{inp.get('args', [])!r})", _need(ns, inp["function"]),
                 *[np.asarray(a) if isinstance(a, list) else a for a in inp.get("args", [])])
    return {"returned": repr(value)[:500]}


def ex_relu(ns, inp, call):
    x = np.asarray(inp["x"], dtype=np.float64)
    return {"relu": _list(call("relu(x)", _need(ns, "relu"), x.copy())),
            "relu_derivative": _list(call("relu_derivative(x)", _need(ns, "relu_derivative"), x.copy()))}


def ex_softmax(ns, inp, call):
    z = np.asarray(inp["z"], dtype=np.float64)
    return {"softmax": _list(call("softmax(z)", _need(ns, "softmax"), z))}


def ex_cross_entropy(ns, inp, call):
    f = _need(ns, "cross_entropy_loss")
    y = np.asarray([inp["y"]], dtype=np.float64)
    out = {name: float(call(f"cross_entropy_loss({name}, y)", f, np.asarray([inp[name]], dtype=np.float64), y))
           for name in inp["predictions"]}
    batch = np.asarray([inp[name] for name in inp["predictions"]], dtype=np.float64)
    out["batch"] = float(call("cross_entropy_loss(batch, y)", f, batch, np.repeat(y, len(batch), axis=0)))
    return out


def ex_he_init(ns, inp, call):
    np.random.seed(inp["seed"])
    w = np.asarray(call(f"he_init({inp['fan_in']}, {inp['fan_out']})", _need(ns, "he_init"),
                        inp["fan_in"], inp["fan_out"]))
    return {"shape": list(w.shape), "std": float(w.std()), "mean": float(w.mean())}


def _mlp(ns, inp, call):
    model = call(f"MLP(layer_sizes={inp['sizes']}, lr={inp['lr']})", _need(ns, "MLP"),
                 layer_sizes=list(inp["sizes"]), lr=inp["lr"])
    model.weights = [np.array(w, dtype=np.float64) for w in inp["weights"]]
    model.biases = [np.array([b], dtype=np.float64) for b in inp["biases"]]
    return model


def ex_mlp_init(ns, inp, call):
    model = call(f"MLP(layer_sizes={inp['sizes']})", _need(ns, "MLP"), layer_sizes=list(inp["sizes"]))
    return {"weight_shapes": [list(np.shape(w)) for w in model.weights],
            "bias_shapes": [list(np.shape(b)) for b in model.biases],
            "biases_zero": all(not np.any(b) for b in model.biases)}


def ex_mlp_forward(ns, inp, call):
    model = _mlp(ns, inp, call)
    x = np.asarray(inp["x"], dtype=np.float64)
    out = call("model.forward(x)", model.forward, x)
    pred = call("model.predict(x)", model.predict, x)
    return {"output": _list(out), "predict": np.asarray(pred).tolist(),
            "activations": [_list(a) for a in getattr(model, "activations", [])],
            "pre_activations": [_list(z) for z in getattr(model, "pre_activations", [])]}


def ex_mlp_backward(ns, inp, call):
    model = _mlp(ns, inp, call)
    x, y = np.asarray(inp["x"], dtype=np.float64), np.asarray(inp["y"], dtype=np.float64)
    call("model.forward(x)", model.forward, x)
    returned = call("model.backward(y)", model.backward, y)
    return {"returned": None if returned is None else repr(returned)[:500],
            "returned_type": type(returned).__name__,
            "weights": [_list(w) for w in model.weights], "biases": [_list(b) for b in model.biases]}


def ex_numerical_gradient(ns, inp, call):
    def f(v):  # Σ σ(v): its gradient is σ'(v), which nnconf's reference gives outside
        return float(np.sum(1.0 / (1.0 + np.exp(-v))))

    fn = _need(ns, "numerical_gradient")
    x = np.asarray(inp["x"], dtype=np.float64)
    out = {}
    try:
        out["gradient"] = _list(call("numerical_gradient(f, x)", fn, f, x.copy()))
    except NameError as exc:  # as printed it fails; say whether the missing import is all
        out["error"] = f"{type(exc).__name__}: {exc}"
        if getattr(exc, "name", None) == "np" or "'np'" in str(exc):
            fn.__globals__["np"] = np
            out["gradient_with_numpy"] = _list(fn(f, x.copy()))
    return out


def ex_perceptron(ns, inp, call):
    cls = _need(ns, "Perceptron")
    x = np.asarray(inp["x"], dtype=np.float64)
    p = call(f"Perceptron({x.size}, lr={inp['lr']})", cls, x.size, lr=inp["lr"])
    p.w, p.b = np.asarray(inp["w"], dtype=np.float64), float(inp["b"])
    before = call("p.predict(x)", p.predict, x)
    call("p.train([x], [y], epochs=1)", p.train, x[None, :], np.asarray([inp["y"]]), epochs=1)
    return {"predict_before": int(before), "w": _list(p.w), "b": float(p.b)}


EXERCISES = {name[3:]: f for name, f in globals().items() if name.startswith("ex_")}


def main(listing, requests_path, results_path):
    with open(requests_path, encoding="utf-8") as f:
        requests = json.load(f)
    results = {}
    for req in requests:
        call = Call()
        try:
            ns = load(listing)
        except BaseException as exc:  # noqa: B036 — SystemExit from the listing included
            results[req["claim"]] = {"stage": "load", "error": f"{type(exc).__name__}: {exc}",
                                     "traceback": traceback.format_exc(limit=-3)}
        else:
            try:
                results[req["claim"]] = {"result": EXERCISES[req["exercise"]](ns, req["inputs"], call)}
            except BaseException as exc:  # noqa: B036
                results[req["claim"]] = {"stage": "call", "call": call.current,
                                         "error": f"{type(exc).__name__}: {exc}",
                                         "traceback": traceback.format_exc(limit=-3)}
        with open(results_path, "w", encoding="utf-8") as f:
            json.dump(results, f)
    sys.stdout.flush()
