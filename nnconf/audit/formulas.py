"""The page's displayed formulas as claims (issue 14, item 5).

A formula claim records the formula's text as printed (located on the page: rewritten →
``stale``), its transcription (``sympy``: one expression per member of a printed chain
``A = B = C``, or the assignments of an update rule) and the ``quantity`` it states
(``quantities.py``). It is ``confirmed`` when every member equals the quantity's truth: SymPy
proves the difference 0, or, against the reference, every sample point agrees within 1e-12
relative (float64 evaluation of the same quantity in another order: a few ulp; a wrong formula
is off by far more). Formulas the page gives for the same quantity must also agree with each
other (:func:`agreement`): if not, ``false`` with the difference.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from nnconf.audit.quantities import POINTS, QUANTITIES, Quantity

RTOL = 1e-12


class Finding(NamedTuple):
    verdict: str
    computed: str
    explanation: str


def _sp():
    import sympy
    return sympy


@functools.cache
def _names(name: str) -> dict:
    return QUANTITIES[name].names()


def _parse(text: str, names: dict):
    from sympy.parsing.sympy_parser import auto_number, parse_expr
    return parse_expr(text, local_dict=dict(names), global_dict={"__builtins__": __builtins__, "range": range,
                                                                 "sum": sum, "Integer": _sp().Integer,
                                                                 "Float": _sp().Float, "Rational": _sp().Rational},
                      transformations=(auto_number,), evaluate=True)


def _indices(q: Quantity):
    if not q.index:
        return [{}]
    if len(q.index) == 1:
        (name, rng), = q.index
        return [{name: i} for i in (range(rng) if isinstance(rng, int) else rng)]
    (n1, r1), (n2, r2) = q.index
    return [{n1: a, n2: b} for a in range(r1) for b in range(r2) if a != b]


def value(name: str, member, args: dict | None = None):
    """A transcription's value: a list over the quantity's indices (SymPy or NumPy)."""
    q = QUANTITIES[name]
    names = {**_names(name), **q.defaults, **(args or {})}
    if q.program:
        return [q.run(names, list(member), args or {})]
    out = []
    for idx in _indices(q):
        ns = {**names, **idx}
        if q.kind == "symbolic":
            v = _parse(member, ns)
            for k, d in q.defaults.items():
                v = v.subs(names[k], d) if hasattr(names[k], "free_symbols") else v
            out.append(v)
        else:
            out.append(np.asarray(eval(member, {**ns, "__builtins__": {}}), dtype=float))  # noqa: S307
    return out


def _truth(name: str, args: dict):
    q = QUANTITIES[name]
    t = q.truth(_names(name), {**q.defaults, **(args or {})})
    return t if isinstance(t, list | np.ndarray) else [t]


def _at_points(expr) -> np.ndarray:
    sp = _sp()
    x = next(iter(expr.free_symbols), None)
    return np.array([float(expr.subs(x, sp.Float(p, 30)).evalf(30)) if x is not None else float(expr)
                     for p in POINTS])


def _zero(expr) -> bool:
    """Is ``expr`` identically 0? Exact rewritings: as a rational function of its exponentials,
    by ``simplify``, and with tanh etc. rewritten as exponentials."""
    sp = _sp()
    if sp.cancel(sp.together(expr)) == 0:
        return True
    e = expr.rewrite(sp.exp)
    return sp.cancel(sp.together(e)) == 0 or sp.simplify(e) == 0


def _close(got, want) -> tuple[bool, float]:
    got, want = np.asarray(got, float).ravel(), np.asarray(want, float).ravel()
    if got.shape != want.shape:
        return False, float("inf")
    scale = np.maximum(np.abs(want), np.max(np.abs(want), initial=0.0) * 1e-3)
    err = np.abs(got - want) / np.where(scale == 0, 1.0, scale)
    return bool(np.all(err <= RTOL)), float(np.max(err, initial=0.0))


def compare(name: str, got: list, truth) -> tuple[bool, str]:
    """Does a member's value equal the truth? (yes/no, the difference in words)."""
    q = QUANTITIES[name]
    if q.kind == "symbolic" and isinstance(truth, np.ndarray):  # against the reference at POINTS
        ok, err = _close(np.concatenate([_at_points(g) for g in got]), truth)
        return ok, f"largest relative difference {err:.2g} over x ∈ {list(POINTS)}"
    if q.kind == "symbolic":
        bad = [g - t for g, t in zip(got, truth, strict=True) if not _zero(g - t)]
        return not bad, ("difference proved 0" if not bad else f"difference {_sp().simplify(bad[0])}")
    want = truth if isinstance(truth, list) else [truth]
    if len(want) != len(got):
        want = [np.concatenate([np.ravel(w) for w in want])]
        got = [np.concatenate([np.ravel(g) for g in got])]
    ok, err = _close(np.concatenate([np.ravel(g) for g in got]), np.concatenate([np.ravel(w) for w in want]))
    return ok, f"largest relative difference {err:.2g}"


