"""The MNIST data pipeline: the real files, and every way a file can be wrong.

Real data come from the verified copy in ../shared/mnist (NNCONF_MNIST_DIR, or that path);
the download tests serve files from a local HTTP server on 127.0.0.1 only.
"""

import functools
import gzip
import http.server
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from nnconf.mnist import data

SHARED = Path(os.environ.get(data.ENV_DIR) or Path(__file__).resolve().parents[2] / "shared" / "mnist")
# Skipped only when no copy is configured and none lies beside the checkout; a configured
# NNCONF_MNIST_DIR that is wrong fails the tests instead.
needs_mnist = pytest.mark.skipif(
    not os.environ.get(data.ENV_DIR) and not (SHARED / "train-images-idx3-ubyte.gz").exists(),
    reason=f"no MNIST copy at {SHARED} and {data.ENV_DIR} unset")


@pytest.fixture(scope="module")
def mnist():
    return data.load_dir(SHARED)


@needs_mnist
def test_real_mnist_loads_and_verifies(mnist):
    assert mnist.x_train.shape == (60000, 784) and mnist.x_test.shape == (10000, 784)
    assert mnist.y_train.shape == (60000,) and set(np.unique(mnist.y_test)) == set(range(10))
    assert 0.0 <= mnist.x_train.min() and mnist.x_train.max() == 1.0
    assert mnist.provenance["verified"]
    assert mnist.provenance["sha256_uncompressed"] == {k: v[0] for k, v in data.FILES.items()}


@needs_mnist
def test_env_dir_is_the_first_source(monkeypatch):
    monkeypatch.setenv(data.ENV_DIR, str(SHARED))
    assert data.load(allow_download=False, allow_openml=False).provenance["source"] == data.ENV_DIR


def _idx(magic: int, shape: tuple, payload: bytes | None = None) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in shape)
    return header + (payload if payload is not None else bytes(int(np.prod(shape))))


def test_wrong_magic_names_file_expected_and_found(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte"
    path.write_bytes(_idx(2051, (60000,)))
    with pytest.raises(data.DataError, match=r"train-labels-idx1-ubyte: magic number 0x00000803, "
                                             r"expected 0x00000801"):
        data.read_idx(path)


def test_truncated_raw_file(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(_idx(2049, (10000,))[:-5])
    with pytest.raises(data.DataError, match=r"truncated: 10003 bytes, expected 10008"):
        data.read_idx(path)


def test_truncated_gzip_file(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(_idx(2049, (10000,)))[:-20])
    with pytest.raises(data.DataError, match=r"t10k-labels-idx1-ubyte.gz: not a readable gzip"):
        data.read_idx(path)


def test_wrong_dimensions(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(_idx(2049, (9999,)))
    with pytest.raises(data.DataError, match=r"dimensions \(9999,\), expected \(10000,\)"):
        data.read_idx(path)


def test_wrong_checksum(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(_idx(2049, (10000,)))  # right structure, wrong content
    with pytest.raises(data.DataError, match=r"SHA-256 of the uncompressed data is [0-9a-f]{64}, "
                                             r"expected ff7bcfd4"):
        data.read_idx(path)


@needs_mnist
def test_corrupted_byte_fails_the_checksum(tmp_path):
    raw = bytearray(gzip.decompress((SHARED / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    raw[100] ^= 1
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(bytes(raw))
    with pytest.raises(data.DataError, match="SHA-256"):
        data.read_idx(tmp_path / "t10k-labels-idx1-ubyte")


def test_images_and_labels_must_agree(tmp_path, monkeypatch):
    # a consistent set of synthetic files whose label count disagrees with the image count
    files = {name: (None, magic, dims) for name, (_, magic, dims) in data.FILES.items()}
    files["t10k-labels-idx1-ubyte"] = (None, 2049, (9999,))
    monkeypatch.setattr(data, "FILES", files)
    monkeypatch.setattr(data, "read_idx", functools.partial(data.read_idx, verify=False))
    for name, (_, magic, dims) in files.items():
        (tmp_path / name).write_bytes(_idx(magic, dims))
    with pytest.raises(data.DataError, match="t10k has 10000 images but 9999 labels"):
        data.load_dir(tmp_path)


def test_missing_files_say_how_to_provide_them(tmp_path, monkeypatch):
    monkeypatch.delenv(data.ENV_DIR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(data.DataError, match=r"MNIST not found: provide the four MNIST IDX files "
                                             r".*--mnist-dir DIR or NNCONF_MNIST_DIR=DIR"):
        data.load(allow_download=False, allow_openml=False)


class _Server:
    """Serves a folder on 127.0.0.1 (an ephemeral port); ``truncate`` cuts every response."""

    def __init__(self, root: Path, truncate: bool = False):
        handler = functools.partial(_Handler, directory=str(root), truncate=truncate)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, truncate=False, **kwargs):
        self.truncate = truncate
        super().__init__(*args, **kwargs)

    def log_message(self, *args):
        pass

    def do_GET(self):
        if not self.truncate:
            return super().do_GET()
        body = Path(self.translate_path(self.path)).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))  # promises more than it sends
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])


@needs_mnist
def test_download_verifies_then_renames(tmp_path):
    server = _Server(SHARED)
    try:
        data.download(tmp_path / "cache", mirrors=(server.url,), timeout=10)
    finally:
        server.close()
    loaded = data.load_dir(tmp_path / "cache", source="download")
    assert loaded.provenance["verified"]
    assert not list((tmp_path / "cache").glob(".*part"))


@pytest.mark.parametrize("fault", ["corrupt", "interrupted"])
def test_bad_download_never_poisons_the_cache(tmp_path, fault):
    served = tmp_path / "served"
    served.mkdir()
    for name, (_, magic, dims) in data.FILES.items():
        (served / f"{name}.gz").write_bytes(gzip.compress(_idx(magic, dims)))  # wrong content
    server = _Server(served, truncate=(fault == "interrupted"))
    cache = tmp_path / "cache"
    try:
        with pytest.raises(data.DataError, match="no mirror gave a verified file"):
            data.download(cache, mirrors=(server.url,), timeout=10)
    finally:
        server.close()
    assert list(cache.iterdir()) == []  # neither the bad file nor a temporary one is left
