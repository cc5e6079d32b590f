"""Page quantities: one keyword-only, validated declaration per quantity (in the spirit of
PyTorch's OpInfo), from which everything keyed by the quantity is derived.

A :class:`Quantity` (an activation, a loss) is named once: ``name`` is the reference function
pair ``reference/<module>.py: name, name_grad`` and the oracles' op. From it come

- its value and derivative :class:`~nnconf.conformance.records.Check` rows (:attr:`Quantity.checks`);
- its exactness entries (:meth:`Quantity.exact_entries`: the mpmath formula of each side);
- its planted bugs (:meth:`Quantity.mutants`, from the :class:`~nnconf.conformance.records.Bug` of each side);
- its SymPy derivation row (:class:`Derivation`) and its panel in the activation figure.

An :class:`Optimizer` is named once too: ``name`` is the reference factory ``optim.<name>``,
its trajectory ``optim.<name>_trajectory``, the oracles' op ``<name>_trajectory``, the section
``optim.<name>`` and the row ``optim.<name>.trajectory``; its panel in the optimizer figure
and a planted bug (hyperparameters ignored) are derived.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from nnconf.conformance import strategies as S
from nnconf.conformance.records import Bug, Check, Mutant, Page, Property, Variant, resolve
from nnconf.conformance.tolerance import Tolerance

# How exactness draws a quantity's inputs and calls it (see nnconf/conformance/exactness/measure.py):
# x one real; x_label a real and a 0/1 label; p_label a probability and a 0/1 label; x_y a
# prediction and a real target; logits3 three logits (component 0 of the result);
# logits3_class0 three logits with true class 0; logits3_tangent3 three logits and a tangent
# (the frameworks' forward-mode derivative J v, component 0).
EXACT_INPUTS = ("x", "x_label", "p_label", "x_y", "logits3", "logits3_class0", "logits3_tangent3")


@dataclass(frozen=True, kw_only=True)
class Side:
    """One side of a quantity, its value or its derivative: the rows that compare it.

    Defaults come from the quantity: the id's last part ``value``/``grad``, the reference
    function ``name``/``name_grad``, its section, inputs and examples."""

    tolerance: Tolerance
    oracles: Mapping[str, tuple[Variant, ...]]
    id: str = ""
    reference: str = ""
    section: str = ""
    inputs: Callable | None = None
    examples: tuple | None = None
    description: str = ""
    helpers: tuple[str, ...] = ()  # reference functions the reference call relies on
    exact: Callable | None = None  # its exact value (mpmath), for the exactness row
    exact_inputs: str = ""  # how exactness draws and calls it, when not the quantity's
    bugs: tuple[Bug, ...] = ()  # planted bugs in its reference function


@dataclass(frozen=True, kw_only=True)
class Derivation:
    """A SymPy proof of the quantity's derivative (row ``sympy.<run's name>``); ``checks_code``
    when it also compares the reference's derivative code with the exact derivative."""

    run: Callable
    description: str
    checks_code: bool = True


@dataclass(frozen=True, kw_only=True)
class Panel:
    """The quantity's panel in the activation figure; ``derivative``: its curve's label in
    the derivatives panel ('' for none)."""

    title: str
    derivative: str = ""


@dataclass(frozen=True, kw_only=True)
class ExactEntry:
    """One exactness formula: a side of a quantity against its exact (mpmath) value."""

    name: str
    section: str
    formula: Callable
    inputs: str
    op: str
    kind: str
    reference: str
    reference_settings: Mapping
    oracles: Mapping[str, Mapping]  # oracle -> settings (its page variant's)


def page_settings(variants) -> dict:
    """The settings of the oracle's page variant; the framework's defaults when it has none."""
    return dict(next((v.settings for v in variants if isinstance(v, Page)), {}))


