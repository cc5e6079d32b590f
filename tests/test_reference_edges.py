"""The reference's contracts on empty inputs and on NaN, generated from the registry.

Every reference function a registry row uses (``Check.uses()``, as the planted-bug tests
enumerate them) is called on empty inputs: an empty batch, an empty class axis, shapes
``(0,)``, ``(3, 0)``, ``(5, 0, 0)`` where the function takes any shape. It must return an
empty output of the right shape, silently, or, where an empty input has no meaning, the
behaviour its module docstring states (a mean over nothing is NaN; a layer without inputs
has no He scale: ``ValueError``). A :class:`Check`'s function gets its empty inputs from its
input strategy (``EMPTY_BY_STRATEGY``), so a new check with an existing strategy is covered
with no edit here; functions only properties or helpers use are listed in ``EMPTY_BY_FUNCTION``.
A function with neither fails ``test_empty_inputs`` until its contract is written.

NaN policy (the modules' docstrings): NaN in, NaN out. Every :class:`Check`'s function, each
derivative included, gets a NaN in turn in each of its array inputs, at a case drawn from the
check's own strategy.

``softmax_jvp`` is within a few ulp of mpmath in the exactness table. The planted bugs of
these contracts (``nnconf.conformance.mutants.CONTRACT_MUTANTS``) are each caught here.
"""

from __future__ import annotations

import importlib
import random
import warnings

import hypothesis
import numpy as np
import pytest

from nnconf.conformance.exactness import measure
from nnconf.conformance.mutants import CONTRACT_MUTANTS
from nnconf.conformance.registry import Check, all_checks
from nnconf.conformance.strategies import Case
from reference import gradcheck as G
from reference import init as I
from reference import mlp as M
from reference import optim as O
from reference import perceptron as P

CHECKS = [c for c in all_checks() if isinstance(c, Check)]
USED = sorted({name for c in all_checks() for name in c.uses()})
ANY_SHAPE = ((0,), (3, 0), (5, 0, 0), (0, 3))
REDUCTIONS = ("mean", "sum", "none")
NAN = float("nan")


def _strategy_name(check: Check) -> str:
    inputs = check.inputs
    return getattr(inputs, "func", inputs).__name__


def drawn(check: Check, rows: int = 2) -> Case:
    """The first case (seeded, not shrunk) of the check's own strategy whose first input has
    ≥ ``rows`` rows, two-dimensional (≥ 2 columns) where the strategy gives such inputs."""
    return _DRAWN.get((check.id, rows)) or _DRAWN.setdefault((check.id, rows), _find(check, rows))


_DRAWN: dict = {}
FIND = hypothesis.settings(database=None, max_examples=60, deadline=None, phases=[hypothesis.Phase.generate])


def _find(check: Check, rows: int) -> Case:
    def has_rows(case, two_d):
        a = np.asarray(case.args[0])
        return a.ndim >= 1 and a.shape[0] >= rows and (not two_d or (a.ndim == 2 and a.shape[1] >= 2))

    for two_d in (True, False):
        try:
            return hypothesis.find(check.inputs(), lambda c, t=two_d: has_rows(c, t), random=random.Random(0),
                                   settings=FIND)
        except hypothesis.errors.NoSuchExample:
            continue
    raise AssertionError(f"{check.id}: its strategy never gives {rows} rows")


# ------------------------------------------------------------------ expected results
def shape(s):
    """The output is an array of shape ``s``."""
    return ("shape", tuple(s))


def equal(value):
    """The output equals ``value`` (NaN where ``value`` is NaN), shape included."""
    return ("equal", np.asarray(value, dtype=float))


def raises(exc, match):
    return ("raises", exc, match)


def _loss_cases(check, terms_shape, shapes, count):
    """A loss (value or gradient) over empty ``shapes``: the gradient is empty of its
    argument's shape; the value is NaN for a mean over no terms, 0 for a sum, the (empty or
    zero) terms for ``"none"``. ``terms_shape(s)`` / ``count(s)``: the unreduced terms' shape
    and the number a mean divides by."""
    out = []
    for s in shapes:
        for r in REDUCTIONS:
            case = Case((np.zeros(s), np.zeros(s)), kwargs={"reduction": r})
            if check.kind == "grad":
                want = shape(s)
            elif r == "none":
                want = equal(np.zeros(terms_shape(s)))
            else:
                want = equal(NAN if r == "mean" and count(s) == 0 else 0.0)
            out.append((f"shape {s}, {r}", case, want))
    return out


def _elementwise_loss(check, case):  # MSE, BCE: terms per element, a mean over every element
    return _loss_cases(check, lambda s: s, ANY_SHAPE, lambda s: int(np.prod(s)))


