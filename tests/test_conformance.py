"""Every registry row, reference vs oracle, under the active hypothesis profile.

A row passes when the oracle agrees with the reference within the check's tolerance, or, for
a framework setting that differs from the page, when the difference is measured and the
framework agrees with the reference under the stated alternative convention. Such
``convention`` rows are findings for the report, not failures. A framework that is not
installed skips its rows with the reason.

Each run also records which reference functions the row calls (:mod:`nnconf.conformance.calls`): every one
of them (among the public functions and those with planted bugs) must be declared in the
row's ``uses()``, or the planted-bug tests would never run its bugs against this row.
"""

import os

import pytest

from nnconf.conformance import calls
from nnconf.conformance.mutants import MUTANTS
from nnconf.conformance.registry import all_rows
from nnconf.conformance.runner import run_row

PROFILE = os.environ.get("NNCONF_PROFILE") or ("mutation" if "MUTANT_UNDER_TEST" in os.environ else "ci")
# mutmut's trampolines add functions of their own to the reference modules: no recording then
RECORD = "MUTANT_UNDER_TEST" not in os.environ
WATCHED = calls.public_functions() | {m.target for m in MUTANTS}


@pytest.mark.parametrize("row", all_rows(), ids=lambda row: row.key)
def test_row(row):
    if RECORD:
        with calls.recording() as called:
            record = run_row(row, profile=PROFILE)
    else:
        record = run_row(row, profile=PROFILE)
    if record["status"] == "skipped":
        pytest.skip(record["note"])
    assert record["status"] in ("pass", "convention"), record["note"]
    assert record["examples"] > 0
    if RECORD:
        undeclared = (called & WATCHED) - set(row.uses())
        assert not undeclared, f"{row.key} calls reference functions it does not declare: {sorted(undeclared)}"
