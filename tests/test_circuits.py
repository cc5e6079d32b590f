"""Backpropagation through circuits of gates (reference.circuit, by the gates' local gradients)
against torch.autograd and jax.grad of the same circuit written with the frameworks' own ops:
the three circuits of CS231n's "Backpropagation, Intuitions", at its inputs and at drawn ones."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference import circuit as C
from reference import gates as G

ORACLES = [pytest.param(name, id=name) for name in ("torch", "jax")]
RTOL = 1e-14  # a dozen correctly rounded ops and one exp per path (≤ 1 ulp each), in different orders


def _oracle(name):
    from oracles.base import disabled
    if name in disabled():
        pytest.skip(f"{name} disabled")
    mod = pytest.importorskip(f"oracles.{name}_oracle")
    return mod.CIRCUIT_GATES, mod.circuit_value_and_grad


def add_mul(g):
    return lambda x, y, z: g["mul"](g["add"](x, y), z)


def neuron(g):
    return lambda w0, x0, w1, x1, w2: g["reciprocal"](g["shift"](g["exp"](g["scale"](
        g["add"](g["add"](g["mul"](w0, x0), g["mul"](w1, x1)), w2)))))


def patterns(g):
    return lambda x, y, z, w: g["scale"](g["add"](g["mul"](x, y), g["maximum"](z, w)), a=2.0)


CIRCUITS = [(add_mul, {"x": -2.0, "y": 5.0, "z": -4.0}),
            (neuron, {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}),
            (patterns, {"x": 3.0, "y": -4.0, "z": 2.0, "w": -1.0})]


def _close(a, b):
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=1e-300)


def _agree(build, inputs, oracle):
    gates, value_and_grad = _oracle(oracle)
    v, g = C.value_and_grad(build(C.GATES), **inputs)
    fv, fg = value_and_grad(build(gates), **inputs)
    assert _close(v, fv), (v, fv)
    for k in inputs:
        assert _close(g[k], fg[k]), f"∂f/∂{k}: reference {g[k]!r}, {oracle} {fg[k]!r}"
    return v, g


@pytest.mark.parametrize("oracle", ORACLES)
@pytest.mark.parametrize("build,inputs", CIRCUITS, ids=["add_mul", "neuron", "patterns"])
def test_the_pages_circuits_agree_with_autograd(build, inputs, oracle):
    _agree(build, inputs, oracle)


def test_the_pages_printed_circuit_values():
    v, g = C.value_and_grad(add_mul(C.GATES), x=-2, y=5, z=-4)
    assert (v, g) == (-12.0, {"x": -4.0, "y": -4.0, "z": 3.0})
    v, g = C.value_and_grad(patterns(C.GATES), x=3, y=-4, z=2, w=-1)
    assert (v, g) == (-20.0, {"x": -8.0, "y": 6.0, "z": 2.0, "w": 0.0})


REAL = st.floats(-20, 20, allow_nan=False).filter(lambda v: abs(v) > 1e-3)


@pytest.mark.parametrize("oracle", ORACLES)
@given(st.tuples(REAL, REAL, REAL, REAL, REAL))
def test_drawn_neurons_agree_with_autograd(oracle, xs):
    _agree(neuron, dict(zip(("w0", "x0", "w1", "x1", "w2"), xs, strict=True)), oracle)


def test_gradients_add_up_at_forks():
    g = C.GATES  # f = x·x + x: the wire x feeds three inputs
    assert C.value_and_grad(lambda x: g["add"](g["mul"](x, x), x), x=3.0) == (12.0, {"x": 7.0})


def test_the_max_gate_at_a_tie_is_the_pages_rule_not_autograds():
    # the page: 1(x >= y) and 1(y >= x), both 1 at x = y; torch and JAX split a tie 0.5/0.5
    assert C.value_and_grad(lambda x, y: C.GATES["maximum"](x, y), x=2.0, y=2.0)[1] == {"x": 1.0, "y": 1.0}
    assert G.maximum_grad(2.0, 2.0, ties="split") == 0.5


def test_a_planted_bug_in_a_local_gradient_is_caught(monkeypatch):
    monkeypatch.setitem(C.GATES, "reciprocal", lambda x: C._unary(G.reciprocal, lambda v: 1.0 / v**2, x))
    with pytest.raises(AssertionError):
        _agree(*CIRCUITS[1], "torch")


def test_gates_follow_ieee_silently_and_keep_float32():
    import warnings

    import numpy as np
    big, tiny, inf = np.array([1e308]), np.array([1e-300]), np.array([np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert G.add(big, big)[0] == np.inf and np.isnan(G.add(inf, -inf)[0])
        assert G.mul(big, big)[0] == np.inf and G.mul(tiny, tiny)[0] == 0.0 and np.isnan(G.mul(inf, 0.0 * big)[0])
        assert G.reciprocal(np.array([0.0]))[0] == np.inf and G.reciprocal(np.array([5e-324]))[0] == np.inf
        assert G.reciprocal_grad(np.array([0.0, 5e-324]))[1] == -np.inf and G.exp(np.array([1e3]))[0] == np.inf
        assert G.maximum_grad(np.array([np.nan, 1.0]), np.array([1.0, np.nan])).tolist() != [1.0, 1.0]
    f32 = np.array([2.0, 3.0], dtype=np.float32)
    for gate in (G.add, G.add_grad, G.mul, G.mul_grad, G.maximum, G.maximum_grad):
        assert gate(f32, f32).dtype == np.float32 and gate(f32, f32.astype(np.float64)).dtype == np.float64, gate
    for gate in (G.reciprocal, G.reciprocal_grad, G.exp, G.exp_grad, G.scale, G.scale_grad, G.shift, G.shift_grad):
        assert gate(f32).dtype == np.float32, gate
    assert G.mul_grad(np.array([np.nan, 1.0]), np.array([2.0, 3.0]))[1] == 3.0
    assert np.isnan(G.add_grad(np.array([1.0, np.nan]), np.array([np.nan, 1.0]))).all()
    with pytest.raises(ValueError, match="ties must be"):
        G.maximum_grad(1.0, 2.0, ties="even")


def test_a_shared_wire_is_backpropagated_once():
    g = C.GATES  # q = x + y feeds both inputs of f = q·q: ∂f/∂x = 2q
    assert C.value_and_grad(lambda x, y: g["mul"](g["add"](x, y), g["add"](x, y)), x=1.0, y=2.0)[1] == {
        "x": 6.0, "y": 6.0}
    q = lambda x, y: g["add"](x, y)  # noqa: E731
    assert C.value_and_grad(lambda x, y: (lambda w: g["mul"](w, w))(q(x, y)), x=1.0, y=2.0) == (
        9.0, {"x": 6.0, "y": 6.0})


def test_a_constant_circuit_has_zero_gradients():
    assert C.value_and_grad(lambda x: 3.0, x=1.0) == (3.0, {"x": 0.0})
    assert C.value_and_grad(lambda x: C.GATES["add"](x, 2.0), x=1.0) == (3.0, {"x": 1.0})
