"""MNIST in IDX format: a validating reader, the sources in order, and a labelled fallback.

Sources, in order (:func:`load`):

1. ``mnist_dir`` (``--mnist-dir``) or the ``NNCONF_MNIST_DIR`` environment variable;
2. the user cache, ``$XDG_CACHE_HOME/nnconf/mnist/experiment`` (default ``~/.cache/nnconf/mnist/experiment``);
3. a download from the public mirrors into the cache, each file written to a temporary file
   and renamed only once its checksum is verified (an interrupted or corrupt download never
   leaves a file in the cache);
4. scikit-learn's ``fetch_openml('mnist_784')``, the page's own loader.

Every file is checked: gzip or raw, magic number, dimensions, size, count, images and labels
agreeing, and the SHA-256 of the uncompressed bytes against the canonical MNIST values. A
failure raises :class:`DataError` with one line naming the file, what was expected and what
was found.

Files are read as a stream (a gzip file is decompressed in chunks, never whole in memory):
the IDX header is read and checked first, and the size its dimensions announce is the cap;
reading stops one byte past it. So a gzip bomb (a few MB that expand to GBs) costs at most
the announced size (47 MB for the training images) and gives one ``has trailing bytes`` line.

:func:`load_digits_fallback` gives scikit-learn's bundled 8×8 digits for the
cross-framework comparison when MNIST cannot be had; it is labelled as such and never stands
in for the page's claims.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import io
import os
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# name: (uncompressed SHA-256, IDX magic, dimensions)
FILES = {
    "train-images-idx3-ubyte": (
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 2051, (60000, 28, 28)),
    "train-labels-idx1-ubyte": (
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 2049, (60000,)),
    "t10k-images-idx3-ubyte": (
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 2051, (10000, 28, 28)),
    "t10k-labels-idx1-ubyte": (
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 2049, (10000,)),
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
ENV_DIR = "NNCONF_MNIST_DIR"
HOW_TO_PROVIDE = (
    "provide the four MNIST IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
    "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) with --mnist-dir DIR or "
    f"{ENV_DIR}=DIR, or copy them into the cache {{cache}}")


CHUNK = 1 << 20
"""Bytes read (and, for gzip, decompressed) at a time."""


class DataError(RuntimeError):
    """A data file is missing, unreadable or not what it must be (one line, names the file)."""


@dataclass
class Dataset:
    """Pixels in [0, 1] as float64 rows, integer labels, and where they came from."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str  # "MNIST" or "sklearn digits (fallback)"
    provenance: dict = field(default_factory=dict)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nnconf" / "mnist"


def _read(stream, size: int, sha) -> bytearray:
    """At most ``size`` bytes of ``stream``, in chunks, hashed as they come. Memory grows with
    the data that arrives, never beyond ``size``."""
    buf = bytearray()
    while len(buf) < size:
        chunk = stream.read(min(CHUNK, size - len(buf)))
        if not chunk:
            break
        sha.update(chunk)
        buf += chunk
    return buf


