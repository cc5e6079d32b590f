"""The one registry of checks, read by the tests, the report (and later tables and audit).

A :class:`Check` names a page quantity (``act.sigmoid.grad``), its page section, the
reference function that computes it, the op each oracle computes it with, the inputs
hypothesis draws, the tolerance with its reason, and per oracle the *variants* to run:

- :class:`Page` — oracle settings that reproduce the page; the row passes or fails;
- :class:`Convention` — a framework setting (usually its default) that differs from the
  page. The row records the measured difference from the page, and *asserts* that the
  framework agrees with the reference under the stated alternative convention (reference
  keywords ``matches``, times ``scale``, at inputs whose subnormals are flushed to zero when
  ``flush_subnormals``): a convention is understood, not just observed.

Adding a formula = one reference function + one :class:`Check` in ``nnconf/checks/``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis.strategies import SearchStrategy

from .strategies import Case
from .tolerance import Tolerance


@dataclass(frozen=True)
class Page:
    settings: dict = field(default_factory=dict)
    note: str = ""
    label: str = "page"


@dataclass(frozen=True)
class Convention:
    label: str
    settings: dict
    matches: dict
    note: str
    scale: float = 1.0
    flush_subnormals: bool = False  # compare with the reference at inputs flushed to ±0
    tolerance: Tolerance | None = None  # for the matched formula, if not the check's own


Variant = Page | Convention


@dataclass(frozen=True)
class Check:
    id: str
    section: str
    op: str
    kind: str  # "value" or "grad"
    reference: str  # "module.function" inside the ``reference`` package
    inputs: Callable[[], SearchStrategy[Case]]
    tolerance: Tolerance
    oracles: dict[str, tuple[Variant, ...]]
    reference_settings: dict = field(default_factory=dict)
    examples: tuple[Case, ...] = ()
    description: str = ""
    helpers: tuple[str, ...] = ()  # other reference functions the reference call relies on
    max_examples: int | None = None  # a cap on the profile's examples, for costly checks

    def uses(self) -> tuple[str, ...]:
        return (self.reference, *self.helpers)

    def reference_function(self) -> Callable:
        """Resolved at call time, so a patched reference (a planted bug) is what runs."""
        module, name = self.reference.rsplit(".", 1)
        return getattr(importlib.import_module(f"reference.{module}"), name)

    def compute_reference(self, case: Case, **overrides):
        settings = {**self.reference_settings, **(case.kwargs or {}), **overrides}
        fn = self.reference_function()
        if self.kind == "grad" and case.cotangent is not None:
            return fn(*case.args, case.cotangent, **settings)
        return fn(*case.args, **settings)


@dataclass
class Outcome:
    """What a :class:`Property` measured: its status, figures, and a one-line note."""

    status: str  # "pass" | "fail" | "convention"
    note: str
    figures: dict = field(default_factory=dict)
    examples: int = 1
    max_abs_err: float | None = None
    tolerance: Tolerance | None = None


@dataclass(frozen=True)
class Property:
    """A page claim or a statistical/structural check that is not a value comparison: XOR
    is not linearly separable, stacked linear layers collapse, He init's distribution, ...

    ``run(profile, seed) -> Outcome`` computes it (hypothesis inside where inputs are drawn);
    ``oracle`` names what independent implementation it relies on (``"reference"`` when it
    checks the reference against mathematics only); ``references`` are the reference
    functions it exercises (for the planted-bug tests)."""

    id: str
    section: str
    oracle: str
    run: Callable[[str, int | None], Outcome]
    references: tuple[str, ...]
    description: str = ""
    label: str = "property"
    max_examples: int | None = None

    def uses(self) -> tuple[str, ...]:
        return self.references


@dataclass(frozen=True)
class Row:
    """One runnable unit: a check against one oracle under one variant."""

    check: Check | Property
    oracle: str
    variant: Variant

    @property
    def key(self) -> str:
        return f"{self.check.id}[{self.oracle}:{self.variant.label}]"


def all_checks() -> list[Check]:
    from .checks import CHECKS

    ids = [c.id for c in CHECKS]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate check ids in the registry: {sorted(duplicates)}")
    return list(CHECKS)


def all_rows(checks: list | None = None) -> list[Row]:
    rows = []
    for check in all_checks() if checks is None else checks:
        if isinstance(check, Property):
            rows.append(Row(check, check.oracle, Page(label=check.label)))
        else:
            rows.extend(Row(check, oracle, variant)
                        for oracle, variants in check.oracles.items() for variant in variants)
    return rows
