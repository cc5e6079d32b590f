"""Test configuration: hypothesis profiles (``ci`` by default; NNCONF_PROFILE=thorough)."""

import os
from pathlib import Path

import pytest
from hypothesis import settings

# The tests do not read this repository's [tool.nnconf] (it points at the real page and MNIST
# copy): each test says what it uses; tests/test_config.py tests the configuration itself.
os.environ.setdefault("NNCONF_CONFIG", "none")
# Nor its results cache: tests plant bugs in the reference in-process, which the cache's key
# (the source files) cannot see; tests/test_cache.py tests the cache itself.
os.environ.setdefault("NNCONF_NO_CACHE", "1")

from nnconf.conformance import profiles

for _name, _settings in profiles.PROFILES.items():
    settings.register_profile(_name, _settings)
# Under mutmut (MUTANT_UNDER_TEST set) without an explicit profile: the mutation profile.
settings.load_profile(os.environ.get("NNCONF_PROFILE") or ("mutation" if "MUTANT_UNDER_TEST" in os.environ else "ci"))

# The tests read the page under test and the verified MNIST copy where .ci/run finds them: in
# `shared/` beside the checkout. Without them most of the suite would fail one by one, each
# with a missing-file error; instead the run stops at once with one line that says what to put
# where (exit code 4, pytest's usage error).
# (NNCONF_TEST_PAGE and NNCONF_MNIST_DIR point elsewhere: the mutation run's copy in mutants/.)
SHARED = Path(__file__).resolve().parents[2] / "shared"
NEEDED = (Path(os.environ.get("NNCONF_TEST_PAGE") or SHARED / "page" / "neural-network-basics.md"),
          Path(os.environ.get("NNCONF_MNIST_DIR") or SHARED / "mnist") / "SHA256SUMS.uncompressed")


def pytest_sessionstart(session):
    missing = [str(p) for p in NEEDED if not p.is_file()]
    if missing:
        raise pytest.UsageError(f"the tests need the page and the verified MNIST copy in {SHARED} (beside the "
                                f"checkout, as .ci/run expects); missing: {', '.join(missing)}")
