"""The declarations of the registry, one module per page topic: page quantities
(:class:`~nnconf.quantities.Quantity`), optimizers (:class:`~nnconf.quantities.Optimizer`),
plain checks and properties. :mod:`nnconf.registry` derives every row from them."""

from ..quantities import Optimizer, Quantity
from . import activations, backprop, init, losses, optim, properties

DECLARATIONS = [*activations.QUANTITIES, *losses.QUANTITIES, *backprop.CHECKS, *optim.OPTIMIZERS,
                *properties.CHECKS, *init.CHECKS]


def quantities() -> list[Quantity]:
    return [d for d in DECLARATIONS if isinstance(d, Quantity)]


def optimizers() -> list[Optimizer]:
    return [d for d in DECLARATIONS if isinstance(d, Optimizer)]


def exact_entries() -> list:
    """The exactness formulas: every side of a quantity that declares its exact value."""
    return [e for q in quantities() for e in q.exact_entries()]
