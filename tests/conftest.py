"""Test configuration: hypothesis profiles (``ci`` by default; NNCONF_PROFILE=thorough)."""

import os

from hypothesis import settings

from nnconf import profiles

for _name, _settings in profiles.PROFILES.items():
    settings.register_profile(_name, _settings)
# Under mutmut (MUTANT_UNDER_TEST set) without an explicit profile: the mutation profile.
settings.load_profile(os.environ.get("NNCONF_PROFILE") or ("mutation" if "MUTANT_UNDER_TEST" in os.environ else "ci"))
