"""The conformance suite: the declarations of every page quantity (:mod:`.checks`, typed by
:mod:`.quantities` and :mod:`.records`), the one registry derived from them (:mod:`.registry`),
the runner that calls the reference and each oracle (:mod:`.runner`, :mod:`.tolerance`,
:mod:`.strategies`, :mod:`.profiles`), the planted bugs (:mod:`.mutants`) and the exactness
measurement against mpmath (:mod:`.exactness`)."""
