"""The pitfalls rows that are framework usage (page section ``pitfalls``): incorrect shapes and
integer labels with cross-entropy, run where a user would make the mistake — the NumPy
reference, torch, JAX/optax and (for the loss) scikit-learn — through ``oracles/*_pitfalls.py``.

Each seed gives one batch of real MNIST (the first batch of the seed's first permutation) and
the page's He-initialised MLP (:func:`nnconf.mnist.experiment.make_inputs`), so the logits are the page's
network's. Every call is classified:

- ``raises``: an exception (its type and first line are kept);
- ``correct``: a value within :data:`REL_TOL` of the correct one (the reference on correctly
  shaped inputs, one-hot labels);
- ``wrong``: a finite value that is not (warnings, if any, are kept: torch warns on some);
- ``skipped``: the framework is not installed or disabled (``NNCONF_DISABLE``).
"""

from __future__ import annotations

import importlib
import math
import warnings

import numpy as np

import oracles
from nnconf.mnist import experiment as mnist
from reference import losses as L
from reference import mlp as M

REL_TOL = 1e-9
"""Relative agreement that counts as the same loss: float64 implementations of one softmax
cross-entropy on the same logits agree to ~1e-15 (a few roundings of terms of size ~1); a
different quantity (a mis-broadcast sum, a wrong class) is off by far more than 1e-9."""

SHAPE_FRAMEWORKS = ("reference", "torch", "jax")
LOSS_FRAMEWORKS = ("reference", "torch", "jax", "sklearn")


def framework(name: str):
    """The module ``oracles.<name>_pitfalls``, or a string saying why it cannot be had."""
    try:
        if name in oracles.base.disabled():
            return f"{name} disabled by {oracles.base.DISABLE_ENV}"
        return importlib.import_module(f"oracles.{name}_pitfalls")
    except ImportError as exc:
        return f"{name} not installed ({exc})"


def seed_batch(sub, *, seed: int, sizes, batch_size: int) -> dict:
    """The seed's first batch and initial parameters, and the reference's logits."""
    cfg = mnist.Config(sizes=tuple(sizes), batch_size=batch_size, epochs=1, seed=seed)
    inputs = mnist.make_inputs(cfg, len(sub.y_train))
    idx = inputs.permutations[0][:batch_size]
    x, y = sub.x_train[idx], sub.y_train[idx].astype(np.int64)
    onehot = np.eye(sizes[-1])[y]
    logits = M.forward(inputs.params, x, layout="code").zs[-1]
    return {"x": x, "y": y, "onehot": onehot, "params": inputs.params, "logits": logits}


def _call(fn, correct: float) -> dict:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = float(fn())
        except Exception as exc:  # every exception is the observation
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            return {"outcome": "raises", "error": f"{type(exc).__name__}: {first}", "value": None,
                    "rel_error": None, "warnings": _warnings(caught)}
    rel = abs(value - correct) / abs(correct) if math.isfinite(value) else math.inf
    return {"outcome": "correct" if rel <= REL_TOL else "wrong", "error": None, "value": value,
            "rel_error": rel, "warnings": _warnings(caught)}


def _warnings(caught) -> list[str]:
    return list(dict.fromkeys(f"{w.category.__name__}: {str(w.message).splitlines()[0][:160]}"
                              for w in caught))


# ------------------------------------------------------------------ integer labels
LABEL_FORMS = {"integer": ("(N,)", "(N, 1)"), "one_hot": ("(N, K)",)}


def _label_array(form: str, b: dict) -> np.ndarray:
    return {"(N,)": b["y"], "(N, 1)": b["y"][:, None], "(N, K)": b["onehot"]}[form]


