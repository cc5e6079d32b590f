"""Verdicts, and the rounding rule for printed numbers.

A printed number with ``d`` decimals stands for every value within half a unit of its last
digit: ``v`` *rounds to* the printed text ``t`` when ``|v − t| ≤ ½·10⁻ᵈ + tol·|v|``. The
``tol`` term only decides exact ties (either rounding of a tie is accepted, as half-up and
half-even disagree there): 1e-12 for the reference's float64 values (within 101 ulp = 2.2e-14
of exact on every worked-example quantity, exactness table), 1e-40 for values computed by
mpmath at 50 digits.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import mpmath

from nnconf.audit.page import numbers

VERDICTS = ("confirmed", "rounding-slip", "wrong", "missing", "false", "not-reproduced",
            "unverifiable", "not-checkable", "stale", "unchecked", "inconsistent")
# the default gate: a page with a wrong number, a false claim, a missing step, an unreproduced
# result, a claim the catalogue cannot find on the page, a printed number no claim judges, or a
# claim that could not be judged in this run (no sandbox for the listings, no MNIST results, a
# framework missing): nothing passes silently. A claim the catalogue itself declares beyond
# computation (a theorem, advice; with its reason) is "not-checkable": reported, not gated.
FAILING = ("wrong", "false", "missing", "not-reproduced", "unverifiable", "stale", "unchecked")

FLOAT_TIE = 1e-12
MP_TIE = 1e-40
DPS = 50


def decimals(token: str) -> int:
    return len(token.split(".")[1]) if "." in token else 0


def half_unit(token: str) -> Decimal:
    return Decimal(5) * Decimal(10) ** -(decimals(token) + 1)


def at_precision(value: float, token: str) -> Decimal:
    """``value`` rounded to the printed precision of ``token`` (half away from zero)."""
    return Decimal(float(value)).quantize(Decimal(10) ** -decimals(token), rounding=ROUND_HALF_UP)


def fmt(value, token: str) -> str:
    """``value`` at the printed precision of ``token`` (``-0`` shown as ``0``)."""
    v = Decimal(mpmath.nstr(value, DPS, strip_zeros=False)) if isinstance(value, mpmath.mpf) else Decimal(float(value))
    q = v.quantize(Decimal(10) ** -decimals(token), rounding=ROUND_HALF_UP)
    return str(q + 0 if q == 0 else q)


def rounds_to(value, token: str, tol: float | None = None) -> bool:
    """Does ``value`` (a float or an mpmath number) round to the printed ``token``?"""
    with mpmath.workdps(DPS):
        v = mpmath.mpf(value)
        t = mpmath.mpf(token.replace("−", "-"))
        h = mpmath.mpf(5) * mpmath.mpf(10) ** -(decimals(token) + 1)
        tol = (MP_TIE if isinstance(value, mpmath.mpf) else FLOAT_TIE) if tol is None else tol
        return abs(v - t) <= h + tol * abs(v)


def show(values, tokens=None) -> str:
    """Values as text: with three more decimals than their printed tokens (6 significant digits
    without tokens), a list in brackets."""
    def one(v, t):
        if t is not None:
            d = decimals(t) + 3
            return f"{float(v):.{d}f}"
        return mpmath.nstr(v, 6) if isinstance(v, mpmath.mpf) else f"{float(v):.6g}"
    toks = list(tokens) if tokens is not None else [None] * len(values)
    if len(values) == 1:
        return one(values[0], toks[0])
    return "[" + ", ".join(one(v, t) for v, t in zip(values, toks, strict=True)) + "]"


def show_rounded(values, tokens) -> str:
    if len(values) == 1:
        return fmt(values[0], tokens[0])
    return "[" + ", ".join(fmt(v, t) for v, t in zip(values, tokens, strict=True)) + "]"


def tokens_of(printed: str) -> list[str]:
    return numbers(printed)
