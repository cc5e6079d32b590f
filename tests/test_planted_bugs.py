"""Each check can fail: every mutant of a reference function is caught by a registry row.

For each planted bug (``nnconf.conformance.mutants``: those declared with the quantities and optimizers,
and the shared ones) the mutant replaces the reference function, the registry rows that use
it run under the ``mutation`` profile, and at least one must fail. Which functions need a bug
is derived from the registry (every function some row's ``uses()`` names; the rows' uses are
checked against the calls they make in ``tests/test_conformance.py``).
"""

import importlib

import pytest

import oracles
from nnconf.conformance.mutants import MUTANTS
from nnconf.conformance.registry import all_rows, mutant_requirements
from nnconf.conformance.runner import run_row

ROWS = all_rows()


def test_every_reference_function_has_a_mutant():
    mutated = {m.target for m in MUTANTS}
    missing = mutant_requirements() - mutated
    assert not missing, f"no planted bug for {sorted(missing)}"


@pytest.mark.mutation
@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{m.target}: {m.description}")
def test_mutant_is_caught(mutant, monkeypatch):
    module, name = mutant.target.rsplit(".", 1)
    monkeypatch.setattr(importlib.import_module(f"reference.{module}"), name, mutant.build())
    rows = [r for r in ROWS if mutant.target in r.uses()
            and (r.oracle not in oracles.ORACLE_NAMES or oracles.available(r.oracle)[0])]
    if not rows:
        pytest.skip(f"no installed oracle checks {mutant.target}")
    caught = []
    for row in rows:
        record = run_row(row, profile="mutation")
        # a row that fails because the mutant recursed into itself has not caught the bug
        if record["status"] == "fail" and "RecursionError" not in record["note"]:
            caught.append(row.key)
            break
    assert caught, f"no row using {mutant.target} fails with the planted bug: {mutant.description}"
