"""What runs first inside the sandbox, before a page listing (copied into its work directory).

Standalone: the standard library and NumPy only (nnconf itself is not visible inside the
sandbox). ``python _nnconf_prelude.py run`` runs ``listing.py`` as ``__main__``, unchanged;
``python _nnconf_prelude.py exercise`` hands over to ``_nnconf_exercise.py``, which calls
what the listing defines.

The MNIST loader shim: when ``NNCONF_LISTING_MNIST_DIR`` names a directory (bound read-only
into the sandbox), ``sklearn.datasets.fetch_openml('mnist_784')`` is replaced, in this process
only, by a reader of the four IDX files there (gzip or raw), each checked against the
canonical SHA-256 in ``NNCONF_LISTING_MNIST_SHA256``, returning what OpenML returns for
mnist_784: 70 000 rows of pixel values 0-255 as float64 (training set first, then the test
set) and string labels. The listing's own code is not touched.
"""

import gzip
import hashlib
import json
import os
import runpy
import sys


def _read_idx(directory, name, sha256):
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                raw = f.read()
            data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            found = hashlib.sha256(data).hexdigest()
            if found != sha256:
                raise OSError(f"nnconf's loader shim: {path} has SHA-256 {found}, not MNIST's {sha256}")
            return data
    raise OSError(f"nnconf's loader shim: no {name}[.gz] in {directory}")


class _PatchOnImport:
    """A meta-path finder that lets ``sklearn.datasets`` load as usual and then patches it, so
    that a listing which never imports scikit-learn does not pay for importing it."""

    def __init__(self, patch):
        self.patch = patch

    def find_spec(self, name, path=None, target=None):
        if name != "sklearn.datasets":
            return None
        sys.meta_path.remove(self)
        import importlib.util
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            run = spec.loader.exec_module

            def exec_module(module):
                run(module)
                self.patch(module)
            spec.loader.exec_module = exec_module
        return spec


def install_mnist_shim(directory, checksums):
    sys.meta_path.insert(0, _PatchOnImport(lambda module: _patch(module, directory, checksums)))


def _patch(datasets, directory, checksums):
    import numpy as np
    from sklearn.utils import Bunch

    def fetch_openml(name=None, *args, **kwargs):
        if name != "mnist_784":
            raise OSError(f"nnconf's loader shim serves only mnist_784, not {name!r} (no network here)")
        parts = {}
        for key in checksums:
            data = _read_idx(directory, key, checksums[key])
            ndim = data[3]
            shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
            parts[key] = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)
        x = np.vstack([parts["train-images-idx3-ubyte"].reshape(60000, 784),
                       parts["t10k-images-idx3-ubyte"].reshape(10000, 784)]).astype(np.float64)
        y = np.concatenate([parts["train-labels-idx1-ubyte"], parts["t10k-labels-idx1-ubyte"]])
        print("[nnconf] fetch_openml('mnist_784') redirected to", directory, file=sys.stderr)
        return Bunch(data=x, target=y.astype(str).astype(object))

    datasets.fetch_openml = fetch_openml


def main():
    directory = os.environ.get("NNCONF_LISTING_MNIST_DIR")
    if directory:
        install_mnist_shim(directory, json.loads(os.environ["NNCONF_LISTING_MNIST_SHA256"]))
    mode = sys.argv[1] if len(sys.argv) > 1 else "run"
    if mode == "exercise":
        import _nnconf_exercise
        _nnconf_exercise.main("listing.py", "_nnconf_requests.json", "_nnconf_results.json")
        return
    sys.argv = ["listing.py"]
    runpy.run_path("listing.py", run_name="__main__")


if __name__ == "__main__":
    main()