@dataclass(frozen=True, kw_only=True)
class Quantity:
    """A page quantity with a value and (optionally) a derivative."""

    name: str  # reference functions <module>.name / name_grad, the oracles' op
    module: str  # reference module: "activations", "losses"
    family: str  # id prefix: "act", "loss"
    section: str
    description: str
    inputs: Callable
    value: Side
    grad: Side | None = None
    form: str = ""  # another form of the same functions (reference_settings): key name_form
    alias: str = ""  # the ids' short name, when not the key ("bce" for binary_cross_entropy)
    reference_settings: Mapping = field(default_factory=dict)
    examples: tuple = ()
    exact_inputs: str = "x"
    exact_oracles: tuple[str, ...] | None = None  # None: every oracle of the side
    derivation: Derivation | None = None
    panel: Panel | None = None
    network: str = ""  # "smooth" or "kinked": a hidden activation the network strategies draw
    checks: tuple[Check, ...] = field(init=False, repr=False)

    def __post_init__(self):
        for inputs in (self.exact_inputs, self.value.exact_inputs, self.grad and self.grad.exact_inputs):
            if inputs and inputs not in EXACT_INPUTS:
                raise ValueError(f"{self.key}: exact_inputs must be one of {EXACT_INPUTS}, not {inputs!r}")
        if self.network not in ("", "smooth", "kinked"):
            raise ValueError(f"{self.key}: network must be '', 'smooth' or 'kinked'")
        if self.panel is not None and self.exact_inputs != "x":
            raise ValueError(f"{self.key}: only a function of one real has a panel")
        if self.derivation is not None and self.grad is None:
            raise ValueError(f"{self.key}: a derivation needs a derivative side")
        object.__setattr__(self, "checks", tuple(self._side_check(kind, side) for kind, side in
                                                 (("value", self.value), ("grad", self.grad)) if side))

    @property
    def key(self) -> str:
        return f"{self.name}_{self.form}" if self.form else self.name

    def reference_of(self, kind: str) -> str:
        side = self.value if kind == "value" else self.grad
        return f"{self.module}.{side.reference or (self.name if kind == 'value' else f'{self.name}_grad')}"

    def _side_check(self, kind: str, side: Side) -> Check:
        return Check(
            id=f"{self.family}.{self.alias or self.key}.{side.id or kind}",
            section=side.section or self.section, op=self.name, kind=kind,
            reference=self.reference_of(kind), inputs=side.inputs or self.inputs,
            tolerance=side.tolerance, oracles=side.oracles, reference_settings=self.reference_settings,
            examples=self.examples if side.examples is None else side.examples,
            description=side.description or (self.description if kind == "value"
                                             else f"derivative: {self.description}"),
            helpers=side.helpers)

    def sides(self):
        return [(check, side) for check, side in zip(self.checks, (s for s in (self.value, self.grad) if s),
                                                      strict=True)]

    def exact_entries(self) -> list[ExactEntry]:
        out = []
        for check, side in self.sides():
            if side.exact is None:
                continue
            oracles = {o: page_settings(v) for o, v in side.oracles.items()
                       if self.exact_oracles is None or o in self.exact_oracles}
            out.append(ExactEntry(
                name=self.key if check.kind == "value" else f"{self.key}_{side.id or 'grad'}",
                section=check.section, formula=side.exact, inputs=side.exact_inputs or self.exact_inputs, op=self.name,
                kind=check.kind, reference=check.reference, reference_settings=self.reference_settings,
                oracles=oracles))
        return out

    def mutants(self) -> list[Mutant]:
        return [Mutant.of(check.reference, bug) for check, side in self.sides() for bug in side.bugs]

    def derivation_property(self) -> Property | None:
        d = self.derivation
        if d is None:
            return None
        grad = self.checks[-1]
        return Property(id=f"sympy.{d.run.__name__}", section=grad.section, oracle="sympy", run=d.run,
                        references=grad.uses() if d.checks_code else (), description=d.description)


@dataclass(frozen=True, kw_only=True)
class Optimizer:
    """One of the page's optimizers: its trajectory row, planted bugs and figure panel."""

    name: str  # reference optim.<name> (factory) and optim.<name>_trajectory; op <name>_trajectory
    hyperparameters: tuple[str, ...]
    tolerance: Tolerance
    oracles: Mapping[str, tuple[Variant, ...]]
    description: str
    examples: tuple = ()
    helpers: tuple[str, ...] = ()  # beyond optim.<name>, optim.trajectory and optim.apply_updates
    bugs: tuple[Bug, ...] = ()  # planted bugs in optim.<name>
    check: Check = field(init=False, repr=False)

    def __post_init__(self):
        unknown = set(self.hyperparameters) - set(S.HYPERPARAMETERS)
        if unknown:
            raise ValueError(f"optimizer {self.name}: no strategy for hyperparameters {sorted(unknown)}")
        object.__setattr__(self, "check", Check(
            id=f"optim.{self.name}.trajectory", section=f"optim.{self.name}", op=f"{self.name}_trajectory",
            kind="value", reference=f"optim.{self.name}_trajectory",
            inputs=functools.partial(S.optimizer_runs, self.hyperparameters), tolerance=self.tolerance,
            oracles=self.oracles, examples=self.examples, description=self.description,
            helpers=(f"optim.{self.name}", "optim.trajectory", "optim.apply_updates", *self.helpers)))

    @property
    def checks(self) -> tuple[Check, ...]:
        return (self.check,)

    def mutants(self) -> list[Mutant]:
        factory = f"optim.{self.name}"

        def ignores_hyperparameters(theta0, grads, **hp):
            from reference import optim
            return optim.trajectory(resolve(factory)(), theta0, grads)

        return [*(Mutant.of(factory, bug) for bug in self.bugs),
                Mutant.of(self.check.reference, Bug(description="the drawn hyperparameters ignored (defaults used)",
                                                    function=ignores_hyperparameters))]

    def panel_variants(self, oracles=("torch", "jax")) -> list[tuple[str, str, dict]]:
        """``(oracle, label, settings)`` of every variant of the figure's oracles."""
        return [(o, f"{o} {v.label}", dict(v.settings)) for o in oracles for v in self.oracles.get(o, ())]
