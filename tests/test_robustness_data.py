"""Issue 11's reproduction for the data loader: a gzip bomb named like an MNIST file.

Before: ``read_idx`` decompressed the whole file in memory (a 23 MB gzip that expands to 5 GB
reached 3.8 GB RSS, then a MemoryError traceback). Now the file is streamed and the size its
IDX header announces is the cap: the bomb costs at most that size and gives one
``DataError`` line naming the file.

The default tests use small bombs and measure Python's allocations (tracemalloc); the test
marked ``slow`` builds the issue's bomb (23 MB of gzip expanding to 5 GB) and measures the
peak RSS of a process that reads it and of ``nnconf mnist`` given it.
"""

import os
import resource
import shutil
import subprocess
import sys
import tracemalloc
import zlib
from pathlib import Path

import pytest

from nnconf.mnist import data

MB = 1 << 20
ROOT = Path(__file__).resolve().parents[1]


def _idx_header(magic: int, shape: tuple) -> bytes:
    return magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in shape)


def write_bomb(path: Path, header: bytes, expanded: int, *, member: int = 64 * MB, level: int = 9) -> Path:
    """A gzip file that decompresses to ``header`` and ``expanded`` zero bytes. Quick form:
    one compressed member of ``member`` zeros written again and again (a multi-member gzip,
    which every decoder reads as one stream); ``member=0``: one single deflate stream."""
    with open(path, "wb") as out:
        out.write(_gzip(header, level))
        if member:
            block = _gzip(bytes(member), level)
            for _ in range(expanded // member):
                out.write(block)
            out.write(_gzip(bytes(expanded % member), level))
        else:
            co, zeros, left = zlib.compressobj(level, zlib.DEFLATED, 31), bytes(MB), expanded
            while left:
                out.write(co.compress(zeros[:min(MB, left)]))
                left -= min(MB, left)
            out.write(co.flush())
    return path


def _gzip(payload: bytes, level: int) -> bytes:
    co = zlib.compressobj(level, zlib.DEFLATED, 31)  # wbits 31: a gzip member
    return co.compress(payload) + co.flush()


def _peak_allocated(fn) -> int:
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_small_header_big_payload_is_one_line_with_bounded_memory(tmp_path, monkeypatch):
    # the header announces 100 labels; the file expands to 256 MB (was: all 256 MB in memory)
    files = {**data.FILES, "t10k-labels-idx1-ubyte": ("0" * 64, 2049, (100,))}
    monkeypatch.setattr(data, "FILES", files)
    path = write_bomb(tmp_path / "t10k-labels-idx1-ubyte.gz", _idx_header(2049, (100,)), 256 * MB)
    assert path.stat().st_size < MB

    def read():
        with pytest.raises(data.DataError) as err:
            data.read_idx(path)
        message = str(err.value)
        assert "\n" not in message and message.startswith(f"{path}: has trailing bytes: more than 108 bytes "
                                                          "after decompression, expected 108")

    peak = _peak_allocated(read)
    assert peak < 4 * MB, f"{peak / MB:.1f} MB allocated reading a 108-byte file"


def test_canonical_header_caps_the_bomb_at_the_announced_size(tmp_path):
    # the training images' own header (60000×28×28: 47 MB announced), then 192 MB more
    images = 60000 * 28 * 28
    path = write_bomb(tmp_path / "train-images-idx3-ubyte.gz", _idx_header(2051, (60000, 28, 28)), images + 192 * MB)

    def read():
        with pytest.raises(data.DataError, match=r"train-images-idx3-ubyte.gz: has trailing bytes: more than "
                                                 r"47040016 bytes after decompression"):
            data.read_idx(path)

    peak = _peak_allocated(read)
    # the announced 47 MB, bytearray's growth slack (1/8; never touched, so not resident) and
    # a chunk in flight: 53 MB measured (was: 239 MB, the whole expansion)
    assert peak < images * 1.25 + 4 * MB, f"{peak / MB:.1f} MB allocated for a 47 MB cap"


def test_a_header_announcing_more_is_refused_before_reading(tmp_path):
    # a header that announces 2^32 images: the dimensions are checked before any payload
    path = write_bomb(tmp_path / "train-images-idx3-ubyte.gz", _idx_header(2051, (2**32 - 1, 28, 28)), 8 * MB)
    peak = _peak_allocated(lambda: pytest.raises(data.DataError, data.read_idx, path))
    assert peak < 4 * MB
    with pytest.raises(data.DataError, match=r"dimensions \(4294967295, 28, 28\), expected \(60000, 28, 28\)"):
        data.read_idx(path)


def test_raw_file_longer_than_announced_is_not_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "FILES", {**data.FILES, "t10k-labels-idx1-ubyte": ("0" * 64, 2049, (100,))})
    path = tmp_path / "t10k-labels-idx1-ubyte"
    with open(path, "wb") as out:
        out.write(_idx_header(2049, (100,)))
        out.truncate(64 * MB)  # a sparse 64 MB file
    peak = _peak_allocated(lambda: pytest.raises(data.DataError, data.read_idx, path))
    assert peak < 4 * MB
    with pytest.raises(data.DataError, match=r"has trailing bytes: more than 108 bytes, expected 108"):
        data.read_idx(path)


