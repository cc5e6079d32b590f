"""A results cache on disk, keyed by everything a result depends on.

Check rows and MNIST runs are deterministic functions of the code (``reference/``,
``oracles/``, the harness ``nnconf/`` — the page audit excluded, which reads their results),
the installed framework versions, the hypothesis profile and seed, the data checksums and the
run's configuration. :func:`key` hashes all of that; an entry is one JSON file named by its
key. So a rerun after a page edit finds every check row and MNIST run in the cache and
recomputes only what reads the page (the audit, the MNIST verdicts, the renderers); an edit of
the reference invalidates everything, as it should.

- Entries are written atomically (a unique temporary file renamed into place), so concurrent
  runs share the cache safely: the worst case is that both compute an entry and one rename
  wins with an identical result.
- An entry carries its key material and a SHA-256 of its payload; one that does not parse,
  names another key or fails its checksum is recomputed, never trusted.
- ``--no-cache`` recomputes everything (and refreshes the entries).
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import json
import os
import platform
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = ("reference", "oracles", "nnconf")
NOT_UPSTREAM = ("nnconf/audit",)  # reads the cached results; its edits do not change them
VERSIONS = ("numpy", "scipy", "torch", "jax", "jaxlib", "optax", "scikit-learn", "hypothesis", "mpmath",
            "sympy", "joblib")
FORMAT = "nnconf.cache/1"


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nnconf" / "results"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over the source files the results depend on (path and bytes of each)."""
    h = hashlib.sha256()
    for package in CODE:
        for path in sorted((ROOT / package).rglob("*")):
            rel = path.relative_to(ROOT).as_posix()
            if path.suffix not in (".py", ".toml", ".json") or any(rel.startswith(p) for p in NOT_UPSTREAM):
                continue
            if "__pycache__" in rel:
                continue
            h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=1)
def environment() -> dict:
    def version(dist):
        try:
            return md.version(dist)
        except md.PackageNotFoundError:
            return None
    return {"python": platform.python_version(), "machine": platform.machine(),
            **{d: version(d) for d in VERSIONS},
            "disabled": os.environ.get("NNCONF_DISABLE", "")}


def key(kind: str, **material) -> tuple[str, dict]:
    """The cache key of a result of ``kind`` computed from ``material`` (JSON-able)."""
    full = {"format": FORMAT, "kind": kind, "code": code_fingerprint(), "environment": environment(),
            **material}
    text = json.dumps(full, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest(), full


def _checksum(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class Cache:
    """Get and put results by key in ``directory``; ``enabled=False`` reads nothing (and still
    writes, so a forced run refreshes the entries)."""

    def __init__(self, directory: Path | None = None, *, enabled: bool = True):
        self.dir = Path(directory) if directory else default_dir()
        self.enabled = enabled
        self.hits = self.misses = self.corrupt = 0

    @classmethod
    def for_options(cls, args) -> Cache:
        """The cache a command uses: ``--cache-dir`` (or $NNCONF_CACHE_DIR); ``--no-cache`` (or
        NNCONF_NO_CACHE=1) recomputes everything."""
        off = getattr(args, "no_cache", False) or os.environ.get("NNCONF_NO_CACHE", "") not in ("", "0")
        directory = getattr(args, "cache_dir", None) or os.environ.get("NNCONF_CACHE_DIR") or None
        return cls(directory, enabled=not off)

    def _path(self, k: str) -> Path:
        return self.dir / k[:2] / f"{k}.json"

    def get(self, k: str, material: dict):
        """The cached payload, or ``None`` (missing, disabled, or not trustworthy)."""
        if not self.enabled:
            self.misses += 1
            return None
        path = self._path(k)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            ok = (entry.get("key") == k and entry.get("material") == json.loads(json.dumps(material, default=str))
                  and entry.get("sha256") == _checksum(entry.get("payload")))
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, ValueError, AttributeError):
            ok = False
        if not ok:
            self.corrupt += 1
            self.misses += 1
            return None
        self.hits += 1
        return entry["payload"]

    def put(self, k: str, material: dict, payload) -> None:
        entry = {"key": k, "material": material, "sha256": _checksum(payload), "payload": payload}
        text = json.dumps(entry, sort_keys=True, default=str)
        path, tmp = self._path(k), None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{k[:12]}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except OSError:  # a cache that cannot be written makes the run slower, never wrong
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    @staticmethod
    def key_of(kind: str, material: dict) -> tuple[str, dict]:
        """The key and full material of a result of ``kind`` (for :meth:`get` and :meth:`put`)."""
        return key(kind, **material)

    def cached(self, kind: str, material: dict, compute: Callable[[], object]):
        """``compute()``'s result, from the cache when an entry for ``material`` exists."""
        k, full = key(kind, **material)
        hit = self.get(k, full)
        if hit is not None:
            return hit
        value = compute()
        self.put(k, full, value)
        return value

    def stats(self) -> dict:
        return {"dir": str(self.dir), "enabled": self.enabled, "hits": self.hits, "misses": self.misses,
                "corrupt_entries_recomputed": self.corrupt}
