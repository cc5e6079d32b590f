"""The one registry of checks, read by the tests, the report, the audit and the figures.

Everything is derived from the declarations in :mod:`nnconf.conformance.checks` (one per page quantity,
optimizer, plain check or property; see :mod:`nnconf.conformance.quantities` and :mod:`nnconf.conformance.records`):

- the rows (:func:`all_rows`): a check × an oracle × a variant;
- the SymPy derivation rows of the quantities that declare one, and the exactness row over
  every quantity that declares its exact value (the page's worked examples are measured by
  the audit, :mod:`nnconf.audit.exactness`, which knows the page);
- the planted-bug requirement (:func:`mutant_requirements`: every reference function a row
  uses needs a planted bug) and the bugs the declarations carry (:func:`declared_mutants`);
- the figure panels (:func:`activation_panels`, :func:`optimizer_panels`).

Adding a formula = a reference function (pair), its op in the oracles that have it, and one
declaration in ``nnconf/conformance/checks/`` (docs/adding-a-quantity.md).
"""

from __future__ import annotations

from nnconf.conformance import checks as declared
from nnconf.conformance.exactness import row as exact_row
from nnconf.conformance.quantities import Optimizer, Quantity
from nnconf.conformance.records import Check, Convention, Mutant, Outcome, Page, Property, Row, Variant, rows_of

__all__ = ["Check", "Convention", "Mutant", "Outcome", "Page", "Property", "Row", "Variant", "activation_panels",
           "all_checks", "all_rows", "declared_mutants", "exactness_property", "mutant_requirements",
           "optimizer_panels"]


def exactness_property() -> Property:
    uses = dict.fromkeys(e.reference for e in declared.exact_entries())
    return Property(id=exact_row.ID, section=exact_row.SECTION, oracle="mpmath", run=exact_row.reference_vs_best,
                    references=tuple(uses), description=exact_row.DESCRIPTION)


def all_checks() -> list[Check | Property]:
    checks: list = []
    for d in declared.DECLARATIONS:
        checks.extend(d.checks if isinstance(d, Quantity | Optimizer) else [d])
    checks += [q.derivation_property() for q in declared.quantities() if q.derivation]
    checks.append(exactness_property())
    ids = [c.id for c in checks]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate check ids in the registry: {sorted(duplicates)}")
    return checks


def all_rows(checks: list | None = None) -> list[Row]:
    return [row for check in (all_checks() if checks is None else checks) for row in rows_of(check)]


def mutant_requirements() -> set[str]:
    """Every reference function some row uses: each needs a planted bug that a row catches."""
    return {name for c in all_checks() for name in c.uses()}


def declared_mutants() -> list[Mutant]:
    """The planted bugs declared with the quantities and optimizers."""
    return [m for d in declared.DECLARATIONS if isinstance(d, Quantity | Optimizer) for m in d.mutants()]


def activation_panels() -> list[Quantity]:
    """The quantities drawn in the activation figure, in declaration order."""
    return [q for q in declared.quantities() if q.panel is not None]


def optimizer_panels() -> list[Optimizer]:
    return declared.optimizers()
