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


def _wire(v) -> Wire:
    return v if isinstance(v, Wire) else Wire(v)


def _unary(f, df, x, **kw) -> Wire:
    """A one-input gate ``f`` on wire ``x``, remembering its local gradient ``df``."""
    x = _wire(x)
    return Wire(f(x.value, **kw), ((x, float(df(x.value, **kw))),))


def _binary(f, df, x, y, **kw) -> Wire:
    """A symmetric two-input gate: ∂f/∂x = df(x, y), ∂f/∂y = df(y, x)."""
    x, y = _wire(x), _wire(y)
    return Wire(f(x.value, y.value), ((x, float(df(x.value, y.value, **kw))), (y, float(df(y.value, x.value, **kw)))))


def add(x, y):
    return _binary(G.add, G.add_grad, x, y)


def mul(x, y):
    return _binary(G.mul, G.mul_grad, x, y)


def maximum(x, y):
    return _binary(G.maximum, G.maximum_grad, x, y)


def reciprocal(x):
    return _unary(G.reciprocal, G.reciprocal_grad, x)


def exp(x):
    return _unary(G.exp, G.exp_grad, x)


def scale(x, a=-1.0):
    return _unary(G.scale, G.scale_grad, x, a=a)


def shift(x, c=1.0):
    return _unary(G.shift, G.shift_grad, x, c=c)


def sigmoid(x):
    return _unary(A.sigmoid, A.sigmoid_grad, x)


GATES: dict[str, Callable] = {"add": add, "mul": mul, "maximum": maximum, "reciprocal": reciprocal, "exp": exp,
                              "scale": scale, "shift": shift, "sigmoid": sigmoid}


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


__all__ = ["GATES", "Wire", "add", "exp", "maximum", "mul", "reciprocal", "scale", "shift", "sigmoid",
           "value_and_grad"]
