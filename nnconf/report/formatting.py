"""Formatters shared by every renderer: numbers, settings, tolerances (with all their terms)."""

from __future__ import annotations

TOLERANCE_TERMS = ("rtol", "atol", "atol_x", "rtol_x", "atol_path")


def num(x) -> str:
    """A figure in 3 significant digits, scientific outside [1e-3, 1e4); ``–`` for none."""
    if x is None:
        return "–"
    if isinstance(x, str):
        return x
    if isinstance(x, bool):
        return str(x)
    if x == 0:
        return "0"
    return f"{x:.3g}" if 1e-3 <= abs(x) < 1e4 else f"{x:.2e}"


def settings(d: dict | None) -> str:
    """Keyword settings as ``k=v, ...``; ``defaults`` when there are none."""
    return ", ".join(f"{k}={v!r}" for k, v in (d or {}).items()) or "defaults"


def tolerance(tol: dict | None) -> str:
    """Every nonzero term of a tolerance (rtol always): ``rtol 1.78e-15, atol 4.44e-16, ...``."""
    if not tol:
        return "–"
    return ", ".join(f"{k} {num(tol[k])}" for k in TOLERANCE_TERMS if k == "rtol" or tol.get(k))


def matched(m: dict) -> str:
    """The reference settings a convention row agrees with, and the scale when not 1."""
    return settings(m["reference_settings"]) + (f" × {m['scale']}" if m["scale"] != 1 else "")


def ulp(v) -> str:
    return "–" if v is None else (v if isinstance(v, str) else f"{v:.3g}")


def clip(text, limit: int) -> str:
    """One line of at most ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
