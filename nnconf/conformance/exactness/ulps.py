"""Errors in ULPs against an exact (mpmath) value, and the 'worse than the best framework' rule."""

from __future__ import annotations

import math

import mpmath
import numpy as np


def ulps(got: float, exact, dtype) -> float:
    """|got − exact| in units of the spacing of ``exact`` rounded to ``dtype``; a non-finite
    result where the exact value is finite is infinitely many ULPs."""
    with np.errstate(over="ignore"):
        ed = np.asarray(float(exact) if mpmath.isfinite(exact) and abs(exact) < mpmath.mpf(2) ** 1030
                        else float(mpmath.sign(exact)) * math.inf, dtype=dtype)
    if not math.isfinite(got):  # overflow to ±inf is right when the exact value rounds to it
        return 0.0 if (got == float(ed) or not mpmath.isfinite(exact)) else math.inf
    tiny = float(np.finfo(dtype).smallest_subnormal)
    with np.errstate(over="ignore"):
        ulp = float(np.spacing(np.abs(ed))) if np.isfinite(ed) and ed != 0 else (
            tiny if ed == 0 else float(np.spacing(np.finfo(dtype).max)))
    return float(abs(mpmath.mpf(got) - exact) / ulp)


def worse_than_best(errors: dict[str, list], formula: str, dtype: str, at: list) -> list[dict]:
    """Inputs where the reference's ULP error exceeds the best framework's by more than 1
    (``errors``: implementation -> errors per input, ``at``: how to name each input)."""
    ref = errors.get("reference")
    others = {k: v for k, v in errors.items() if k != "reference"}
    out = []
    for i, r in enumerate(ref if ref and others else []):
        best_impl, best = min(((k, v[i]) for k, v in others.items()), key=lambda kv: kv[1])
        if r > best + 1:
            out.append({"formula": formula, "dtype": dtype, "at": at[i], "reference_ulp": r,
                        "best": best_impl, "best_ulp": best})
    return out
