"""The command line: ``nnconf`` and its subcommands (:mod:`.main`), the configuration
(``[tool.nnconf]``, ``NNCONF_*``; :mod:`.config`) and option parsers (:mod:`.options`), one
module per job (:mod:`.report`, :mod:`.audit`, :mod:`.pitfalls`) and the pre-commit hook
(:mod:`.hook`). The top layer: nothing imports it."""
