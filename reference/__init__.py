"""Hand-written NumPy reference of every formula on the page under test.

One pure function per formula, named after the quantity, beside its derivative; docstrings
carry the equation and the page section id. No framework is imported here.
"""

from . import activations, losses

__all__ = ["activations", "losses"]