def integer_labels(sub, arm: dict, *, seed: int, sizes, batch_size: int) -> dict:
    """Every cross-entropy call × label form of the arm on the seed's batch."""
    b = seed_batch(sub, seed=seed, sizes=sizes, batch_size=batch_size)
    correct = float(L.softmax_cross_entropy(b["logits"], b["onehot"]))
    calls = {"reference": {"reference.losses.softmax_cross_entropy": L.softmax_cross_entropy}}
    skipped = {}
    for name in LOSS_FRAMEWORKS[1:]:
        mod = framework(name)
        if isinstance(mod, str):
            skipped[name] = mod
        else:
            calls[name] = mod.cross_entropy_calls()
    cases = []
    for fw in LOSS_FRAMEWORKS:
        for form in LABEL_FORMS[arm["labels"]]:
            if fw in skipped:
                cases.append({"framework": fw, "call": fw, "labels": form, "outcome": "skipped",
                              "error": skipped[fw], "value": None, "rel_error": None})
                continue
            for call, fn in calls[fw].items():
                labels = _label_array(form, b)
                out = _call(lambda fn=fn, labels=labels: fn(b["logits"], labels), correct)
                cases.append({"framework": fw, "call": call, "labels": form, **out})
    return {"correct": correct, "cases": cases}


# ------------------------------------------------------------------ shapes
def reference_shape_case(mistake, x, params, labels, onehot, trace: list) -> float:
    """The page's network and loss in the NumPy reference, layer by layer (each layer's output
    shape appended to ``trace`` as it is computed), with ``mistake`` planted."""
    layers = [(np.asarray(W), np.asarray(b)) for W, b in params]
    if mistake == "swapped_layer_dims":
        layers[0] = (layers[0][0].T, layers[0][1])
    a = x.reshape(len(x), 28, 28) if mistake == "unflattened_input" else x
    for i, p in enumerate(layers):
        last = i == len(layers) - 1
        cache = M.forward([p], a, output="softmax" if last else "relu", layout="code")
        trace.append(tuple(cache.zs[-1].shape))
        a = cache.zs[-1] if last else cache.activations[-1]
    if mistake == "column_prediction_mse":
        probs = cache.activations[-1]
        return float(L.mse(probs[:, :1], onehot[:, 0]))
    if mistake == "transposed_targets":
        return float(L.softmax_cross_entropy(a, onehot.T))
    if mistake == "label_column_ce":
        return float(L.softmax_cross_entropy(a, labels[:, None]))
    return float(L.softmax_cross_entropy(a, onehot))


def _correct_value(mistake, b: dict) -> float:
    if mistake == "column_prediction_mse":
        probs = M.forward(b["params"], b["x"], layout="code").activations[-1]
        return float(L.mse(probs[:, 0], b["onehot"][:, 0]))
    return float(L.softmax_cross_entropy(b["logits"], b["onehot"]))


def shapes(sub, arm: dict, *, seed: int, sizes, batch_size: int) -> dict:
    """Every planted shape mistake of the arm (none: the correct network) × framework, with
    the outcome and whether the per-layer shape trace differs from the correct network's."""
    b = seed_batch(sub, seed=seed, sizes=sizes, batch_size=batch_size)
    fns, skipped = {"reference": reference_shape_case}, {}
    for name in SHAPE_FRAMEWORKS[1:]:
        mod = framework(name)
        if isinstance(mod, str):
            skipped[name] = mod
        else:
            fns[name] = mod.shape_case
    good: list = []
    reference_shape_case(None, b["x"], b["params"], b["y"], b["onehot"], good)
    cases = []
    for mistake in arm["mistakes"] or [None]:
        correct = _correct_value(mistake, b)
        for fw in SHAPE_FRAMEWORKS:
            if fw in skipped:
                cases.append({"framework": fw, "mistake": mistake, "outcome": "skipped",
                              "error": skipped[fw], "trace_differs": None})
                continue
            trace: list = []
            out = _call(lambda fw=fw, mistake=mistake, trace=trace: fns[fw](
                mistake, b["x"], b["params"], b["y"], b["onehot"], trace), correct)
            cases.append({"framework": fw, "mistake": mistake, **out,
                          "trace": [list(s) for s in trace],
                          "trace_differs": [tuple(s) for s in trace] != good})
    return {"correct_trace": [list(s) for s in good], "cases": cases}
