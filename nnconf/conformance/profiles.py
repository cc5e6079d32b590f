"""Hypothesis profiles: ``ci`` (default; derandomised, modest), ``thorough`` (the report),
``mutation`` (planted-bug runs: no shrinking, few examples, stops at the first failure)."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, Verbosity, settings

_COMMON = dict(deadline=None, database=None, verbosity=Verbosity.quiet,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much])

PROFILES = {
    "ci": settings(max_examples=40, derandomize=True, **_COMMON),
    "thorough": settings(max_examples=200, derandomize=False, **_COMMON),
    "mutation": settings(max_examples=25, derandomize=True,
                         phases=[Phase.explicit, Phase.generate], **_COMMON),
}
DEFAULT_SEED = 20261125  # the thorough profile's seed unless --seed is given


def _fixed_constant_pool() -> None:
    """Make a seed alone decide the drawn inputs.

    Hypothesis (6.13x and later) mixes into its draws numeric constants mined from every
    *local* module loaded in the process (our editable install, the test files). The inputs a
    row sees would then depend on which modules happen to be imported: pytest, the CLI and a
    report worker process would each draw differently. We pin that pool to empty. This reaches
    into a Hypothesis internal; where it is absent (older or newer versions) nothing changes.
    """
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover
        return
    if hasattr(providers, "_get_local_constants") and hasattr(providers, "_local_constants"):
        empty = type(providers._local_constants)()
        providers._get_local_constants = lambda: empty


_fixed_constant_pool()


def settings_for(name: str, cap: int | None = None) -> settings:
    """The profile's settings, with ``max_examples`` capped for costly checks."""
    base = get(name)
    return base if cap is None or cap >= base.max_examples else settings(base, max_examples=cap)


def get(name: str) -> settings:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown hypothesis profile {name!r}; "
                         f"choose from {', '.join(PROFILES)}") from None
