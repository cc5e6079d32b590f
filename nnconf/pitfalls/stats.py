r"""Effect sizes with confidence intervals over seeds, and the verdict rule (section ``pitfalls``).

An effect is estimated from one value per seed (the "mistake" and the "fixed" arm share the
seed: the same initial weights and the same batches):

- ``mistake_minus_fixed`` / ``fixed_minus_mistake``: the paired difference
  :math:`d_s = m_s - f_s` (or :math:`f_s - m_s`);
- ``mistake_over_fixed``: the paired ratio, estimated on logarithms,
  :math:`d_s = \log(m_s / f_s)`, and reported back on the ratio scale;
- ``mistake_arm`` / ``fixed_arm``: one arm's values themselves.

The interval is Student's: :math:`\bar d \pm t_{(1+c)/2,\,S-1}\, s_d/\sqrt S` at confidence
:math:`c` over :math:`S` seeds (exponentiated for a ratio). With zero spread it is the point.

A test claims ``effect <claim> threshold`` (``greater``, ``at_least``, ``less``, ``at_most``):
``confirmed`` when the whole interval is on the claimed side, ``false`` when it is wholly on
the other side, ``unverifiable`` when it straddles the threshold, when fewer seeds than the
rule's minimum were run, or when a value is non-finite. A value that is only a bound
(a level never reached) may confirm only in the direction it bounds: it never turns into a
``false`` it cannot prove (or a ``confirmed`` it cannot). A claim with several tests is
``false`` if one is false, ``confirmed`` if all are, else ``unverifiable``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnconf.pitfalls.quantities import Value

EFFECTS = ("mistake_minus_fixed", "fixed_minus_mistake", "mistake_over_fixed", "mistake_arm",
           "fixed_arm")
CLAIMS = ("greater", "at_least", "less", "at_most")
RATIO = ("mistake_over_fixed",)
SYMBOL = {"greater": ">", "at_least": "≥", "less": "<", "at_most": "≤"}
EFFECT_TEXT = {"mistake_minus_fixed": "mistake − fixed", "fixed_minus_mistake": "fixed − mistake",
               "mistake_over_fixed": "mistake ÷ fixed", "mistake_arm": "mistake arm",
               "fixed_arm": "fixed arm"}


@dataclass(frozen=True)
class Estimate:
    effect: str
    estimate: float
    low: float
    high: float
    seeds: int
    bound: str  # "exact", "lower", "upper" or "unknown": what the per-seed values are
    values: tuple  # the per-seed effect values (ratio scale for a ratio)


def _flip(bound: str) -> str:
    return {"lower": "upper", "upper": "lower"}.get(bound, bound)


def _combine(a: str, b: str) -> str:
    if a == "exact":
        return b
    if b == "exact" or a == b:
        return a
    return "unknown"


def per_seed(effect: str, mistake: list[Value], fixed: list[Value]) -> tuple[list[float], str]:
    """The per-seed values of ``effect`` (log scale for a ratio) and their joint bound."""
    if effect == "mistake_arm":
        vals, bounds = [v.value for v in mistake], [v.bound for v in mistake]
    elif effect == "fixed_arm":
        vals, bounds = [v.value for v in fixed], [v.bound for v in fixed]
    else:
        if len(mistake) != len(fixed):
            raise ValueError(f"{len(mistake)} mistake values for {len(fixed)} fixed ones")
        vals, bounds = [], []
        for m, f in zip(mistake, fixed, strict=True):
            if effect == "mistake_over_fixed":
                ok = m.value > 0 and f.value > 0
                vals.append(math.log(m.value / f.value) if ok else float("nan"))
            else:
                vals.append(m.value - f.value)
            b = _combine(m.bound, _flip(f.bound))  # m − f: a lower bound on m bounds d below
            bounds.append(_flip(b) if effect == "fixed_minus_mistake" else b)
        if effect == "fixed_minus_mistake":
            vals = [-v for v in vals]
    bound = "exact"
    for b in bounds:
        bound = _combine(bound, b)
    return vals, bound


def estimate(effect: str, mistake: list[Value], fixed: list[Value], *, confidence: float) -> Estimate:
    """Mean of the per-seed effect values and its Student-t interval."""
    from scipy import stats

    vals, bound = per_seed(effect, mistake, fixed)
    d = np.asarray(vals, dtype=np.float64)
    n = len(d)
    if n == 0 or not np.all(np.isfinite(d)):
        mean = float(np.mean(d)) if n else float("nan")
        low = high = float("nan")
    else:
        mean = float(d.mean())
        if n < 2:
            low, high = -math.inf, math.inf
        else:
            half = float(stats.t.ppf((1 + confidence) / 2, n - 1) * d.std(ddof=1) / math.sqrt(n))
            low, high = mean - half, mean + half
    if effect in RATIO:
        mean, low, high = (math.exp(x) if not math.isnan(x) else x for x in (mean, low, high))
        vals = [math.exp(v) if math.isfinite(v) else v for v in vals]
    return Estimate(effect, mean, low, high, n, bound, tuple(float(v) for v in vals))


def judge(est: Estimate, claim: str, threshold: float, *, min_seeds: int) -> tuple[str, str]:
    """The verdict of one test and why, by the rule in the module docstring."""
    if est.seeds < min_seeds:
        return "unverifiable", f"{est.seeds} seed(s); the rule needs at least {min_seeds}"
    if any(math.isnan(x) for x in (est.estimate, est.low, est.high)):
        return "unverifiable", "a per-seed value is not finite"
    above = claim in ("greater", "at_least")
    strict = claim in ("greater", "less")
    lo_ok = est.low > threshold if strict else est.low >= threshold
    hi_ok = est.high < threshold if strict else est.high <= threshold
    holds, fails = (lo_ok, est.high < threshold) if above else (hi_ok, est.low > threshold)
    # a lower bound may show "greater", never "less"; an upper bound the reverse
    can_hold = est.bound == "exact" or est.bound == ("lower" if above else "upper")
    can_fail = est.bound == "exact" or est.bound == ("upper" if above else "lower")
    where = f"interval [{fmt(est.low)}, {fmt(est.high)}]"
    if holds and can_hold:
        return "confirmed", f"{where} is {SYMBOL[claim]} {fmt(threshold)}"
    if fails and can_fail:
        return "false", f"{where} lies on the other side of {fmt(threshold)}"
    if holds or fails:
        return "unverifiable", (f"{where}, but some per-seed values are only {est.bound} bounds "
                                "(a level not reached within the run)")
    return "unverifiable", f"{where} contains {fmt(threshold)}"


def combine(verdicts: list[str]) -> str:
    if "false" in verdicts:
        return "false"
    if verdicts and all(v == "confirmed" for v in verdicts):
        return "confirmed"
    return "unverifiable"


def fmt(x) -> str:
    """A number in three significant digits; also the JSON spellings "inf", "-inf", "nan"."""
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:.3g}"
