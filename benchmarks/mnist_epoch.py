"""Seconds per MNIST epoch per framework, against this machine's float64 roofline.

The roofline is measured in the same run: the FLOPs of one training epoch (60 000 images; the
runners time the training loop, not the evaluation) divided by the DGEMM rate NumPy reaches on
large matrices just before.
The "page's way" baseline is the NumPy reference runner (the page's algorithm in plain NumPy).
Each framework trains ``--epochs`` epochs (default 2) and the fastest epoch after the first
counts (the first carries JAX's compilation). A benchmark prints figures; it is not a timed
test.

    python benchmarks/mnist_epoch.py [--mnist-dir DIR] [--dtype float64] [--framework NAME]...
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nnconf import data, mnist


def dgemm_gflops(n: int = 2048, repeats: int = 5, dtype=np.float64) -> float:
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), dtype=dtype), rng.random((n, n), dtype=dtype)
    a @ b  # warm-up
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n**3 * repeats / (time.perf_counter() - started) / 1e9


def epoch_flops(sizes=(784, 256, 128, 10), n_train: int = 60000, n_test: int = 0) -> float:
    """Multiply-adds ×2: forward, weight gradients, and δ through every layer but the first,
    per training sample; forward only per test sample."""
    forward = 2 * sum(i * o for i, o in zip(sizes[:-1], sizes[1:], strict=True))
    backward_delta = 2 * sum(i * o for i, o in zip(sizes[1:-1], sizes[2:], strict=True))
    return n_train * (2 * forward + backward_delta) + n_test * forward


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist-dir", default=None)
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    parser.add_argument("--framework", action="append", choices=list(mnist.FRAMEWORKS))
    parser.add_argument("--epochs", type=int, default=2,
                        help="epochs per framework; the fastest epoch after the first counts")
    args = parser.parse_args()
    ds = data.load(args.mnist_dir)
    gflops = dgemm_gflops(dtype=np.dtype(args.dtype))
    flops = epoch_flops()
    roofline = flops / (gflops * 1e9)
    cfg = mnist.Config(epochs=args.epochs, dtype=args.dtype)
    inputs = mnist.make_inputs(cfg, len(ds.x_train))
    print(f"DGEMM ({args.dtype}, 2048²): {gflops:.1f} GFLOP/s; one epoch: {flops / 1e9:.1f} GFLOP; "
          f"roofline time {roofline:.2f} s")
    times = {}
    for name in args.framework or mnist.FRAMEWORKS:
        run = mnist.RUNNERS[name](ds, inputs, cfg)
        times[name] = min(run.seconds[1:] or run.seconds)  # epoch 1 carries JAX's compilation
    base = times.get("reference")
    print(f"{'framework':10s} {'s/epoch':>8s} {'× roofline':>11s} {'× page-way NumPy':>17s}")
    for name, seconds in times.items():
        rel = f"{seconds / base:17.2f}" if base else f"{'–':>17s}"
        print(f"{name:10s} {seconds:8.2f} {seconds / roofline:11.2f} {rel}")


if __name__ == "__main__":
    main()
