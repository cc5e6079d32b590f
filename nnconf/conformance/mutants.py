"""Planted bugs: one or more of every reference function the registry uses.

A check that cannot fail is a defect. ``tests/test_planted_bugs.py`` patches each mutant
into the ``reference`` package in turn and requires that at least one registry row using
that function fails. Mutants are the bugs a person porting the page would plausibly make:
a flipped sign, a perturbed constant, a wrong convention at a kink, a missing factor, an
unstable formula.

The bugs of a quantity's or an optimizer's own functions are declared with it
(``nnconf/conformance/checks/``); here are those of the functions several rows share (the network, the
perceptron, initialisation, gradient checking, the optimizers' common parts).
"""

from __future__ import annotations

import numpy as np

from nnconf.conformance.records import Mutant
from nnconf.conformance.registry import declared_mutants
from reference import activations as A

__all__ = ["CONTRACT_MUTANTS", "MUTANTS", "SHARED", "Mutant"]

SHARED = [
    # perceptron (section perceptron)
    Mutant("perceptron.net_input", "bias subtracted: w·x − b",
           replace=("@ np.asarray(w, dtype=np.float64) + b", "@ np.asarray(w, dtype=np.float64) - b")),
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
    Mutant("mlp.to_code_layout", "weights not transposed", replace=("np.asarray(W).T", "np.asarray(W)")),
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
    Mutant("optim.apply_updates", "θ − u instead of θ + u",
           replace=("dtype=np.float64) + updates", "dtype=np.float64) - updates")),
    Mutant("optim._adam_direction", "bias-correction exponent t + 1 instead of t",
           replace=("m / (1.0 - b1**t)", "m / (1.0 - b1 ** (t + 1))")),
    Mutant("optim._adam_direction", "v from g, not g²",
           replace=("(1.0 - b2) * g * g", "(1.0 - b2) * np.abs(g)")),
    Mutant("optim.trajectory", "the state never advances",
           replace=("updates, state = optimizer.update(g, state, theta)",
                    "updates, _ = optimizer.update(g, state, theta)")),
]

MUTANTS = [*declared_mutants(), *SHARED]

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

# Planted bugs of the 0-d contract (tests/test_reference_scalars.py): the reference before it.
SCALAR_MUTANTS = [
    Mutant("activations.softmax", "no 0-d rule (axis 0 of a 0-d input raises NumPy's AxisError)",
           replace=("    if z.ndim == 0:\n        return softmax(", "    if False:\n        return softmax(")),
    Mutant("activations.softmax", "a 0-d input takes any axis",
           replace=('axis=_scalar_axis("softmax", axis)', "axis=0")),
    Mutant("activations.softmax_jvp", "no 0-d rule (axis -1 of a 0-d input raises NumPy's AxisError)",
           replace=("    if z.ndim == 0:\n        axis = _scalar_axis", "    if False:\n        axis = _scalar_axis")),
    Mutant("losses.cross_entropy", "a 0-d input taken as one class",
           replace=('_class_pair("cross_entropy", ', "_pair(")),
    Mutant("losses.cross_entropy_grad", "a 0-d input taken as one class",
           replace=('_class_pair("cross_entropy_grad", ', "_pair(")),
    Mutant("losses.softmax_cross_entropy", "a 0-d input reaches the class axis",
           replace=('_class_pair("softmax_cross_entropy", ', "_pair(")),
    Mutant("losses.softmax_cross_entropy_grad", "a 0-d input reaches the class axis",
           replace=('_class_pair("softmax_cross_entropy_grad", ', "_pair(")),
    Mutant("mlp.forward", "a 0-d x reaches the matmul (NumPy's error names no contract)",
           replace=("    if a.ndim == 0:\n        raise", "    if False:\n        raise")),
    Mutant("perceptron.net_input", "a 0-d x reaches the matmul (NumPy's error names no contract)",
           replace=("    if x.ndim == 0:\n        raise", "    if False:\n        raise")),
]


def _cancelling_softmax_jvp(z, v, *, axis=-1):
    s = A.softmax(z, axis=axis)
    return s * (np.asarray(v, dtype=s.dtype) - np.sum(s * v, axis=axis, keepdims=True))
