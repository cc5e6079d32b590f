"""Oracles: each framework's own canonical implementation, behind one small interface.

An oracle never re-implements a page formula in framework ops: it calls the framework's
function (``torch.nn.functional``, ``jax.nn``, ``optax.losses``, ``sklearn``) and the
framework's own autodiff. Every oracle module exposes an :class:`~oracles.base.Oracle`
named ``ORACLE``; :func:`get` imports it lazily and raises :class:`OracleUnavailable`
(with the reason) when the framework is not installed.
"""

from .base import ORACLE_NAMES, Oracle, OracleUnavailable, available, get

__all__ = ["ORACLE_NAMES", "Oracle", "OracleUnavailable", "available", "get"]
