"""The page audit: a claims catalogue (``claims.toml``), read against the page at audit time,
judged by the reference and SymPy (``nnconf audit``), and the worked examples' tables
regenerated from the reference (``nnconf tables``).

Modules: ``catalogue`` (loading; ``schema`` and ``tomlpos`` make it strict and give lines),
``page`` and ``template`` (sections, locating text in linear time, listings), ``examples``
(the worked examples computed by the reference), ``verdicts`` and ``carry`` (the rounding rule:
exact, carried printed intermediates, origin and carried slips), ``prose`` (computable prose
claims), ``formulas`` and ``quantities`` (the displayed formulas), ``units``, ``arith`` and
``chains`` (printed arithmetic, link by link), ``printed`` (every printed number accounted
for), ``derived`` (the page's findings that are not catalogue claims), ``listings`` (running
page code), ``mnist_results`` (the MNIST run the curve claims use), ``audit`` (the verdict of
every claim), ``terminal``, ``tables``, ``commands`` (CLI).
"""