def _class_loss(check, case):
    # cross-entropies: (N, K) or one sample (K,); terms per sample, a mean over the N samples.
    # Empty batch (0, K); empty class axis (3, 0) and (0,): each sample's class sum is empty (0).
    return _loss_cases(check, lambda s: s[:-1], ((0, 3), (3, 0), (0,)),
                       lambda s: s[0] if len(s) > 1 else 1)


def _network(check, case):
    x, y, *params = case.args
    empty = Case((x[:0], y[:0], *params), kwargs=case.kwargs)
    n = sum(np.size(p) for p in params)
    # backprop sums over no samples: zeros; the central difference of the NaN loss: NaN
    want = np.full(n, NAN) if check.reference == "mlp.numerical_parameter_gradients" else np.zeros(n)
    return [("empty batch", empty, equal(want))]


def _optimizer(check, case):
    theta0, grads = case.args
    no_params = Case((theta0[:0], grads[:, :0]), kwargs=case.kwargs)
    no_steps = Case((theta0, grads[:0]), kwargs=case.kwargs)
    return [("no parameters", no_params, shape((len(grads) + 1, 0))),
            ("no steps", no_steps, equal(theta0[None]))]


EMPTY_BY_STRATEGY = {
    "elementwise": lambda check, case: [(f"shape {s}", Case((np.zeros(s),)), shape(s)) for s in ANY_SHAPE],
    "logits_with_cotangent": lambda check, case: [
        (f"shape {s}", Case((np.zeros(s),), np.zeros(s)), shape(s)) for s in ANY_SHAPE],
    "pairs": lambda check, case: [(f"shape {s}", Case((np.zeros(s), np.zeros(s))), shape(s)) for s in ANY_SHAPE],
    "regression_pairs": _elementwise_loss,
    "binary_probabilities": _elementwise_loss,
    "binary_logits": _elementwise_loss,
    "probabilities_one_hot": _class_loss,
    "logits_one_hot": _class_loss,
    "networks": _network,
    "optimizer_runs": _optimizer,
}


# ------------------------------------------------------------------ helpers and properties
def _net():
    rng = np.random.default_rng(0)
    params = [(rng.normal(size=(3, 2)), rng.normal(size=3)), (rng.normal(size=(2, 3)), rng.normal(size=2))]
    return params, np.zeros((0, 2)), np.zeros((0, 2))


def _flat(grads):
    return np.concatenate([g.ravel() for pair in grads for g in pair])


def _backward(loss, output, layout="math"):
    params, x, y = _net()
    params = params if layout == "math" else M.to_code_layout(params)
    kw = dict(output=output, layout=layout)
    return _flat(M.backward(params, M.forward(params, x, **kw), y, loss=loss, **kw))


NET_ZEROS = equal(np.zeros(17))
NETWORK_OUTPUTS = (("cross_entropy", "softmax"), ("mse", "softmax"), ("mse", "sigmoid"), ("mse", "identity"))


def _optimizer_entry(name):
    def update(s):
        opt = getattr(O, name)()
        return opt.update(np.zeros(s), opt.init(np.zeros(s)), np.zeros(s))[0]
    return [(f"update, parameters of shape {s}", lambda s=s: update(s), shape(s)) for s in ((0,), (3, 0))]


