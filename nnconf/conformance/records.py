"""The registry's records: keyword-only, validated dataclasses.

- :class:`Check` — one reference function compared with an oracle op, per oracle under
  *variants*: :class:`Page` (oracle settings that reproduce the page: the row passes or fails)
  or :class:`Convention` (a framework setting, usually its default, that differs from the page:
  the row records the measured difference from the page and *asserts* that the framework
  agrees with the reference under the stated alternative ``matches``, times ``scale``, at
  inputs whose subnormals are flushed to zero when ``flush_subnormals``);
- :class:`Property` — a check that is not a value comparison; ``run(profile, seed)`` returns
  an :class:`Outcome`;
- :class:`Row` — one runnable unit: a check against one oracle under one variant;
- :class:`Bug` and :class:`Mutant` — planted bugs (a replacement function, or an edit of the
  reference function's own source).

Page quantities (:mod:`nnconf.conformance.quantities`) derive their checks from these. Validation happens
at construction: a reference function that does not resolve, an unknown oracle, a duplicated
variant label raise ``ValueError``; that each named oracle offers the op is asserted through
:func:`oracles.base.require` (at once when the oracle is loaded, else when it loads).
"""

from __future__ import annotations

import importlib
import inspect
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from hypothesis.strategies import SearchStrategy

from nnconf.conformance.strategies import Case
from nnconf.conformance.tolerance import Tolerance
from oracles.base import ORACLE_NAMES, require

KINDS = ("value", "grad")


def resolve(name: str) -> Callable:
    """The reference function ``"module.function"`` (looked up now: a patched one if patched)."""
    module, _, function = name.rpartition(".")
    try:
        return getattr(importlib.import_module(f"reference.{module}"), function)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(f"reference function {name!r} does not resolve: {exc}") from None


@dataclass(frozen=True, kw_only=True)
class Page:
    """Oracle settings that reproduce the page."""

    settings: Mapping = field(default_factory=dict)
    note: str = ""
    label: str = "page"


@dataclass(frozen=True, kw_only=True)
class Convention:
    """A framework setting that differs from the page, and the reference settings it matches."""

    label: str
    settings: Mapping
    matches: Mapping
    note: str
    scale: float = 1.0
    flush_subnormals: bool = False  # compare with the reference at inputs flushed to ±0
    tolerance: Tolerance | None = None  # for the matched formula, if not the check's own

    def __post_init__(self):
        if not self.note:
            raise ValueError(f"convention {self.label!r}: say what differs (note)")


Variant = Page | Convention


def _check_oracles(owner: str, oracles: Mapping[str, tuple]) -> None:
    for name, variants in oracles.items():
        if name not in ORACLE_NAMES:
            raise ValueError(f"{owner}: unknown oracle {name!r}; known: {', '.join(ORACLE_NAMES)}")
        if not variants or not all(isinstance(v, Page | Convention) for v in variants):
            raise ValueError(f"{owner}: oracle {name!r} needs a tuple of Page/Convention variants")
        labels = [v.label for v in variants]
        if len(set(labels)) != len(labels):
            raise ValueError(f"{owner}: oracle {name!r} has duplicate variant labels {labels}")


@dataclass(frozen=True, kw_only=True)
class Check:
    """A reference function against an oracle op, per oracle under its variants."""

    id: str
    section: str
    op: str  # the oracle's op name
    kind: str  # "value" (oracle.value) or "grad" (oracle.grad: a vector-Jacobian product)
    reference: str  # "module.function" inside the ``reference`` package
    inputs: Callable[[], SearchStrategy[Case]]
    tolerance: Tolerance
    oracles: Mapping[str, tuple[Variant, ...]]
    reference_settings: Mapping = field(default_factory=dict)
    examples: tuple[Case, ...] = ()
    description: str = ""
    helpers: tuple[str, ...] = ()  # other reference functions the reference call relies on
    max_examples: int | None = None  # a cap on the profile's examples, for costly checks

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"check {self.id}: kind must be one of {KINDS}, not {self.kind!r}")
        if not isinstance(self.tolerance, Tolerance):
            raise ValueError(f"check {self.id}: tolerance must be a Tolerance")
        for name in self.uses():
            resolve(name)
        _check_oracles(f"check {self.id}", self.oracles)
        for oracle in self.oracles:
            require(oracle, self.op, self.kind, by=self.id)

    def uses(self) -> tuple[str, ...]:
        return (self.reference, *self.helpers)

    def reference_function(self) -> Callable:
        """Resolved at call time, so a patched reference (a planted bug) is what runs."""
        return resolve(self.reference)

    def compute_reference(self, case: Case, **overrides):
        settings = {**self.reference_settings, **(case.kwargs or {}), **overrides}
        fn = self.reference_function()
        if self.kind == "grad" and case.cotangent is not None:
            return fn(*case.args, case.cotangent, **settings)
        return fn(*case.args, **settings)


