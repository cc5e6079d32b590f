"""The catalogue of checks, one module per page topic."""

from . import activations, losses

CHECKS = [*activations.CHECKS, *losses.CHECKS]
