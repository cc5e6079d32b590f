"""The interface every oracle implements, and lazy loading by name."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

ORACLE_NAMES = ("torch", "jax", "jax.example_libraries", "sklearn")
_MODULES = {"torch": "oracles.torch_oracle", "jax": "oracles.jax_oracle",
            "jax.example_libraries": "oracles.jax_example_oracle",
            "sklearn": "oracles.sklearn_oracle"}
_INSTALL_HINT = {
    "torch": "pip install 'nnconf[torch]' (here: pip install torch==2.13.0 first)",
    "jax": "pip install 'nnconf[jax]'",
    "jax.example_libraries": "pip install 'nnconf[jax]'",
    "sklearn": "pip install scikit-learn",
}


class OracleUnavailable(RuntimeError):
    """The oracle's framework is not installed (or fails to import), or is disabled."""


DISABLE_ENV = "NNCONF_DISABLE"


def disabled() -> set[str]:
    """Frameworks turned off by ``NNCONF_DISABLE`` (comma-separated: ``torch``, ``jax``, ``sklearn``).

    Their rows are ``skipped`` as if the framework were not installed, and the framework is
    never imported (``jax`` also turns off ``jax.example_libraries``). The mutation run uses it:
    it forks one process per mutant, and XLA's threads do not survive a fork.
    """
    names = {n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()}
    unknown = names - {"torch", "jax", "sklearn"}
    if unknown:
        raise ValueError(f"{DISABLE_ENV}: unknown framework(s) {', '.join(sorted(unknown))}; "
                         "choose from torch, jax, sklearn")
    return names


DTYPES = ("float64", "float32")


@dataclass
class Oracle:
    """One framework behind the common interface.

    ``values`` maps an op name (``"sigmoid"``, ``"mse"``, ...) to a function of NumPy arrays
    and framework keyword settings returning a NumPy array. ``grads`` maps an op name to a
    function ``(args, cotangent, **settings) -> ndarray``: the vector-Jacobian product with
    respect to the first argument, computed by the framework (autodiff, or for scikit-learn
    its own derivative functions). ``jvps`` maps an op to ``(args, tangent, **settings)``: the
    Jacobian-vector product with respect to the first argument by forward-mode autodiff. All
    take ``dtype`` (``"float64"``, the default, or ``"float32"``): the inputs are converted to
    it and the framework computes in it.
    ``defaults`` maps an op to the framework's documented defaults of its canonical function,
    read from its signature: ``(qualified name, {parameter: default})``.
    """

    name: str
    version: str
    values: dict[str, Callable[..., np.ndarray]] = field(default_factory=dict)
    grads: dict[str, Callable[..., np.ndarray]] = field(default_factory=dict)
    defaults: dict[str, Callable[[], tuple[str, dict]]] = field(default_factory=dict)
    jvps: dict[str, Callable[..., np.ndarray]] = field(default_factory=dict)

    def supports(self, op: str, kind: str) -> bool:
        return op in (self.values if kind == "value" else self.grads)

    def value(self, op: str, args: tuple, *, dtype: str = "float64", **settings) -> np.ndarray:
        return np.asarray(self.values[op](*args, dtype=_dtype(dtype), **settings))

    def grad(self, op: str, args: tuple, cotangent, *, dtype: str = "float64", **settings) -> np.ndarray:
        return np.asarray(self.grads[op](args, cotangent, dtype=_dtype(dtype), **settings))

    def jvp(self, op: str, args: tuple, tangent, *, dtype: str = "float64", **settings) -> np.ndarray:
        return np.asarray(self.jvps[op](args, tangent, dtype=_dtype(dtype), **settings))

    def default(self, op: str) -> tuple[str, dict]:
        """``(qualified name, {parameter: default})`` of the framework's function for ``op``."""
        return self.defaults[op]()


def _dtype(dtype) -> str:
    name = np.dtype(dtype).name
    if name not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    return name


class OracleMismatch(ValueError):
    """A registry record names an oracle for an op the oracle does not offer."""


_REQUIRED: dict[str, dict[tuple[str, str], str]] = {}


def require(name: str, op: str, kind: str, *, by: str) -> None:
    """Record that ``by`` (a check id) needs oracle ``name`` to offer ``op`` as ``kind``
    (``value`` or ``grad``). Asserted at once when the oracle is loaded, else when it loads
    (the frameworks are imported lazily): a declaration cannot name an op its oracle lacks."""
    if name not in _MODULES:
        raise OracleMismatch(f"{by}: unknown oracle {name!r}; known: {', '.join(ORACLE_NAMES)}")
    _REQUIRED.setdefault(name, {})[(op, kind)] = by
    if name in _cache:
        _verify(_cache[name])


def _verify(oracle: Oracle) -> None:
    missing = [f"{by} ({kind} of {op!r})" for (op, kind), by in _REQUIRED.get(oracle.name, {}).items()
               if not oracle.supports(op, kind)]
    if missing:
        raise OracleMismatch(f"oracle {oracle.name} does not offer what the registry names: {', '.join(missing)}")


_cache: dict[str, Oracle] = {}


def get(name: str) -> Oracle:
    """The oracle called ``name``; raises :class:`OracleUnavailable` if it cannot load."""
    if name not in _MODULES:
        raise KeyError(f"unknown oracle {name!r}; known: {', '.join(ORACLE_NAMES)}")
    if name.split(".")[0] in disabled():
        raise OracleUnavailable(f"{name} is disabled by {DISABLE_ENV}={os.environ[DISABLE_ENV]}")
    if name not in _cache:
        try:
            module = importlib.import_module(_MODULES[name])
        except ImportError as exc:
            raise OracleUnavailable(
                f"{name} is not installed ({exc}); install it with: {_INSTALL_HINT[name]}"
            ) from exc
        _verify(module.ORACLE)
        _cache[name] = module.ORACLE
    return _cache[name]


def available(name: str) -> tuple[bool, str]:
    """``(True, version)`` or ``(False, reason)``."""
    try:
        return True, get(name).version
    except OracleUnavailable as exc:
        return False, str(exc)
