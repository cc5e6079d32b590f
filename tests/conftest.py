"""Test configuration: hypothesis profiles (``ci`` by default; NNCONF_PROFILE=thorough)."""

import os

from hypothesis import settings

# The tests do not read this repository's [tool.nnconf] (it points at the real page and MNIST
# copy): each test says what it uses; tests/test_config.py tests the configuration itself.
os.environ.setdefault("NNCONF_CONFIG", "none")
# Nor its results cache: tests plant bugs in the reference in-process, which the cache's key
# (the source files) cannot see; tests/test_cache.py tests the cache itself.
os.environ.setdefault("NNCONF_NO_CACHE", "1")

from nnconf import profiles

for _name, _settings in profiles.PROFILES.items():
    settings.register_profile(_name, _settings)
# Under mutmut (MUTANT_UNDER_TEST set) without an explicit profile: the mutation profile.
settings.load_profile(os.environ.get("NNCONF_PROFILE") or ("mutation" if "MUTANT_UNDER_TEST" in os.environ else "ci"))
