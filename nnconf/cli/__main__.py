"""``python -m nnconf.cli``: the same as the ``nnconf`` command."""

from nnconf.cli.main import entry

entry()
