"""The reference's contract on 0-d inputs, generated from the registry like the empty-input one.

torch's rule: a function over an axis takes a 0-d tensor as a one-element vector along dim 0
or −1 (``torch.softmax(torch.tensor(2.), 0) == 1``). So, for every reference function a
registry row uses (``Check.uses()``):

- elementwise functions and elementwise losses (MSE, BCE) give the 0-d result equal to the
  one-element vector's single entry;
- ``softmax`` and ``softmax_jvp`` (over ``axis``) treat a 0-d input as one class, for
  ``axis`` 0 and −1, and raise a ``ValueError`` naming the rule for any other axis;
- the cross-entropies (a class sum), the networks (a batch of samples) and the perceptron
  raise a ``ValueError`` that names what they take;
- the optimizers update a 0-d parameter as a one-element one.

A :class:`Check`'s function gets its 0-d inputs from its input strategy (``SCALAR_BY_STRATEGY``);
helpers only properties use are listed in ``SCALAR_BY_FUNCTION``. A function with neither
fails ``test_scalar_inputs`` until its contract is written. The planted bugs of this contract
(``nnconf.conformance.mutants.SCALAR_MUTANTS``: the reference before it) are each caught.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from nnconf.conformance.mutants import SCALAR_MUTANTS
from nnconf.conformance.strategies import Case
from reference import activations as A
from reference import gradcheck as G
from reference import init as I
from reference import mlp as M
from reference import optim as O
from reference import perceptron as P

from .test_reference_edges import REDUCTIONS, USED, _net, check_result, contract_cases, equal, raises

X0 = np.float64(0.3)  # a 0-d input; 0.3 and 1.0 are inside every function's domain
Y0 = np.float64(1.0)


def _scalar(x):
    return np.asarray(x, dtype=np.float64).reshape(())


def _as_one_element(check, case: Case):
    """The check's reference on the one-element vectors of ``case``'s 0-d inputs, squeezed."""
    vec = Case(tuple(np.reshape(a, 1) for a in case.args),
               None if case.cotangent is None else np.reshape(case.cotangent, 1), case.kwargs)
    return np.asarray(check.compute_reference(vec)).reshape(())


def _like_one_element(check, cases):
    return [(label, case, ("equal_vector", _as_one_element(check, case))) for label, case in cases]


def _elementwise(check):
    return _like_one_element(check, [("0-d", Case((X0,)))])


def _with_cotangent(check):
    return _like_one_element(check, [("0-d", Case((X0,), Y0))])


def _pair(check):  # the binary gates, elementwise
    return _like_one_element(check, [("0-d", Case((X0, Y0)))])


def _pair_loss(check):
    return _like_one_element(check, [(f"0-d, {r}", Case((X0, Y0), kwargs={"reduction": r})) for r in REDUCTIONS])


def _class_loss(check):
    return [(f"0-d, {r}", Case((X0, Y0), kwargs={"reduction": r}), raises(ValueError, "0-d input has no class axis"))
            for r in REDUCTIONS]


def _network(check):  # a network's input is a batch: x (and y) 0-d is an error naming it
    return [("0-d x", Case((X0, Y0, *_NET)), NET_RAISES)]


def _optimizer(check):
    # θ₀ 0-d and one 0-d gradient per step: a one-element trajectory of shape (T + 1,)
    grads = np.array([0.5, -0.25])
    vec = Case((np.array([X0]), grads[:, None]))
    want = np.asarray(check.compute_reference(vec))[:, 0]
    return [("0-d parameter", Case((X0, grads)), ("equal_vector", want))]


SCALAR_BY_STRATEGY = {
    "elementwise": _elementwise,
    "logits_with_cotangent": _with_cotangent,
    "pairs": _pair,
    "regression_pairs": _pair_loss,
    "binary_probabilities": _pair_loss,
    "binary_logits": _pair_loss,
    "probabilities_one_hot": _class_loss,
    "logits_one_hot": _class_loss,
    "networks": _network,
    "optimizer_runs": _optimizer,
}


def _update(name):
    opt = getattr(O, name)()
    theta, g = _scalar(X0), _scalar(Y0)
    one = opt.update(np.reshape(g, 1), opt.init(np.reshape(theta, 1)), np.reshape(theta, 1))[0]
    return [("update of a 0-d parameter", lambda: opt.update(g, opt.init(theta), theta)[0],
             ("equal_vector", one.reshape(())))]


_NET = [a for pair in _net()[0] for a in pair]
NET_RAISES = raises(ValueError, "forward: x is a batch of shape")
SCALAR_BY_FUNCTION = {
    # softmax over either axis a 0-d input has (torch: dim 0 or -1), and no other
    "activations.softmax": [
        ("axis 0", lambda: A.softmax(_scalar(X0), axis=0), equal(1.0)),
        ("axis -1", lambda: A.softmax(_scalar(X0), axis=-1), equal(1.0)),
        *[(f"axis {a}", lambda a=a: A.softmax(_scalar(X0), axis=a),
           raises(ValueError, "a 0-d input is a one-element vector, so axis must be 0 or -1")) for a in (1, -2)]],
    "activations.softmax_jvp": [
        ("axis 0", lambda: A.softmax_jvp(_scalar(X0), _scalar(Y0), axis=0), equal(0.0)),
        *[(f"axis {a}", lambda a=a: A.softmax_jvp(_scalar(X0), _scalar(Y0), axis=a),
           raises(ValueError, "a 0-d input is a one-element vector, so axis must be 0 or -1")) for a in (1, -2)]],
    "mlp.forward": [("0-d x", lambda: M.forward(_net()[0], X0), NET_RAISES)],
    "mlp.backward": [("0-d x", lambda: M.backward(_net()[0], M.forward(_net()[0], X0), Y0), NET_RAISES)],
    "mlp._output_delta": [("through backward", lambda: M.parameter_gradients(X0, Y0, *_NET), NET_RAISES)],
    "mlp.loss": [("0-d x", lambda: M.loss(_net()[0], X0, Y0), NET_RAISES)],
    "mlp.minibatch_gradient": [("0-d x", lambda: M.minibatch_gradient(_net()[0], X0, Y0, []),
                                raises(IndexError, "too many indices"))],
    "mlp.to_code_layout": [("a 0-d bias", lambda: M.to_code_layout([(np.zeros((1, 2)), np.zeros(()))])[0][1],
                            equal(0.0))],
    "gradcheck.numerical_gradient": [
        ("0-d point", lambda: G.numerical_gradient(lambda v: float(np.sum(v * v)), _scalar(X0)),
         ("equal_vector", G.numerical_gradient(lambda v: float(np.sum(v * v)), np.reshape(X0, 1)).reshape(())))],
    "gradcheck.relative_error": [("0-d pair", lambda: G.relative_error(_scalar(X0), _scalar(Y0)),
                                  ("equal_vector",
                                   G.relative_error(np.reshape(X0, 1), np.reshape(Y0, 1)).reshape(())))],
    "init.he_std": [("a 0-d fan_in", lambda: I.he_std(np.int64(2)), equal(1.0))],
    "init.he_normal": [("0-d sizes", lambda: I.he_normal(np.int64(2), np.int64(3), np.random.default_rng(0)).shape,
                        equal([2, 3]))],
    "perceptron.net_input": [("0-d x", lambda: P.net_input(np.ones(1), 0.5, X0),
                              raises(ValueError, r"net_input: x is a sample \(d,\) or a batch \(N, d\)"))],
    "perceptron.predict": [("0-d x", lambda: P.predict(np.ones(1), 0.5, X0), raises(ValueError, "net_input: x is"))],
    "perceptron.update": [("0-d x", lambda: P.update(np.ones(1), 0.5, X0, 1), raises(ValueError, "net_input: x is"))],
    "perceptron.train": [("0-d X", lambda: P.train(X0, Y0),
                          raises(ValueError, r"X must be a batch of shape \(N, d\)"))],
    "optim.apply_updates": [("0-d parameter", lambda: O.apply_updates(_scalar(X0), _scalar(Y0)), equal(X0 + Y0))],
    "optim.trajectory": [("0-d parameter", lambda: O.trajectory(O.sgd(lr=0.1), _scalar(X0), np.array([1.0, 2.0])),
                          ("equal_vector", O.trajectory(O.sgd(lr=0.1), np.reshape(X0, 1),
                                                        np.array([[1.0], [2.0]]))[:, 0]))],
    "optim._adam_direction": _update("adam"),
    **{f"optim.{name}": _update(name) for name in ("sgd", "momentum", "rmsprop", "adam", "adamw")},
}


def scalar_cases(name: str) -> list:
    """(label, thunk, expected) for every 0-d input of reference function ``name``."""
    return contract_cases(name, SCALAR_BY_STRATEGY, SCALAR_BY_FUNCTION, lambda b, c: b(c), "0-d inputs")


def _check(thunk, want, label):
    if want[0] == "equal_vector":  # the one-element vector's result, as a 0-d array (or the trajectory)
        got = np.asarray(thunk())
        expect = np.asarray(want[1], dtype=float)
        assert got.shape == expect.shape, f"{label}: shape {got.shape}, want {expect.shape}"
        assert np.array_equal(got.astype(float), expect, equal_nan=True), f"{label}: got {got!r}, want {expect!r}"
        return
    check_result(thunk, want, label)


@pytest.mark.parametrize("name", USED)
def test_scalar_inputs(name):
    cases = scalar_cases(name)
    assert cases, f"no 0-d contract for reference function {name}: add one to SCALAR_BY_FUNCTION"
    for label, thunk, want in cases:
        _check(thunk, want, label)


def test_the_generated_contract_covers_every_declared_function():
    assert len(USED) >= 50 and all(scalar_cases(name) for name in USED)


@pytest.mark.mutation
@pytest.mark.parametrize("mutant", SCALAR_MUTANTS, ids=lambda m: f"{m.target}: {m.description}")
def test_scalar_mutant_is_caught(mutant, monkeypatch):
    module, name = mutant.target.rsplit(".", 1)
    monkeypatch.setattr(importlib.import_module(f"reference.{module}"), name, mutant.build())
    try:
        test_scalar_inputs(mutant.target)
    except (Exception, pytest.fail.Exception):  # an assertion, a missing error, or the crash it forbids
        return
    pytest.fail(f"no 0-d contract test catches the planted bug in {mutant.target}: {mutant.description}")
