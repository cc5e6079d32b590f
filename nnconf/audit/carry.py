"""The verdict of a printed number (section 1 of issue 14's rule).

- A worked example's givens are exact (the reference computes from them; a ``slip``
  expression writes them as literals).
- ``confirmed``: the exact value rounds to the printed text at its printed precision.
- ``rounding-slip``: not confirmed, but reproduced by carrying some of the page's own *printed*
  intermediate results as printed: the claim's ``slip`` expression names them (``{claim-id}``);
  each is taken either exactly or as printed (a finite set of combinations, fewest carried
  first), evaluated exactly with mpmath at 50 digits and rounded at the printed precision.
  The explanation names what was carried.
- ``wrong``: neither. When it is reproduced only by carrying a printed intermediate that is
  itself ``wrong``, it says ``carried from <origin>`` (``carried_from`` in the record): the
  report shows one arithmetic slip and its consequences.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import mpmath
import numpy as np

from nnconf.audit.verdicts import DPS, rounds_to, show, show_rounded, tokens_of

REF = re.compile(r"\{([\w.@\-]+)\}")
LITERAL = re.compile(r"(?<![\w.\"])(\d+(?:\.\d+)?(?:e[-+]?\d+)?)(?![\w.\"])")
MAX_CARRIED = 8  # 2**8 combinations at most (the catalogue's slips name 1 to 4)


@dataclass(frozen=True, eq=False)
class Ref:
    """A printed intermediate a slip expression names."""
    id: str
    exact: object  # the reference's value (number or nested list)
    printed: str | None  # the page's text (None: not on the page, only the exact value)
    verdict: str
    origin: str | None  # the claim an error of this one is carried from (itself if an origin)


@dataclass
class Verdict:
    verdict: str
    explanation: str
    carried: tuple = ()
    carried_from: str | None = None


def _structure(text: str):
    """A printed value as nested lists of exact mpmath numbers (its decimal text at 50 digits)."""
    t = text.strip()
    if t.startswith("[["):
        return [[mpmath.mpf(x) for x in tokens_of(r)] for r in re.findall(r"\[([^\[\]]*)\]", t)]
    if t.startswith("["):
        return [mpmath.mpf(x) for x in tokens_of(t)]
    return mpmath.mpf(tokens_of(t)[0])


def _exact(value):
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return mpmath.mpf(float(arr))
    return [_exact(v) for v in arr]


def _namespace():
    def sigmoid(x):
        return 1 / (1 + mpmath.exp(-x))

    def softmax(z):
        e = [mpmath.exp(v) for v in z]
        s = mpmath.fsum(e)
        return [v / s for v in e]

    return {"exp": mpmath.exp, "log": mpmath.log, "sqrt": mpmath.sqrt, "sigmoid": sigmoid,
            "softmax": softmax, "abs": abs, "_x": mpmath.mpf, "__builtins__": {}}


def evaluate(expression: str, values: dict[str, object]):
    """``expression`` with ``{claim-id}`` replaced by ``values[claim-id]`` (mpmath numbers or
    nested lists) and its literals exact, at 50 digits."""
    refs = {}

    def sub(m):
        key = f"_r{len(refs)}"
        refs[key] = values[m.group(1)]
        return key

    body = REF.sub(sub, expression)

    def literal(m):
        s, e = m.span()
        if body[s - 1:s] == "[" and body[e:e + 1] == "]":
            return m.group(1)  # an index, not a number
        return f'_x("{m.group(1)}")'

    body = LITERAL.sub(literal, body)
    with mpmath.workdps(DPS):
        return eval(body, _namespace(), refs)  # noqa: S307 (the project's own catalogue)


def flat(v) -> list:
    if isinstance(v, list | tuple):
        return [y for x in v for y in flat(x)]
    return [v]


def judge(printed: str, exact, slip: str | None = None, refs: list[Ref] = ()) -> Verdict:
    """The verdict of one printed value (number, vector or matrix)."""
    tokens = tokens_of(printed)
    values = [float(v) for v in np.ravel(np.asarray(exact, dtype=np.float64))]
    if len(tokens) != len(values):
        return Verdict("wrong", f"prints {len(tokens)} number(s) ({printed}); the quantity has "
                                f"{len(values)}: {show(values)}")
    off = [i for i, (t, v) in enumerate(zip(tokens, values, strict=True)) if not rounds_to(v, t)]
    head = f"printed {printed}, exact {show(values, tokens)}"
    if not off:
        return Verdict("confirmed", head)
    head += f" (rounds to {show_rounded(values, tokens)})"
    if not slip:
        return Verdict("wrong", head)
    carriable = [r for r in refs if r.printed is not None]
    combos = [c for k in range(1, min(len(carriable), MAX_CARRIED) + 1)
              for c in itertools.combinations(carriable, k)]
    results = []  # (combo, values), fewest carried first
    for combo in combos:
        chosen = {r.id for r in combo}
        got = flat(evaluate(slip, {r.id: _structure(r.printed) if r.id in chosen else _exact(r.exact)
                                   for r in refs}))
        if len(got) != len(values):
            raise ValueError(f"slip expression gives {len(got)} values, the claim has {len(values)}")
        results.append((combo, got))

    def first(i, legit_only):
        return next(((c, g) for c, g in results if rounds_to(g[i], tokens[i])
                     and (not legit_only or all(r.verdict != "wrong" for r in c))), None)

    legit = {i: first(i, True) for i in off}
    if all(legit.values()):
        return _carried("rounding-slip", head, off, legit, None, tokens)
    anyway = {i: legit[i] or first(i, False) for i in off}
    if all(anyway.values()):
        bad = next(r for c, _ in anyway.values() for r in c if r.verdict == "wrong")
        return _carried("wrong", head, off, anyway, bad.origin or bad.id, tokens)
    if results:
        combo, got = results[-1]
        note = (f"; carrying the page's printed {_names(combo)} gives {show(got, tokens)} "
                f"(rounds to {show_rounded(got, tokens)})")
    else:
        note = "; none of the printed intermediates it is computed from is on the page"
    return Verdict("wrong", f"{head}{note}: neither reproduces the printed text, an arithmetic "
                            f"slip of the page's own")


def _names(combo) -> str:
    return ", ".join(f"{r.id} ({r.printed}" + (", itself wrong)" if r.verdict == "wrong" else ")")
                     for r in combo)


def _carried(verdict: str, head: str, off: list[int], chosen: dict, origin: str | None,
             tokens: list[str]) -> Verdict:
    combos = list(dict.fromkeys(c for c, _ in chosen.values()))
    used = tuple(dict.fromkeys(r.id for c in combos for r in c))
    if len(combos) == 1:
        gives = f"carrying the page's printed {_names(combos[0])} gives {show(chosen[off[0]][1], tokens)}"
    else:
        gives = "; ".join(f"[{i}] carrying the page's printed {_names(c)} gives {show([g[i]], [tokens[i]])}"
                          for i, (c, g) in chosen.items())
    prefix = f"carried from {origin}: " if origin else ""
    return Verdict(verdict, f"{prefix}{head}; {gives}, which rounds to the printed text",
                   carried=used, carried_from=origin)
