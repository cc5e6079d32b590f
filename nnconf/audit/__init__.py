"""The page audit: a claims catalogue (``claims.toml``), read against the page at audit time,
judged by the reference (``nnconf audit``), and the worked examples' tables regenerated from
the reference (``nnconf tables``).

Modules: ``catalogue`` (loading, validation), ``page`` (sections, locating printed values,
listings), ``examples`` (the worked examples computed by the reference), ``verdicts``
(rounding rules, interval arithmetic), ``prose`` (computable prose claims), ``listings``
(running page code), ``audit`` (the verdict of every claim), ``tables``, ``commands`` (CLI).
"""
