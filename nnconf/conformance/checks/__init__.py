"""The declarations of the registry, one module per page topic: page quantities
(:class:`~nnconf.conformance.quantities.Quantity`), optimizers (:class:`~nnconf.conformance.quantities.Optimizer`),
plain checks and properties. :mod:`nnconf.conformance.registry` derives every row from them."""

from nnconf.conformance.checks import activations, backprop, gates, init, losses, optim, properties
from nnconf.conformance.quantities import Optimizer, Quantity

DECLARATIONS = [*activations.QUANTITIES, *losses.QUANTITIES, *backprop.CHECKS, *optim.OPTIMIZERS,
                *properties.CHECKS, *init.CHECKS, *gates.QUANTITIES]


def quantities() -> list[Quantity]:
    return [d for d in DECLARATIONS if isinstance(d, Quantity)]


def optimizers() -> list[Optimizer]:
    return [d for d in DECLARATIONS if isinstance(d, Optimizer)]


def exact_entries() -> list:
    """The exactness formulas: every side of a quantity that declares its exact value."""
    return [e for q in quantities() for e in q.exact_entries()]
