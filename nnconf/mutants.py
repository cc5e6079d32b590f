"""Planted bugs: one or more mutants of every reference function the registry uses.

A check that cannot fail is a defect. ``tests/test_planted_bugs.py`` patches each mutant
into the ``reference`` package in turn and requires that at least one registry row using
that function fails. Mutants are the bugs a person porting the page would plausibly make:
a flipped sign, a perturbed constant, a wrong convention at a kink, a missing factor, an
unstable formula.
"""

from __future__ import annotations

import importlib
import inspect
import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from reference import activations as A
from reference import losses as L
from reference import optim as O


@dataclass(frozen=True)
class Mutant:
    """A planted bug in ``target`` ("module.function" of the reference): either a replacement
    ``function``, or an edit ``replace = (old, new)`` of the function's own source, compiled
    in a copy of its module's namespace (a classic source mutation)."""

    target: str
    description: str
    function: Callable | None = None
    replace: tuple[str, str] | None = None

    def build(self) -> Callable:
        if self.function is not None:
            return self.function
        module_name, name = self.target.rsplit(".", 1)
        module = importlib.import_module(f"reference.{module_name}")
        source = textwrap.dedent(inspect.getsource(getattr(module, name)))
        old, new = self.replace
        if source.count(old) != 1:
            raise ValueError(f"mutant of {self.target}: {old!r} occurs {source.count(old)} times")
        namespace = dict(vars(module))
        exec(compile(source.replace(old, new), f"<mutant of {self.target}>", "exec"), namespace)
        return namespace[name]


def _erfc(v):
    return np.vectorize(math.erfc, otypes=[float])(v)


def _sum_terms_over_rows(y_pred, y_true, *, reduction="mean"):
    d = (np.asarray(y_true) - np.asarray(y_pred)) ** 2
    return np.sum(d) / (d.shape[0] if d.ndim > 1 else d.size)


MUTANTS = [
    Mutant("activations.sigmoid", "flipped sign: 1/(1 + e^x)",
           lambda x: 1.0 / (1.0 + np.exp(np.asarray(x, dtype=float)))),
    Mutant("activations.sigmoid_grad", "σ(x)σ(x) instead of σ(x)(1 - σ(x))",
           lambda x: A.sigmoid(x) ** 2),
    Mutant("activations.tanh", "the page's (e^x - e^-x)/(e^x + e^-x), NaN beyond |x| = 710",
           lambda x: (np.exp(x) - np.exp(-np.asarray(x))) / (np.exp(x) + np.exp(-np.asarray(x)))),
    Mutant("activations.tanh_grad", "1 - tanh(x), square missing", lambda x: 1.0 - np.tanh(x)),
    Mutant("activations.relu", "max(x, 0.01x): leaky by mistake",
           lambda x: np.maximum(x, 0.01 * np.asarray(x, dtype=float))),
    Mutant("activations.relu_grad", "derivative 1 at x = 0 (x >= 0)",
           lambda x, at_zero=0.0: np.where(np.asarray(x) >= 0, 1.0, 0.0)),
    Mutant("activations.leaky_relu", "α = 0.1 instead of 0.01",
           lambda x, alpha=0.01: np.where(np.asarray(x) > 0, x, 0.1 * np.asarray(x))),
    Mutant("activations.leaky_relu_grad", "derivative 1 at x = 0 (x >= 0)",
           lambda x, alpha=0.01, at_zero=None: np.where(np.asarray(x) >= 0, 1.0, alpha)),
    Mutant("activations.gelu", "perturbed constant 0.044715 -> 0.04472 (tanh form)",
           lambda x, approximate="none": A.gelu(x) if approximate == "none" else
           0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.04472 * np.asarray(x) ** 3)))),
    Mutant("activations.gelu", "erf(x/2) instead of erf(x/√2) (exact form)",
           lambda x, approximate="none": 0.5 * x * _erfc(-np.asarray(x) / 2.0)
           if approximate == "none" else A.gelu(x, approximate="tanh")),
    Mutant("activations.gelu_grad", "x·φ(x) term dropped (exact form)",
           lambda x, approximate="none": 0.5 * _erfc(-np.asarray(x) / math.sqrt(2))
           if approximate == "none" else A.gelu_grad(x, approximate="tanh")),
    Mutant("activations.gelu_grad", "3·0.044715 -> 0.044715 in u' (tanh form)",
           lambda x, approximate="none": A.gelu_grad(x) if approximate == "none" else
           _gelu_tanh_grad_wrong(np.asarray(x, dtype=float))),
    Mutant("activations.softmax", "no max subtraction (overflows at z = 1000)",
           lambda z, axis=-1: np.exp(z) / np.sum(np.exp(z), axis=axis, keepdims=True)),
    Mutant("activations.softmax_jvp", "diag(s) v only: the -s sᵀv term dropped",
           lambda z, v, axis=-1: A.softmax(z, axis=axis) * v),
    Mutant("losses.mse", "divides by the number of rows, not of elements",
           _sum_terms_over_rows),
    Mutant("losses.mse_grad", "factor 2 missing",
           lambda p, y, reduction="mean": (np.asarray(p) - y) / np.asarray(p).size),
    Mutant("losses.cross_entropy", "clip at 1e-15 instead of the page's 1e-12",
           lambda p, y, eps=1e-12, reduction="mean": L.cross_entropy(
               p, y, eps=None if eps is None else 1e-15, reduction=reduction)),
    Mutant("losses.cross_entropy_grad", "sign flipped",
           lambda p, y, eps=1e-12, reduction="mean": -L.cross_entropy_grad(
               p, y, eps=eps, reduction=reduction)),
    Mutant("losses.softmax_cross_entropy", "log-softmax without the max shift",
           lambda z, y, reduction="mean": -np.sum(
               y * np.log(np.exp(z) / np.exp(z).sum(-1, keepdims=True))) / np.shape(z)[0]),
    Mutant("losses.softmax_cross_entropy_grad", "mean over all N·K elements, not N rows",
           lambda z, y, reduction="mean": (A.softmax(z) - y) / np.size(z)),
    Mutant("losses.binary_cross_entropy", "the two logs swapped",
           lambda p, y, eps=None, log_floor=None, reduction="mean": L.binary_cross_entropy(
               1.0 - np.asarray(p), y, eps=eps, log_floor=log_floor, reduction=reduction)),
    Mutant("losses.binary_cross_entropy_grad", "sign flipped: (y - ŷ)/(ŷ(1 - ŷ))",
           lambda p, y, eps=None, denom_floor=None, reduction="mean": -L.binary_cross_entropy_grad(
               p, y, eps=eps, denom_floor=denom_floor, reduction=reduction)),
    Mutant("losses.binary_cross_entropy_with_logits", "log(1 + e^|z|) instead of e^-|z|",
           lambda z, y, reduction="mean": np.mean(
               np.maximum(z, 0) - y * z + np.log1p(np.exp(np.minimum(np.abs(z), 700))))),
    Mutant("losses.binary_cross_entropy_with_logits_grad", "σ(-z) - y",
           lambda z, y, reduction="mean": (A.sigmoid(-np.asarray(z)) - y) / np.size(z)),
]


