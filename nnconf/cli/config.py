"""Configuration: ``[tool.nnconf]`` in ``pyproject.toml``, then ``NNCONF_*``, then flags.

The file is found as ruff and pytest find theirs: the first ``pyproject.toml`` with a
``[tool.nnconf]`` table in the current directory or one of its parents (``NNCONF_CONFIG=FILE``
names one; ``NNCONF_CONFIG=none`` uses none). Its relative paths resolve against the directory
of the file that names them, so ``nnconf report`` run from anywhere inside the project reads
the same page and writes the same ``reports/``. For each setting, a command-line flag wins over
the environment variable, which wins over the file, which wins over the built-in default.

Every value is checked like the flag it stands for; a bad one is one line naming the file (or
the variable) and the key, exit code 2, before any work.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from nnconf.cli import options as opt
from nnconf.conformance import profiles

CONFIG_ENV = "NNCONF_CONFIG"


class ConfigError(ValueError):
    """A bad configuration value (one line: where, which key, what is wrong)."""


@dataclass(frozen=True, kw_only=True)
class Setting:
    key: str  # the name in [tool.nnconf]
    env: str  # the environment variable
    parse: object  # text or TOML value -> value, raising argparse.ArgumentTypeError
    default: object = None
    path: bool = False  # resolved against the configuration file's directory

    @property
    def attr(self) -> str:
        return self.key.replace("-", "_")


def _text(v):
    if not isinstance(v, str):
        raise argparse.ArgumentTypeError(f"must be a string, got {type(v).__name__} {v!r}")
    return v


def _of(parse):
    """A parser that takes TOML values (numbers as numbers) as well as text."""
    def run(v):
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise argparse.ArgumentTypeError(f"must be a number, got {type(v).__name__} {v!r}")
        return parse(str(v))
    return run


def _profile(v):
    v = _text(v)
    if v not in profiles.PROFILES:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(sorted(profiles.PROFILES))}, got {v!r}")
    return v


def _path(v):
    return opt.non_empty("path")(_text(v))


def _fail_on(v):
    if isinstance(v, list):
        v = ",".join(_text(x) for x in v)
    return _text(v)


SETTINGS = {s.key: s for s in (
    Setting(key="page", env="NNCONF_PAGE", parse=_path, path=True),
    Setting(key="claims", env="NNCONF_CLAIMS", parse=_path, path=True),
    Setting(key="mnist-dir", env="NNCONF_MNIST_DIR", parse=_path, path=True),
    Setting(key="out-dir", env="NNCONF_OUT_DIR", parse=_path, path=True, default="reports"),
    Setting(key="fail-on", env="NNCONF_FAIL_ON", parse=_fail_on),
    Setting(key="profile", env="NNCONF_PROFILE", parse=_profile, default="thorough"),
    Setting(key="listing-timeout", env="NNCONF_LISTING_TIMEOUT", parse=_of(opt.positive_float)),
    Setting(key="jobs", env="NNCONF_JOBS", parse=_of(opt.integer(1)), default=os.cpu_count() or 1),
)}


def find(start: Path | None = None) -> Path | None:
    """The configuration file in force: ``$NNCONF_CONFIG``, else the nearest ``pyproject.toml``
    with a ``[tool.nnconf]`` table from ``start`` (the current directory) upwards."""
    named = os.environ.get(CONFIG_ENV)
    if named is not None:
        if named.strip().lower() in ("", "none"):
            return None
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"{CONFIG_ENV}={named}: no such file")
        return path
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                if "nnconf" in _read(candidate).get("tool", {}):
                    return candidate
            except ConfigError:
                raise
    return None


def _read(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def load(path: Path | None) -> dict:
    """``{key: value}`` of the file's ``[tool.nnconf]`` table, checked and with paths resolved."""
    if path is None:
        return {}
    table = _read(path).get("tool", {}).get("nnconf", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.nnconf] must be a table")
    out = {}
    for key, raw in table.items():
        setting = SETTINGS.get(key)
        if setting is None:
            raise ConfigError(f"{path}: [tool.nnconf] unknown key {key!r}; known: {', '.join(SETTINGS)}")
        try:
            value = setting.parse(raw)
        except argparse.ArgumentTypeError as exc:
            raise ConfigError(f"{path}: [tool.nnconf] {key} {exc}") from None
        if setting.path:
            value = str((path.parent / value).resolve()) if not Path(value).is_absolute() else value
        out[key] = value
    return out


def apply(args: argparse.Namespace) -> dict:
    """Fill every setting ``args`` has and the command line left unset (``None``): from the
    environment, else the file, else the default. Returns ``{key: {"value", "from"}}`` for the
    report's provenance."""
    path = find()
    file_values = load(path)
    used = {}
    for key, setting in SETTINGS.items():
        if not hasattr(args, setting.attr):
            continue
        value, source = getattr(args, setting.attr), "command line"
        if value is None and os.environ.get(setting.env, "") != "":
            try:
                value = setting.parse(os.environ[setting.env])
            except argparse.ArgumentTypeError as exc:
                raise ConfigError(f"{setting.env}: {exc}") from None
            source = setting.env
        if value is None and key in file_values:
            value, source = file_values[key], str(path)
        if value is None:
            value, source = setting.default, "default"
        setattr(args, setting.attr, value)
        used[key] = {"value": value, "from": source}
    args.config_file = str(path) if path else None
    args.configuration = used
    return used


def path_base(args) -> Path:
    """The directory a report's paths are written relative to: the configuration file's, else
    the page's, else the working directory."""
    for p in (getattr(args, "config_file", None), getattr(args, "page", None)):
        if p:
            return Path(p).resolve().parent
    return Path.cwd()