def check(raw: dict) -> str | None:
    """Why a formula claim cannot be judged as written (None if it can): the catalogue's check."""
    name = raw.get("quantity")
    if name not in QUANTITIES:
        return f"unknown quantity {name!r} (known: {', '.join(sorted(QUANTITIES))})"
    members = raw["sympy"] if isinstance(raw["sympy"], list) else [raw["sympy"]]
    try:
        if QUANTITIES[name].program:
            value(name, members, raw.get("args"))
        else:
            for m in members:
                value(name, m, raw.get("args"))
    except Exception as exc:  # noqa: BLE001 (any failure is the transcription's)
        return f"transcription does not evaluate for quantity {name!r} ({type(exc).__name__}: {exc})"
    return None


def judge(claim) -> Finding:
    """A formula claim's verdict: every member against the quantity's truth."""
    q = QUANTITIES[claim.quantity]
    members = [claim.sympy] if q.program else list(claim.sympy)
    truth = _truth(claim.quantity, claim.args)
    notes, bad = [], []
    for m in members:
        ok, how = compare(claim.quantity, value(claim.quantity, m, claim.args), truth)
        shown = "the update rule" if q.program else m
        notes.append(f"{shown}: {how}")
        if not ok:
            bad.append(shown)
    src = f"against {q.source}"
    if bad:
        return Finding("false", "differs", f"{'; '.join(notes)} ({src}): not {q.what}")
    return Finding("confirmed", "equal", f"{'; '.join(notes)} ({src})")


def agreement(claims: list) -> Finding:
    """Formulas the page gives for one quantity, compared with each other."""
    name = claims[0].quantity
    q = QUANTITIES[name]
    vals = [(c, value(name, c.sympy if q.program else c.sympy[0], c.args)) for c in claims]
    first_c, first_v = vals[0]
    problems = []
    for c, v in vals[1:]:
        ok, how = compare(name, v, first_v)
        if not ok:
            problems.append(f"{c.id} ({c.printed!r}) and {first_c.id} ({first_c.printed!r}) differ: "
                            f"{_ratio(name, v, first_v) or how}")
    shown = " = ".join(repr(c.printed) for c in claims)
    if problems:
        return Finding("false", "differ", f"the page gives {q.what} as {shown}: " + "; ".join(problems))
    return Finding("confirmed", "agree", f"the page gives {q.what} as {shown}: they agree")


def _ratio(name: str, a: list, b: list) -> str | None:
    """'the first is r × the second' when the two differ by a constant factor."""
    q = QUANTITIES[name]
    if q.kind == "symbolic":
        r = _sp().simplify(a[0] / b[0]) if b[0] != 0 else None
        return f"the first is ({r}) × the second" if r is not None and not r.free_symbols else None
    x, y = np.concatenate([np.ravel(v) for v in a]), np.concatenate([np.ravel(v) for v in b])
    if np.all(y != 0):
        r = x / y
        if np.allclose(r, r[0], rtol=1e-12):
            n = _names(name).get("N")
            note = (f" (= N, with N = {n} samples here)" if n and np.isclose(r[0], n) else
                    f" (= 1/N, with N = {n} samples here)" if n and np.isclose(r[0] * n, 1) else "")
            return f"the first is {r[0]:.6g} × the second{note}"
    return None
