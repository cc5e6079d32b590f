"""Which reference functions a computation calls.

:func:`recording` wraps every function of the ``reference`` package, in every reference module
that binds it (``losses`` binds ``activations.sigmoid`` too), for the duration of a ``with``
block, and collects the names (``"activations.sigmoid"``) of those called. The tests use it to
check each row's declared ``uses()``: a reference function a row calls but does not declare
would escape the planted-bug tests.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager
from types import FunctionType


def reference_modules() -> list:
    import reference
    return [importlib.import_module(f"reference.{m.name}") for m in pkgutil.iter_modules(reference.__path__)]


def qualified(fn) -> str:
    return f"{fn.__module__.removeprefix('reference.')}.{fn.__name__}"


def public_functions() -> set[str]:
    """Every function defined in the reference whose name is public."""
    return {qualified(f) for m in reference_modules() for name, f in vars(m).items()
            if isinstance(f, FunctionType) and f.__module__ == m.__name__ and not name.startswith("_")}


@contextmanager
def recording() -> Iterator[set[str]]:
    called: set[str] = set()
    patched = []

    def wrap(fn):
        name = qualified(fn)

        @functools.wraps(fn)
        def recorder(*args, **kwargs):
            called.add(name)
            return fn(*args, **kwargs)
        return recorder

    for module in reference_modules():
        for attr, value in list(vars(module).items()):
            if isinstance(value, FunctionType) and value.__module__.startswith("reference."):
                patched.append((module, attr, value))
                setattr(module, attr, wrap(value))
    try:
        yield called
    finally:
        for module, attr, value in patched:
            setattr(module, attr, value)