EMPTY_BY_FUNCTION = {
    "mlp.forward": [
        ("empty batch, math layout", lambda: M.forward(_net()[0], _net()[1]).activations[-1], shape((2, 0))),
        ("empty batch, code layout", lambda: M.forward(M.to_code_layout(_net()[0]), _net()[1],
                                                       layout="code").activations[-1], shape((0, 2)))],
    "mlp.backward": [(f"empty batch, {loss} of {out}, {layout}", lambda a=(loss, out, layout): _backward(*a),
                      NET_ZEROS) for loss, out in NETWORK_OUTPUTS for layout in ("math", "code")],
    # the output layer's δ, through backward (its only caller): the softmax JVP path with MSE
    "mlp._output_delta": [("through backward, mse of softmax", lambda: _backward("mse", "softmax"), NET_ZEROS)],
    "mlp.loss": [(f"empty batch, {loss} of {out}", lambda a=(loss, out): M.loss(*_net(), loss=a[0], output=a[1]),
                  equal(NAN)) for loss, out in NETWORK_OUTPUTS],
    "mlp.to_code_layout": [("a layer of no units", lambda: M.to_code_layout([(np.zeros((0, 2)), np.zeros(0))])[0][0],
                            shape((2, 0)))],
    "mlp.minibatch_gradient": [
        (f"no indices ({kind})", lambda i=idx: _flat(M.minibatch_gradient(_net()[0], np.ones((4, 2)),
                                                                         np.eye(2)[[0, 1, 1, 0]], i)), NET_ZEROS)
        for kind, idx in (("list", []), ("int array", np.array([], dtype=int)))],
    "gradcheck.numerical_gradient": [
        (f"shape {s}", lambda s=s: G.numerical_gradient(_never_called, np.zeros(s)), shape(s)) for s in ANY_SHAPE],
    "gradcheck.relative_error": [
        (f"shape {s}", lambda s=s: G.relative_error(np.zeros(s), np.zeros(s)), shape(s)) for s in ANY_SHAPE],
    "init.he_std": [("fan_in 0", lambda: I.he_std(0), raises(ValueError, "fan_in must be at least 1, got 0"))],
    "init.he_normal": [
        ("fan_out 0", lambda: I.he_normal(3, 0, np.random.default_rng(0)), shape((3, 0))),
        ("fan_in 0", lambda: I.he_normal(0, 3, np.random.default_rng(0)),
         raises(ValueError, "fan_in must be at least 1, got 0"))],
    "perceptron.predict": [
        ("empty batch", lambda: P.predict(np.ones(2), 0.5, np.zeros((0, 2))), shape((0,))),
        ("no features", lambda: P.predict(np.ones(0), 0.5, np.zeros((3, 0))), equal([1, 1, 1]))],  # w·x = 0, b > 0
    "perceptron.net_input": [
        ("empty batch", lambda: P.net_input(np.ones(2), 0.5, np.zeros((0, 2))), shape((0,))),
        ("no features", lambda: P.net_input(np.ones(0), 0.5, np.zeros((3, 0))), equal([0.5, 0.5, 0.5]))],
    "perceptron.update": [("no features", lambda: P.update(np.ones(0), 0.5, np.zeros(0), 1)[0], shape((0,)))],
    "perceptron.train": [
        ("empty batch", lambda: P.train(np.zeros((0, 2)), np.zeros(0), epochs=3).w, equal([0.0, 0.0])),
        ("empty batch: no mistakes", lambda: P.train(np.zeros((0, 2)), np.zeros(0), epochs=3).mistakes,
         equal([0, 0, 0])),
        ("a 1-D X", lambda: P.train([], []), raises(ValueError, r"X must be a batch of shape \(N, d\), got shape"))],
    "optim.apply_updates": [("no parameters", lambda: O.apply_updates(np.zeros(0), np.zeros(0)), shape((0,)))],
    "optim.trajectory": [
        ("no parameters", lambda: O.trajectory(O.adam(), np.zeros(0), np.zeros((4, 0))), shape((5, 0))),
        ("no steps", lambda: O.trajectory(O.adam(), np.ones(2), np.zeros((0, 2))), equal([[1.0, 1.0]]))],
    # Adam's direction, through adam's update (its only callers are adam and adamw)
    "optim._adam_direction": _optimizer_entry("adam"),
    **{f"optim.{name}": _optimizer_entry(name) for name in ("sgd", "momentum", "rmsprop", "adam", "adamw")},
}


def _never_called(v):
    raise AssertionError("f evaluated on an empty input")


def contract_cases(name: str, by_strategy: dict, by_function: dict, build, what: str) -> list:
    """(label, thunk, expected) for reference function ``name``: from each of its checks'
    strategies (``by_strategy[strategy](check)``, via ``build``) and ``by_function[name]``.
    Shared by the empty-input and the 0-d contracts."""
    out = []
    for check in CHECKS:
        if check.reference != name:
            continue
        builder = by_strategy.get(_strategy_name(check))
        assert builder, f"{check.id}: no {what} for strategy {_strategy_name(check)!r}; add it"
        for label, case, want in build(builder, check):
            out.append((f"{check.id}: {label}", lambda c=case, k=check: k.compute_reference(c), want))
    return out + [(f"{name}: {label}", thunk, want) for label, thunk, want in by_function.get(name, [])]


def empty_cases(name: str) -> list:
    """(label, thunk, expected) for every empty input of reference function ``name``."""
    return contract_cases(name, EMPTY_BY_STRATEGY, EMPTY_BY_FUNCTION, lambda b, c: b(c, drawn(c)), "empty inputs")


def check_result(thunk, want, label):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # silently: no RuntimeWarning either
        if want[0] == "raises":
            with pytest.raises(want[1], match=want[2]):
                thunk()
            return
        out = thunk()
    if want[0] == "shape":
        assert isinstance(out, np.ndarray) and out.shape == want[1], f"{label}: got {np.shape(out)}"
    else:
        got = np.asarray(out, dtype=float)
        assert got.shape == want[1].shape and np.array_equal(got, want[1], equal_nan=True), f"{label}: got {out!r}"