def read_idx_stream(path: Path, stream, *, magic: int, dims: tuple | None = None,
                    what: str = "") -> tuple[np.ndarray, str]:
    """The unsigned-byte IDX array of the (uncompressed) binary ``stream``, validated, and the
    SHA-256 of its bytes. The header comes first; its dimensions (``dims`` when given) fix the
    size read; one byte more is read to tell trailing data, and nothing beyond it. ``what``
    qualifies the byte counts in the messages (``" after decompression"``)."""
    sha = hashlib.sha256()
    head = _read(stream, 4, sha)
    if len(head) < 4:
        raise DataError(f"{path}: {len(head)} bytes{what}, too short for an IDX header")
    found_magic = int.from_bytes(head, "big")
    if found_magic != magic:
        raise DataError(f"{path}: magic number {found_magic:#010x}, expected {magic:#010x} "
                        f"(unsigned bytes, {magic & 0xFF} dimension(s))")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    head += _read(stream, header - 4, sha)
    if len(head) < header:
        raise DataError(f"{path}: {len(head)} bytes{what}, shorter than its {header}-byte header")
    shape = tuple(int.from_bytes(head[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if dims is not None and shape != tuple(dims):
        raise DataError(f"{path}: dimensions {shape}, expected {tuple(dims)}")
    expected = header + int(np.prod(shape, dtype=object))
    payload = _read(stream, expected - header, sha)
    if header + len(payload) < expected:
        raise DataError(f"{path}: truncated: {header + len(payload)} bytes{what}, expected {expected} for "
                        f"dimensions {shape}")
    if stream.read(1):
        raise DataError(f"{path}: has trailing bytes: more than {expected} bytes{what}, expected {expected} "
                        f"for dimensions {shape} (read no further)")
    return np.frombuffer(payload, dtype=np.uint8).reshape(shape), sha.hexdigest()


def parse_idx(path: Path, data: bytes, *, magic: int, dims: tuple | None = None) -> np.ndarray:
    """The unsigned-byte IDX array in ``data`` (already decompressed), validated."""
    return read_idx_stream(path, io.BytesIO(data), magic=magic, dims=dims)[0]


def read_idx(path: Path, name: str | None = None, *, verify: bool = True) -> tuple[np.ndarray, str]:
    """Read one MNIST file (gzip or raw) as a stream, validate its structure and, with
    ``verify``, its SHA-256 against the canonical value. Returns the array and the checksum
    found."""
    path = Path(path)
    name = name or path.name.removesuffix(".gz")
    if name not in FILES:
        raise DataError(f"{path}: not an MNIST file name (expected one of {', '.join(FILES)})")
    sha, magic, dims = FILES[name]
    with contextlib.ExitStack() as stack:
        try:
            stream = stack.enter_context(open(path, "rb"))
            gz = stream.read(2) == b"\x1f\x8b"
            stream.seek(0)
        except OSError as exc:
            raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        if gz:
            stream = stack.enter_context(gzip.GzipFile(fileobj=stream, mode="rb"))
        try:
            array, found = read_idx_stream(path, stream, magic=magic, dims=dims,
                                           what=" after decompression" if gz else "")
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise DataError(f"{path}: not a readable gzip file ({exc}); expected a gzip-compressed "
                            "or raw IDX file") from None
        except OSError as exc:
            raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if verify and found != sha:
        raise DataError(f"{path}: SHA-256 of the uncompressed data is {found}, expected {sha} "
                        "(the canonical MNIST file)")
    return array, found


def _find(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def load_dir(directory: Path, *, source: str = "directory") -> Dataset:
    """The four files from ``directory`` (each as ``NAME`` or ``NAME.gz``), validated."""
    directory = Path(directory)
    missing = [name for name in FILES if _find(directory, name) is None]
    if missing:
        raise DataError(f"{directory}: missing {', '.join(missing)} (as NAME or NAME.gz)")
    arrays, checksums, paths = {}, {}, {}
    for name in FILES:
        path = _find(directory, name)
        arrays[name], checksums[name] = read_idx(path, name)
        paths[name] = str(path)
    for split in ("train", "t10k"):
        images, labels = arrays[f"{split}-images-idx3-ubyte"], arrays[f"{split}-labels-idx1-ubyte"]
        if len(images) != len(labels):
            raise DataError(f"{directory}: {split} has {len(images)} images but {len(labels)} labels")
    return Dataset(
        x_train=arrays["train-images-idx3-ubyte"].reshape(60000, -1) / 255.0,
        y_train=arrays["train-labels-idx1-ubyte"].astype(np.int64),
        x_test=arrays["t10k-images-idx3-ubyte"].reshape(10000, -1) / 255.0,
        y_test=arrays["t10k-labels-idx1-ubyte"].astype(np.int64),
        name="MNIST",
        provenance={"source": source, "path": str(directory), "files": paths,
                    "sha256_uncompressed": checksums, "verified": True})


def download(directory: Path, *, mirrors=MIRRORS, timeout: float = 60.0) -> None:
    """Fetch the missing ``NAME.gz`` files into ``directory``. Each goes to a temporary file
    beside its destination and is renamed only after its uncompressed SHA-256 matches; on any
    failure the temporary file is removed and the next mirror is tried."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        if _find(directory, name) is not None:
            continue
        errors = []
        for mirror in mirrors:
            url = f"{mirror}{name}.gz"
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as r:
                    while chunk := r.read(1 << 20):
                        out.write(chunk)
                read_idx(Path(tmp), name)  # structure and checksum, or DataError
                os.replace(tmp, directory / f"{name}.gz")
                break
            except (OSError, DataError, ValueError, http.client.HTTPException) as exc:
                errors.append(f"{url}: {exc}")
            finally:
                Path(tmp).unlink(missing_ok=True)
        else:
            raise DataError(f"{name}: no mirror gave a verified file: " + "; ".join(errors))


def _openml() -> Dataset:
    from sklearn.datasets import fetch_openml

    mnist = fetch_openml("mnist_784", version=1, as_frame=False, parser="auto")
    x = np.asarray(mnist.data, dtype=np.float64) / 255.0
    y = np.asarray(mnist.target).astype(np.int64)
    return Dataset(x[:60000], y[:60000], x[60000:], y[60000:], "MNIST",
                   {"source": "openml", "path": "fetch_openml('mnist_784', version=1)",
                    "verified": False, "note": "OpenML's copy; no IDX checksums to verify"})


def load(mnist_dir: str | Path | None = None, *, allow_download: bool = True,
         allow_openml: bool = True) -> Dataset:
    """MNIST from the first source that has it (see the module docstring)."""
    explicit = mnist_dir or os.environ.get(ENV_DIR)
    if explicit:
        return load_dir(Path(explicit), source="--mnist-dir" if mnist_dir else ENV_DIR)
    cache = cache_dir()
    tried = []
    if all(_find(cache, name) for name in FILES):
        return load_dir(cache, source="cache")
    if allow_download:
        try:
            download(cache)
            return load_dir(cache, source="download")
        except DataError as exc:
            tried.append(f"download: {exc}")
    if allow_openml:
        try:
            return _openml()
        except Exception as exc:  # offline, or OpenML unreachable: say so and go on
            tried.append(f"fetch_openml: {type(exc).__name__}: {exc}")
    raise DataError("MNIST not found: " + HOW_TO_PROVIDE.format(cache=cache)
                    + (" (tried " + "; ".join(tried) + ")" if tried else ""))


def load_digits_fallback() -> Dataset:
    """scikit-learn's bundled 8×8 digits (1797 images), split 1500/297, pixels scaled to
    [0, 1]: a stand-in for the cross-framework comparison only, labelled as such."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.data / 16.0
    y = digits.target.astype(np.int64)
    return Dataset(x[:1500], y[:1500], x[1500:], y[1500:], "sklearn digits (fallback)",
                   {"source": "sklearn.datasets.load_digits", "verified": False,
                    "note": "fallback: not MNIST; never used for the page's claims"})
