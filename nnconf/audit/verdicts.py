"""Verdict rules for printed numbers, and interval arithmetic over the page's printed inputs.

- ``confirmed``: the exact value (the reference's, float64) rounds to the printed text at its
  printed precision (round half away from zero on the binary value);
- ``rounding-slip``: not confirmed, but consistent with the page's own printed, rounded inputs:
  each printed input becomes the interval of ± half a unit in its last printed digit, the
  claim's ``slip`` expression is evaluated in interval arithmetic (mpmath ``iv``), and the
  printed result lies within that interval widened by half a unit of its own last digit (the
  page rounds what it computed);
- ``wrong``: neither.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from .page import numbers

VERDICTS = ("confirmed", "rounding-slip", "wrong", "missing", "false", "not-reproduced",
            "unverifiable", "stale")
FAILING = ("wrong", "false", "missing", "not-reproduced")


def decimals(token: str) -> int:
    return len(token.split(".")[1]) if "." in token else 0


def half_unit(token: str) -> Decimal:
    return Decimal(5) * Decimal(10) ** -(decimals(token) + 1)


def at_precision(value: float, token: str) -> Decimal:
    """``value`` rounded to the printed precision of ``token``."""
    return Decimal(float(value)).quantize(Decimal(10) ** -decimals(token), rounding=ROUND_HALF_UP)


def fmt(value: float, token: str) -> str:
    """``value`` at the printed precision of ``token`` (``-0`` shown as ``0``)."""
    q = at_precision(value, token)
    return str(q + 0 if q == 0 else q)


# ------------------------------------------------------------------ intervals
def _iv():
    from mpmath import iv
    iv.dps = 30
    return iv


def printed_interval(token: str):
    iv = _iv()
    c, h = Decimal(token.replace("−", "-")), half_unit(token)
    return iv.mpf([str(c - h), str(c + h)])


def _structure(text: str):
    """A printed value as a nested list of intervals (number, vector or matrix)."""
    t = text.strip()
    if t.startswith("[["):
        return [[printed_interval(x) for x in numbers(r)] for r in re.findall(r"\[([^\[\]]*)\]", t)]
    if t.startswith("["):
        return [printed_interval(x) for x in numbers(t)]
    return printed_interval(numbers(t)[0])


def _namespace():
    iv = _iv()

    def sigmoid(x):
        return 1 / (1 + iv.exp(-x))

    def softmax(z):
        # exp(z_i)/Σ exp(z_j) = 1/Σ exp(z_j - z_i): each input appears once per term
        return [1 / sum(iv.exp(zj - zi) if j != i else iv.mpf(1) for j, zj in enumerate(z))
                for i, zi in enumerate(z)]

    return {"exp": iv.exp, "log": iv.log, "sqrt": iv.sqrt, "sigmoid": sigmoid,
            "softmax": softmax, "abs": abs, "_x": lambda s: iv.mpf(s), "__builtins__": {}}


REF = re.compile(r"\{([\w.@\-]+)\}")
LITERAL = re.compile(r"(?<![\w.\"])(\d+(?:\.\d+)?(?:e[-+]?\d+)?)(?![\w.\"])")


def evaluate_slip(expression: str, printed: dict[str, str]):
    """Evaluate ``expression`` with ``{claim-id}`` replaced by that claim's printed value as
    an interval (or nested list of intervals) and its own literals exact. ``printed`` maps
    claim id -> printed text; a missing id raises KeyError."""
    refs = {}

    def sub(m):
        key = f"_r{len(refs)}"
        refs[key] = _structure(printed[m.group(1)])
        return key

    body = REF.sub(sub, expression)
    def literal(m):
        s, e = m.span()
        if body[s - 1:s] == "[" and body[e:e + 1] == "]":
            return m.group(1)  # an index, not a number
        return f'_x("{m.group(1)}")'

    body = LITERAL.sub(literal, body)
    return eval(body, _namespace(), refs)  # noqa: S307 (the project's own catalogue)


def _ends(x) -> tuple[Decimal, Decimal]:
    """The endpoints of an mpmath interval as Decimals (30 significant digits)."""
    from mpmath.libmp import to_str
    lo, hi = x._mpi_
    return Decimal(to_str(lo, 30)), Decimal(to_str(hi, 30))


def _flat(v) -> list:
    if isinstance(v, list | tuple):
        return [y for x in v for y in _flat(x)]
    return [v]


def judge_number(printed: str, computed, slip=None) -> tuple[str, str]:
    """Verdict and a one-line explanation for one printed value (number, vector or matrix)."""
    tokens = numbers(printed)
    values = np.ravel(np.asarray(computed, dtype=np.float64)).tolist()
    if len(tokens) != len(values):
        return "wrong", (f"prints {len(tokens)} number(s) ({printed}); the quantity has "
                         f"{len(values)}: {_show(values, tokens)}")
    intervals = _flat(slip) if slip is not None else None
    if intervals is not None and len(intervals) != len(values):
        raise ValueError(f"slip expression gives {len(intervals)} values, the claim has {len(values)}")
    worst, notes = "confirmed", []
    for i, (tok, val) in enumerate(zip(tokens, values, strict=True)):
        if at_precision(val, tok) == Decimal(tok):
            continue
        verdict = "wrong"
        where = f"[{i}] " if len(tokens) > 1 else ""
        note = f"{where}printed {tok}, exact {val:.6g} (rounds to {fmt(val, tok)})"
        if intervals is not None:
            lo, hi = _ends(intervals[i])
            h = half_unit(tok)
            if lo - h <= Decimal(tok) <= hi + h:
                verdict = "rounding-slip"
            note += f"; from the page's rounded inputs it lies in [{float(lo):.6g}, {float(hi):.6g}]"
        notes.append(note)
        if verdict == "wrong" or worst == "confirmed":
            worst = verdict if worst != "wrong" else worst
    if worst == "confirmed":
        return "confirmed", f"printed {printed}, exact {_show(values, tokens)}"
    return worst, "; ".join(notes)


def _show(values, tokens) -> str:
    if len(values) == 1:
        return f"{values[0]:.6g}"
    return "[" + ", ".join(f"{v:.6g}" for v in values) + "]"