@pytest.mark.parametrize("name", USED)
def test_empty_inputs(name):
    cases = empty_cases(name)
    assert cases, f"no empty-input contract for reference function {name}: add one to EMPTY_BY_FUNCTION"
    for label, thunk, want in cases:
        check_result(thunk, want, label)


# ------------------------------------------------------------------ NaN in, NaN out
def _with_nan(case: Case, position, index):
    """``case`` with a NaN at ``index`` of input ``position`` (an index into the positional
    inputs, or ``"cotangent"``)."""
    def poison(a):
        a = np.array(a, dtype=np.float64, copy=True)
        a[index] = NAN
        return a
    if position == "cotangent":
        return Case(case.args, poison(case.cotangent), case.kwargs)
    args = list(case.args)
    args[position] = poison(args[position])
    return Case(tuple(args), case.cotangent, case.kwargs)


def nan_positions(case: Case):
    """(input, index) pairs: the first and the last entry of every array input."""
    inputs = [i for i, a in enumerate(case.args) if np.size(a) > 0 and np.ndim(a) > 0]
    inputs += ["cotangent"] if case.cotangent is not None else []
    for position in inputs:
        shape = np.shape(case.cotangent if position == "cotangent" else case.args[position])
        for flat in sorted({0, int(np.prod(shape)) - 1}):
            yield position, np.unravel_index(flat, shape)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: f"{c.id}={c.reference}")
def test_nan_in_nan_out(check):
    case = drawn(check)
    clean = np.asarray(check.compute_reference(case), dtype=float)
    for position, index in nan_positions(case):
        where = f"{check.reference} with a NaN in input {position} at {index} ({check.id})"
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = np.asarray(check.compute_reference(_with_nan(case, position, index)), dtype=float)
        given = np.asarray(case.cotangent if position == "cotangent" else case.args[position])
        assert np.isnan(out).any(), f"{where}: no NaN in the result {out!r}"
        if out.shape == given.shape:  # elementwise or per row: NaN at the NaN, other rows as before
            assert np.isnan(out[index]), f"{where}: {out!r}"
            if out.ndim >= 2:
                others = np.arange(out.shape[0]) != index[0]
                assert np.array_equal(out[others], clean[others], equal_nan=True), f"{where}: other rows changed"


def test_cross_entropy_of_a_nan_probability_is_nan_whatever_the_label():
    # 0·log 0 = 0 is about p = 0: a NaN prediction where the label is 0 is still NaN (torch.xlogy)
    from reference import losses as L
    p, y = np.array([[NAN, 1.0]]), np.array([[0.0, 1.0]])
    for eps in (None, L.PAGE_CE_CLIP):
        assert np.isnan(L.cross_entropy(p, y, eps=eps)) and np.isnan(L.cross_entropy_grad(p, y, eps=eps)[0, 0])


# ------------------------------------------------------------------ the softmax JVP's exactness
JVP_MAX_ULP = 2.0  # one final rounding (½ ulp) after long-double (float32: float64) arithmetic;
# measured ≤ 0.56 ulp over 4 × 1000 draws; the cancelling form reaches 10¹⁵ ulp and more


def test_softmax_jvp_in_the_exactness_table_within_a_few_ulp():
    r = measure.run("ci", None, 200, names=["softmax_jvp"])
    ref = {row["dtype"]: row for row in r["rows"] if row["impl"] == "reference"}
    assert set(ref) == set(measure.DTYPES) and all(row["n"] >= 150 for row in ref.values())
    for dtype, row in ref.items():
        assert row["max_ulp"] <= JVP_MAX_ULP, f"softmax_jvp {dtype}: {row['max_ulp']:.3g} ulp at {row['at']}"
    assert not r["violations"], r["violations"][:3]


# ------------------------------------------------------------------ each contract can fail
@pytest.mark.mutation
@pytest.mark.parametrize("mutant", CONTRACT_MUTANTS, ids=lambda m: f"{m.target}: {m.description}")
def test_contract_mutant_is_caught(mutant, monkeypatch):
    module, name = mutant.target.rsplit(".", 1)
    monkeypatch.setattr(importlib.import_module(f"reference.{module}"), name, mutant.build())
    probes = [("empty inputs", lambda: test_empty_inputs(mutant.target))]
    probes += [(f"NaN ({c.id})", lambda c=c: test_nan_in_nan_out(c)) for c in CHECKS if c.reference == mutant.target]
    if mutant.target == "activations.softmax_jvp":
        probes.append(("exactness", test_softmax_jvp_in_the_exactness_table_within_a_few_ulp))
    caught = []
    for label, probe in probes:
        try:
            probe()
        except Exception as exc:  # an assertion, or the crash the contract forbids
            caught.append(f"{label}: {type(exc).__name__}")
    assert caught, f"no contract test catches the planted bug in {mutant.target}: {mutant.description}"
