r"""Backpropagation through a circuit of gates, by the chain rule, with the local gradients of
:mod:`reference.gates` (CS231n "Backpropagation, Intuitions": every gate multiplies the
gradient on its output by its local gradient; gradients add up at forks).

A circuit is a Python function of scalars written with the functions of :data:`GATES`
(``mul(add(x, y), z)``). :func:`value_and_grad` calls it on :class:`Wire` inputs, records the
graph, and runs it backwards:

.. math::

    \frac{\partial f}{\partial x} = \sum_{\text{paths } x \to f}
    \prod_{\text{gates on the path}} \frac{\partial\,\text{out}}{\partial\,\text{in}}

Floats only (float64); the max gate uses the page's tie rule (:func:`reference.gates.maximum_grad`).
"""

from __future__ import annotations

from collections.abc import Callable

from . import activations as A
from . import gates as G


class Wire:
    """A value in the circuit, with the gates that made it (``parents``: (wire, local gradient))."""

    __slots__ = ("value", "parents", "grad")

    def __init__(self, value, parents=()):
        self.value = float(value)
        self.parents = tuple(parents)
        self.grad = 0.0


def _unary(f, df):
    def gate(x, **kw):
        x = x if isinstance(x, Wire) else Wire(x)
        return Wire(f(x.value, **kw), ((x, float(df(x.value, **kw))),))
    gate.__name__, gate.__doc__ = f.__name__, f.__doc__
    return gate


def _binary(f, df):
    def gate(x, y, **kw):
        x = x if isinstance(x, Wire) else Wire(x)
        y = y if isinstance(y, Wire) else Wire(y)
        return Wire(f(x.value, y.value), ((x, float(df(x.value, y.value, **kw))),
                                          (y, float(df(y.value, x.value, **kw)))))
    gate.__name__, gate.__doc__ = f.__name__, f.__doc__
    return gate


GATES: dict[str, Callable] = {
    "add": _binary(G.add, G.add_grad), "mul": _binary(G.mul, G.mul_grad),
    "maximum": _binary(G.maximum, G.maximum_grad), "reciprocal": _unary(G.reciprocal, G.reciprocal_grad),
    "exp": _unary(G.exp, G.exp_grad), "scale": _unary(G.scale, G.scale_grad),
    "shift": _unary(G.shift, G.shift_grad), "sigmoid": _unary(A.sigmoid, A.sigmoid_grad),
}


def _order(out: Wire) -> list[Wire]:
    """The wires from ``out`` back to the inputs, each after every wire it feeds (iterative DFS)."""
    seen, order, stack = set(), [], [(out, False)]
    while stack:
        w, done = stack.pop()
        if done:
            order.append(w)
            continue
        if id(w) in seen:
            continue
        seen.add(id(w))
        stack.append((w, True))
        stack.extend((p, False) for p, _ in w.parents if id(p) not in seen)
    return order[::-1]


def value_and_grad(f: Callable, **inputs) -> tuple[float, dict[str, float]]:
    """``f(**inputs)`` and its gradient with respect to every named input, by backpropagation
    through the gates ``f`` is written with (:data:`GATES`, called as ``f``'s globals)."""
    wires = {name: Wire(v) for name, v in inputs.items()}
    out = f(**wires)
    if not isinstance(out, Wire):  # a constant circuit: no input reaches the output
        return float(out), dict.fromkeys(inputs, 0.0)
    out.grad = 1.0
    for w in _order(out):
        for parent, local in w.parents:
            parent.grad += local * w.grad  # the chain rule; += : gradients add up at forks
    return out.value, {name: w.grad for name, w in wires.items()}


__all__ = ["GATES", "Wire", "value_and_grad"]
