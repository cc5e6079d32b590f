"""Running a page's code listings, unchanged, each in its own subprocess.

A listing runs as ``__main__`` in a fresh temporary directory, with a timeout, its output
captured, matplotlib on the non-interactive Agg backend, and network access refused (the
socket module's connect is replaced by one that raises). Opt-in: ``nnconf audit --run-listings``.

The MNIST listing loads its data with ``sklearn.datasets.fetch_openml('mnist_784')``. With a
local MNIST directory the runner replaces ``fetch_openml`` (in the subprocess only) by a loader
of the verified IDX files returning what OpenML returns for mnist_784: 70 000 rows of pixel
values 0-255 (training set first, then the test set, as on OpenML) and string labels. The
listing's own code is not touched; the report says the loader was redirected.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PRELUDE = r'''
import os, runpy, socket, sys

def _refuse(*args, **kwargs):
    raise OSError("network access is refused while nnconf audit runs a page listing")

socket.socket.connect = _refuse
socket.create_connection = _refuse

_dir = os.environ.get("NNCONF_LISTING_MNIST_DIR")
if _dir:
    from pathlib import Path

    import numpy as np
    import sklearn.datasets
    from sklearn.utils import Bunch

    from nnconf import data as _data

    def fetch_openml(name=None, *args, **kwargs):
        if name != "mnist_784":
            raise OSError(f"nnconf's loader shim serves only mnist_784, not {name!r}")
        ds = _data.load_dir(Path(_dir), source="listing shim")
        x = np.rint(np.vstack([ds.x_train, ds.x_test]) * 255.0)
        y = np.concatenate([ds.y_train, ds.y_test]).astype(str).astype(object)
        print("[nnconf] fetch_openml('mnist_784') redirected to", _dir, file=sys.stderr)
        return Bunch(data=x, target=y)

    sklearn.datasets.fetch_openml = fetch_openml

sys.argv = ["listing.py"]
runpy.run_path("listing.py", run_name="__main__")
'''


@dataclass
class ListingRun:
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    redirected_loader: bool = False
    files: dict = field(default_factory=dict)  # name -> bytes of the files the listing wrote


def run(code: str, *, timeout: float = 900.0, mnist_dir: str | None = None) -> ListingRun:
    with tempfile.TemporaryDirectory(prefix="nnconf-listing-") as tmp:
        Path(tmp, "listing.py").write_text(code, encoding="utf-8")
        Path(tmp, "_nnconf_prelude.py").write_text(PRELUDE, encoding="utf-8")
        env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("NNCONF_LISTING_MNIST_DIR", None)
        if mnist_dir:
            env["NNCONF_LISTING_MNIST_DIR"] = str(Path(mnist_dir).resolve())
        started = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "_nnconf_prelude.py"], cwd=tmp, env=env,
                                  capture_output=True, text=True, timeout=timeout)
            rc, out, err, timed_out = proc.returncode, proc.stdout, proc.stderr, False
        except subprocess.TimeoutExpired as exc:
            rc, timed_out = None, True
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        seconds = time.perf_counter() - started
        files = {p.name: p.read_bytes() for p in Path(tmp).iterdir()
                 if p.is_file() and p.name not in ("listing.py", "_nnconf_prelude.py")}
    return ListingRun(rc, out, err, seconds, timed_out, bool(mnist_dir), files)


def png_dpi(blob: bytes) -> float | None:
    """The resolution a PNG records in its pHYs chunk, in dots per inch (None if absent)."""
    if not blob.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    i = 8
    while i + 8 <= len(blob):
        length = int.from_bytes(blob[i:i + 4], "big")
        kind = blob[i + 4:i + 8]
        if kind == b"pHYs":
            ppu = int.from_bytes(blob[i + 8:i + 12], "big")
            unit = blob[i + 16]
            return ppu * 0.0254 if unit == 1 else None
        i += 12 + length
    return None


def describe(r: ListingRun) -> str:
    if r.timed_out:
        return f"timed out after {r.seconds:.0f} s"
    tail = r.stderr.strip().splitlines()[-1:] if r.returncode else []
    return f"exit {r.returncode} in {r.seconds:.1f} s" + (f" ({tail[0]})" if tail else "")