MUTANTS += [
    # perceptron (section perceptron)
    Mutant("perceptron.predict", "ŷ = 1 on the boundary (>= 0)", replace=("> 0)", ">= 0)")),
    Mutant("perceptron.update", "error ŷ − y instead of y − ŷ",
           replace=("error = y - predict(w, b, x)", "error = predict(w, b, x) - y")),
    Mutant("perceptron.train", "the last sample skipped each epoch",
           replace=("zip(X, y, strict=True)", "zip(X[:-1], y[:-1], strict=True)")),
    # MLP forward and backward (sections mlp, backprop)
    Mutant("mlp.forward", "bias dropped in the math layout",
           replace=("W @ a + b[:, None]", "W @ a")),
    Mutant("mlp.backward", "weight not transposed when propagating δ (math layout)",
           replace=("W.T @ delta if", "W @ delta if")),
    Mutant("mlp.backward", "weight not transposed when propagating δ (code layout)",
           replace=("else delta @ W.T", "else delta @ W")),
    Mutant("mlp.backward", "σ′(z) of the wrong layer (z⁽ˡ⁺¹⁾)",
           replace=("cache.zs[i - 1]", "cache.zs[i]")),
    Mutant("mlp._output_delta", "no batch mean: δ = ŷ − y", replace=("(y_hat - yt) / n", "(y_hat - yt)")),
    Mutant("mlp.loss", "the softmax cross-entropy summed over the batch, not averaged",
           replace=("yt.T if layout == \"math\" else yt))", "yt.T if layout == \"math\" else yt, "
                                                              "reduction=\"sum\"))")),
    Mutant("mlp.parameter_gradients", "code-layout gradients not transposed back",
           replace=("        grads = to_code_layout(grads)\n", "        pass\n")),
    Mutant("mlp.minibatch_gradient", "only the first sample of the batch used",
           replace=("idx = np.asarray(indices)", "idx = np.asarray(indices)[:1]")),
    Mutant("mlp.numerical_parameter_gradients", "ε = 1e-2 instead of the page's 1e-5",
           replace=("numerical_gradient(objective, flat, eps=eps)",
                    "numerical_gradient(objective, flat, eps=1e-2)")),
    # initialisation (section mnist)
    Mutant("init.he_std", "Xavier-like √(1/fan_in)", replace=("2.0 / fan_in", "1.0 / fan_in")),
    Mutant("init.he_normal", "uniform weights of the same variance",
           replace=("rng.standard_normal((fan_in, fan_out))",
                    "rng.uniform(-1.7320508075688772, 1.7320508075688772, (fan_in, fan_out))")),
    # gradient checking (section gradcheck)
    Mutant("gradcheck.numerical_gradient", "divides by ε, not 2ε",
           replace=("/ (2 * eps)", "/ eps")),
    Mutant("gradcheck.relative_error", "divides by 1e6·max(|a|, |n|)",
           replace=("np.abs(a - n) / np.where", "np.abs(a - n) / 1e6 / np.where")),
    # optimizers (section optim)
    Mutant("optim.sgd", "ascent: +ηg", replace=("return -lr * np.asarray", "return lr * np.asarray")),
    Mutant("optim.momentum", "the (1 − β) missing",
           replace=("scale = (1.0 - beta) if dampening else 1.0", "scale = 1.0")),
    Mutant("optim.rmsprop", "ε inside the root", replace=(
        "denom = np.sqrt(s + eps) if eps_in_sqrt else np.sqrt(s) + eps",
        "denom = np.sqrt(s + eps)")),
    Mutant("optim._adam_direction", "bias-correction exponent t + 1 instead of t",
           replace=("m / (1.0 - b1**t)", "m / (1.0 - b1 ** (t + 1))")),
    Mutant("optim._adam_direction", "v from g, not g²",
           replace=("(1.0 - b2) * g * g", "(1.0 - b2) * np.abs(g)")),
    Mutant("optim.adamw", "decay not scaled by the learning rate",
           replace=("-lr * (d + weight_decay * np.asarray(params, dtype=np.float64))",
                    "-lr * d - weight_decay * np.asarray(params, dtype=np.float64)")),
    Mutant("optim.adam", "scikit-learn's folded bias correction in place of the page's",
           replace=("eps=eps, bias_correction=bias_correction)", "eps=eps, bias_correction=\"folded\")")),
    *[Mutant(f"optim.{name}_trajectory", "the drawn hyperparameters ignored (defaults used)",
             function=lambda theta0, grads, _name=name, **hp: O.trajectory(
                 getattr(O, _name)(), theta0, grads))
      for name in ("sgd", "momentum", "rmsprop", "adam", "adamw")],
    Mutant("optim.trajectory", "the state never advances",
           replace=("updates, state = optimizer.update(g, state, theta)",
                    "updates, _ = optimizer.update(g, state, theta)")),
]