@dataclass(kw_only=True)
class Outcome:
    """What a :class:`Property` measured: its status, figures, and a one-line note."""

    status: str  # "pass" | "fail" | "convention"
    note: str
    figures: dict = field(default_factory=dict)
    examples: int = 1
    max_abs_err: float | None = None
    tolerance: Tolerance | None = None


@dataclass(frozen=True, kw_only=True)
class Property:
    """A page claim or a statistical/structural check that is not a value comparison.

    ``run(profile, seed) -> Outcome`` computes it (hypothesis inside where inputs are drawn);
    ``oracle`` names the independent implementation it relies on (``"reference"`` when it
    checks the reference against mathematics only); ``references`` are the reference
    functions it exercises (for the planted-bug tests; a test records the calls)."""

    id: str
    section: str
    oracle: str
    run: Callable[[str, int | None], Outcome]
    references: tuple[str, ...]
    description: str = ""
    label: str = "property"
    max_examples: int | None = None

    def __post_init__(self):
        for name in self.references:
            resolve(name)

    def uses(self) -> tuple[str, ...]:
        return self.references


@dataclass(frozen=True, kw_only=True)
class Row:
    """One runnable unit: a check against one oracle under one variant."""

    check: Check | Property
    oracle: str
    variant: Variant

    @property
    def key(self) -> str:
        return f"{self.check.id}[{self.oracle}:{self.variant.label}]"

    def uses(self) -> tuple[str, ...]:
        return self.check.uses()


def rows_of(check: Check | Property) -> list[Row]:
    if isinstance(check, Property):
        return [Row(check=check, oracle=check.oracle, variant=Page(label=check.label))]
    return [Row(check=check, oracle=oracle, variant=variant)
            for oracle, variants in check.oracles.items() for variant in variants]


# ----------------------------------------------------------------- planted bugs
@dataclass(frozen=True, kw_only=True)
class Bug:
    """A plausible bug in a quantity's reference function, declared beside it: a replacement
    ``function`` or an edit ``replace=(old, new)`` of the function's own source."""

    description: str
    function: Callable | None = None
    replace: tuple[str, str] | None = None

    def __post_init__(self):
        if (self.function is None) == (self.replace is None):
            raise ValueError(f"bug {self.description!r}: give exactly one of function, replace")


@dataclass(frozen=True)
class Mutant:
    """A planted bug in ``target`` ("module.function" of the reference)."""

    target: str
    description: str
    function: Callable | None = None
    replace: tuple[str, str] | None = None

    def __post_init__(self):
        resolve(self.target)
        if (self.function is None) == (self.replace is None):
            raise ValueError(f"mutant of {self.target}: give exactly one of function, replace")

    @classmethod
    def of(cls, target: str, bug: Bug) -> Mutant:
        return cls(target=target, description=bug.description, function=bug.function, replace=bug.replace)

    def build(self) -> Callable:
        if self.function is not None:
            return self.function
        module_name, name = self.target.rsplit(".", 1)
        module = importlib.import_module(f"reference.{module_name}")
        source = textwrap.dedent(inspect.getsource(getattr(module, name)))
        old, new = self.replace
        if source.count(old) != 1:
            raise ValueError(f"mutant of {self.target}: {old!r} occurs {source.count(old)} times")
        namespace = dict(vars(module))
        exec(compile(source.replace(old, new), f"<mutant of {self.target}>", "exec"), namespace)
        return namespace[name]
