r"""Displayed LaTeX, transcribed by a parser and checked by SymPy.

The transcription is latex2sympy2-extended's (``latex2sympy``), chosen over SymPy's own
``parse_latex`` because it reads what teaching pages write without edits: ``\left( … \right)``,
``e^{-x}`` as ``exp(-x)``, ``\max(x, y)``, ``\frac{d\sigma(x)}{dx}`` as a derivative and
``\sigma(x)`` as an applied function, and its grammar ships with it (``parse_latex`` needs an
ANTLR runtime of one exact version).

A displayed block is split into equations at ``\\`` line breaks and ``\rightarrow``, and each
equation into the parts of its chain ``a = b = c``. An equation whose left part is a function
applied to symbols (``\sigma(x) = \frac{1}{1+e^{-x}}``) *defines* that function for the rest of
the block. :func:`check_chains` then substitutes the definitions, evaluates derivatives, and
proves each chain's parts equal (their difference simplifies to 0), or reports the first part
that differs. Parts the parser cannot read are reported as such, never passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

SPACING = re.compile(r"\\quad|\\qquad|\\,|\\;|\\!")
# between equations: a line break, an arrow, or a wide \hspace (the pages' column separator)
BREAKS = re.compile(r"\\\\\\\\|\\\\|\\rightarrow|\\Rightarrow|\\hspace\{[^}]*\}")


@dataclass(frozen=True)
class Chain:
    line: int
    latex: str
    verdict: str  # "proved", "differs", "unreadable", "definition"
    detail: str = ""


def _parse(part: str):
    from latex2sympy2_extended import latex2sympy
    return latex2sympy(part.strip())


def equations(block: str) -> list[str]:
    text = SPACING.sub(" ", block)
    return [e.strip() for e in BREAKS.split(text) if e.strip()]


def check_chains(block: str, line: int) -> list[Chain]:
    """Every equation chain of the displayed block, proved or not (definitions first)."""
    out, defs = [], {}
    for eq in equations(block):
        parts = [p for p in eq.split("=") if p.strip()]
        if len(parts) < 2:
            continue
        try:
            exprs = [_parse(p) for p in parts]
        except Exception as exc:  # the parser's own errors: the part is reported, not passed
            out.append(Chain(line, eq, "unreadable", f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"))
            continue
        head = exprs[0]
        if len(exprs) == 2 and isinstance(head, sp.core.function.AppliedUndef) and all(
                isinstance(a, sp.Symbol) for a in head.args):
            defs.pop(head.func, None)  # a redefinition is the latest
            defs[head.func] = sp.Lambda(head.args, exprs[1])
            out.append(Chain(line, eq, "definition", f"{head} := {exprs[1]}"))
            continue
        vals = [_expand(e, defs) for e in exprs]
        bad = next((i for i in range(1, len(vals)) if sp.simplify(vals[i] - vals[0]) != 0), None)
        out.append(Chain(line, eq, "proved" if bad is None else "differs",
                         "" if bad is None else f"part {bad + 1} ({parts[bad].strip()}) ≠ part 1"))
    return out


def _expand(e, defs):
    """``e`` with the block's definitions substituted: an applied function by its body, and a
    bare symbol ``f`` (as in ``\\frac{df}{dx}``) by the body of the latest definition named
    ``f`` or ``f_…`` (the function the equation is about)."""
    for f, lam in defs.items():
        e = e.replace(f, lam)
    for sym in sorted(e.free_symbols, key=str):
        latest = [lam for f, lam in defs.items() if str(f) == str(sym) or str(f).startswith(f"{sym}_")]
        if latest:
            lam = latest[-1]
            e = e.subs(sym, lam.expr)
    return e.doit()
