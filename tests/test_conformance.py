"""Every registry row, reference vs oracle, under the active hypothesis profile.

A row passes when the oracle agrees with the reference within the check's tolerance, or, for
a framework setting that differs from the page, when the difference is measured and the
framework agrees with the reference under the stated alternative convention. Such
``convention`` rows are findings for the report, not failures. A framework that is not
installed skips its rows with the reason.
"""

import os

import pytest

from nnconf.registry import all_rows
from nnconf.runner import run_row

PROFILE = os.environ.get("NNCONF_PROFILE") or ("mutation" if "MUTANT_UNDER_TEST" in os.environ else "ci")


@pytest.mark.parametrize("row", all_rows(), ids=lambda row: row.key)
def test_row(row):
    record = run_row(row, profile=PROFILE)
    if record["status"] == "skipped":
        pytest.skip(record["note"])
    assert record["status"] in ("pass", "convention"), record["note"]
    assert record["examples"] > 0