# ------------------------------------------------------------------ the issue's bomb (slow)
READ_AND_MEASURE = """
import resource, sys
from pathlib import Path
from nnconf import data
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    data.read_idx(Path(sys.argv[1]))
    print("no error")
except data.DataError as exc:
    print(f"DataError: {exc}")
print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
ADDRESS_SPACE = 3 << 30  # the children's limit: a regression gets a MemoryError, not the machine's RAM


def _limited():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def _run(args, **kw):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=_limited, **kw)
    out, err = proc.communicate(timeout=600)
    return proc.returncode, out, err


@pytest.fixture(scope="module")
def issue_bomb(tmp_path_factory):
    """The issue's bomb: one deflate stream (level 1) of the images' header and 5 GB of zeros, 23 MB."""
    path = tmp_path_factory.mktemp("bomb") / "train-images-idx3-ubyte.gz"
    write_bomb(path, _idx_header(2051, (60000, 28, 28)), 5 * 10**9, member=0, level=1)
    return path


@pytest.mark.slow
def test_issue_bomb_peak_rss(issue_bomb):
    rc, out, err = _run([sys.executable, "-c", READ_AND_MEASURE, str(issue_bomb)])
    assert rc == 0, err
    message, rss = out.splitlines()
    before, after = (int(v) / 1024 for v in rss.split())  # ru_maxrss is in KiB on Linux
    print(f"\ngzip bomb: {issue_bomb.stat().st_size / MB:.1f} MB of gzip expanding to 5 GB; peak RSS "
          f"{after:.0f} MB (before reading {before:.0f} MB, +{after - before:.0f} MB)")
    assert message.startswith(f"DataError: {issue_bomb}: has trailing bytes: more than 47040016 bytes")
    assert after - before < 47040016 / MB * 1.15 + 16, f"peak RSS grew by {after - before:.0f} MB"


@pytest.mark.slow
def test_issue_bomb_through_the_cli(issue_bomb, tmp_path):
    mnist = tmp_path / "mnist"
    mnist.mkdir()
    shutil.copy(issue_bomb, mnist / issue_bomb.name)
    for name in list(data.FILES)[1:]:
        (mnist / f"{name}.gz").write_bytes(b"")  # never reached: the images come first
    rc, out, err = _run([sys.executable, "-m", "nnconf.cli", "mnist", "--mnist-dir", str(mnist), "--epochs", "1",
                         "--framework", "reference", "--no-progress", "--out-dir", str(tmp_path / "out")],
                        cwd=tmp_path)
    assert rc == 2 and len(err.strip().splitlines()) == 1, err  # exit 2, one line, no traceback
    assert "train-images-idx3-ubyte.gz: has trailing bytes" in err
    assert not (tmp_path / "out" / "mnist.json").exists()
