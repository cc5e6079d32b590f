"""Tolerances with their reasons, and the error measures every check reports.

A value ``got`` agrees with the reference ``want`` elementwise when

    |got - want| <= atol + rtol * |want| + atol_x * |x| + atol_path * path

where ``x`` is the check's first input (elementwise when shapes agree, else ``max |x|``):
``atol_x`` covers formulas whose absolute rounding error grows with the input (``x·Φ(x)``
computed as ``x·½(1 + erf)``); ``atol_path`` covers iterations (optimizer trajectories,
rows along axis 0) whose rounding errors accumulate with the distance travelled,
``Σ_s |θ_s − θ_{s−1}|``. Two NaNs agree (both undefined), as do equal infinities. The relative error is reported
where the reference is a normal number (``|want| >= 2.2e-308``); below, only the absolute
error means anything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

EPS = float(np.finfo(np.float64).eps)  # 2.22e-16, the spacing of float64 at 1
TINY = float(np.finfo(np.float64).tiny)  # 2.23e-308, the smallest normal float64


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    reason: str
    atol: float = 0.0
    atol_x: float = 0.0
    atol_path: float = 0.0
    rtol_x: float = 0.0  # relative error per unit of the largest |x| (errors exp amplifies)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Errors:
    """Measured disagreement between an implementation and the reference on one input."""

    max_abs: float
    max_rel: float
    margin: float  # max of |got - want| / allowed: <= 1 passes; 0 is exact agreement
    worst_index: tuple

    def merge(self, other: Errors | None) -> Errors:
        if other is None:
            return self
        return Errors(max(self.max_abs, other.max_abs), max(self.max_rel, other.max_rel),
                      max(self.margin, other.margin),
                      self.worst_index if self.margin >= other.margin else other.worst_index)


class ShapeMismatch(ValueError):
    pass


def measure(got, want, tol: Tolerance, x=None) -> Errors:
    """Elementwise errors of ``got`` against ``want`` under ``tol``."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        raise ShapeMismatch(f"shape {got.shape} where the reference has {want.shape}")
    both_nan = np.isnan(got) & np.isnan(want)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.where((got == want) | both_nan, 0.0, np.abs(got - want))
    diff = np.where(np.isnan(diff), np.inf, diff)
    scale_x = 0.0
    if x is not None and tol.atol_x:
        ax = np.abs(np.asarray(x, dtype=np.float64))
        scale_x = ax if ax.shape == want.shape else np.max(ax, initial=0.0)
    path = 0.0
    if tol.atol_path and want.ndim >= 1 and want.shape[0] > 1:
        steps = np.abs(np.diff(want, axis=0))
        path = np.concatenate([np.zeros_like(want[:1]), np.cumsum(steps, axis=0)])
    max_x = 0.0
    if x is not None and tol.rtol_x:
        max_x = float(np.max(np.abs(np.asarray(x, dtype=np.float64)), initial=0.0))
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        abs_want = np.where(np.isfinite(want), np.abs(want), 0.0)
        allowed = tol.atol + (tol.rtol + tol.rtol_x * max_x) * abs_want \
            + tol.atol_x * scale_x + tol.atol_path * path
        # a non-finite difference fails whatever the tolerance (an allowed error that overflows
        # to inf would otherwise give inf/inf = nan, which compares as "not above 1")
        ratio = np.where(diff == 0, 0.0, np.where((allowed > 0) & np.isfinite(diff), diff / allowed, np.inf))
        # relative error where the reference is a normal number (below that it has none)
        rel = np.where((diff == 0) | ~(np.abs(want) >= TINY), 0.0,
                       diff / np.where(np.abs(want) >= TINY, np.abs(want), 1.0))
        rel = np.where(~np.isfinite(want) & (diff > 0), np.inf, rel)
    if diff.size == 0:
        return Errors(0.0, 0.0, 0.0, ())
    worst = np.unravel_index(int(np.argmax(ratio)), ratio.shape) if ratio.ndim else ()
    return Errors(float(np.max(diff)), float(np.max(rel)), float(np.max(ratio)),
                  tuple(int(i) for i in worst))