# Planted bugs of the reference's own contracts: empty inputs, NaN in → NaN out, the softmax
# JVP's exactness at a dominant class. Registry rows never draw such inputs, so these are
# killed by the contract tests (tests/test_reference_edges.py: test_contract_mutant_is_caught),
# not by a row. Each is the reference as it was before the contract was written.
CONTRACT_MUTANTS = [
    Mutant("activations.softmax", "max over the class axis without an initial value (an empty axis raises)",
           replace=(", initial=-np.inf)", ")")),
    Mutant("activations.softmax_jvp", "the cancelling form s ⊙ (v − ⟨s, v⟩) (loses the dominant class)",
           lambda z, v, axis=-1: _cancelling_softmax_jvp(z, v, axis=axis)),
    Mutant("activations.relu_grad", "NaN swallowed: the kink's value at NaN",
           replace=("np.where(x == 0, at_zero, np.nan)", "at_zero")),
    Mutant("activations.leaky_relu_grad", "NaN swallowed: the kink's value at NaN",
           replace=("np.where(x == 0, zero_value, np.nan)", "zero_value")),
    Mutant("activations.gelu_grad", "NaN swallowed: the tanh form's non-finite fallback taken at NaN",
           replace=(" | np.isnan(xd)", "")),
    Mutant("losses.cross_entropy_grad", "NaN masked to 0 as if outside the clip range",
           replace=("np.where(_clip_passes(y_pred, eps), g",
                    "np.where(_clip_passes(y_pred, eps) & (y_pred == y_pred), g")),
    Mutant("losses.mse_grad", "the mean's 1/N as a Python division (an empty batch raises ZeroDivisionError)",
           lambda p, y, reduction="mean": 2.0 * (np.asarray(p, dtype=float) - y) * (
               1.0 / np.size(p) if reduction == "mean" else 1.0)),
    Mutant("losses.softmax_cross_entropy", "no guard for an empty class axis (argmax of nothing raises)",
           replace=("    if z.shape[-1] == 0:", "    if False:")),
]


def _cancelling_softmax_jvp(z, v, *, axis=-1):
    s = A.softmax(z, axis=axis)
    return s * (np.asarray(v, dtype=s.dtype) - np.sum(s * v, axis=axis, keepdims=True))


def _gelu_tanh_grad_wrong(x):
    c = math.sqrt(2 / math.pi)
    u = c * (x + 0.044715 * x**3)
    t = np.tanh(u)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * c * (1 + 0.044715 * x**2)
