"""The catalogue of checks, one module per page topic."""

from . import activations, backprop, exactness, init, losses, optim, properties, symbolic

CHECKS = [*activations.CHECKS, *losses.CHECKS, *backprop.CHECKS, *optim.CHECKS,
          *properties.CHECKS, *init.CHECKS, *symbolic.CHECKS, *exactness.CHECKS]
