r"""He (Kaiming) initialisation (page section ``mnist``, the listing's ``he_init``)."""

from __future__ import annotations

import numpy as np

__all__ = ["he_normal", "he_std"]


def he_std(fan_in: int) -> float:
    r"""Standard deviation :math:`\sqrt{2 / \mathrm{fan\_in}}`. A layer without inputs has
    no He scale: ``fan_in < 1`` is a ``ValueError``."""
    if not fan_in >= 1:
        raise ValueError(f"fan_in must be at least 1, got {fan_in!r}")
    return float(np.sqrt(2.0 / fan_in))


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator):
    r"""He-normal weights in the page's code layout ``(fan_in, fan_out)``.

    .. math:: W_{ij} \sim \mathcal N\!\left(0, \frac{2}{\mathrm{fan\_in}}\right),\qquad
              W = \mathrm{randn}(\mathrm{fan\_in}, \mathrm{fan\_out}) \cdot \sqrt{2/\mathrm{fan\_in}}

    Draws from the given seeded ``numpy.random.Generator`` (an untruncated normal).
    ``fan_out = 0`` gives an empty ``(fan_in, 0)`` matrix; ``fan_in = 0`` is a ``ValueError``.
    """
    return rng.standard_normal((fan_in, fan_out)) * he_std(fan_in)
