"""Seconds per MNIST epoch per framework, against this machine's float64 roofline.

The roofline is the FLOPs of one training epoch (60 000 images, 938 steps of 784-256-128-10;
the runners time the training loop, not the evaluation) divided by the DGEMM rate NumPy
reaches on large matrices (2048²) with the same threads. The figures hold on a noisy machine:
``--repeats`` interleaved repetitions (every framework once per repetition), the DGEMM rate
measured between consecutive runs, each run's ratio taken against the mean of the rates
measured just before and just after it, and the median over repetitions printed (with the
range). Every figure is given twice: by the wall clock, and by the process's CPU time, which
on a shared machine does not count the time other processes held the core (with one thread,
the figure a quiet machine's wall clock gives). Each run trains ``--epochs`` epochs and its
epochs after the first count (the first carries JAX's compilation). ``--threads`` (default 1)
sets the BLAS, OpenMP, torch and XLA threads before any of them starts; ``--cpus`` pins the
process (``taskset``). ``--floors`` also times what bounds the reference and torch: the step's
matrix products and the update alone, in NumPy and in torch. ``--overhead`` also prints the
load-independent proxies of :mod:`nnconf.mnist.overhead`: Python-level calls and traced bytes
allocated per training step. A benchmark prints figures; it is not a timed test.

    python benchmarks/mnist_epoch.py [--mnist-dir DIR] [--dtype float64] [--framework NAME]...
        [--epochs 2] [--repeats 3] [--threads 1] [--cpus 1] [--floors] [--overhead]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

FRAMEWORKS = ("reference", "torch", "jax", "sklearn")


def set_threads(n: int) -> None:
    """Every thread pool of the process to ``n`` threads; call before importing NumPy."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    eigen = "false" if n == 1 else "true"
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + f" --xla_cpu_multi_thread_eigen="
                               f"{eigen} intra_op_parallelism_threads={n}").strip()


def dgemm_gflops(n: int = 2048, repeats: int = 3, dtype: str = "float64") -> tuple[float, float]:
    """NumPy's ``n``×``n`` matrix product rate, GFLOP/s by the wall clock and by CPU time."""
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = rng.random((n, n)).astype(dtype), rng.random((n, n)).astype(dtype)
    a @ b  # warm-up
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        a @ b
    flop = 2 * n**3 * repeats / 1e9
    return flop / (time.perf_counter() - wall), flop / (time.process_time() - cpu)


def epoch_flops(sizes=(784, 256, 128, 10), n_train: int = 60000, n_test: int = 0) -> float:
    """Multiply-adds ×2: forward, weight gradients, and δ through every layer but the first,
    per training sample; forward only per test sample."""
    forward = 2 * sum(i * o for i, o in zip(sizes[:-1], sizes[1:], strict=True))
    backward_delta = 2 * sum(i * o for i, o in zip(sizes[1:-1], sizes[2:], strict=True))
    return n_train * (2 * forward + backward_delta) + n_test * forward


def floor_numpy(task):
    """What bounds any NumPy implementation of the page's step: its eight matrix products per
    step (forward, weight gradients, δ through the upper layers, all into preallocated arrays)
    and the in-place update ``W -= lr·dW``, on the same batches, with nothing else (no bias,
    activation, softmax or loss). The output layer's δ is a fixed array and the update's rate
    is 0 (``W -= 0·dW``: the same passes over memory), so that the values, which no loss
    keeps in range here, stay what they were."""
    import numpy as np

    from oracles.mnist_task import Run, clock

    dt = np.dtype(task.dtype)
    params = [np.array(W, dt) for W, _ in task.params]
    x_train = np.asarray(task.x_train, dt)
    rows = task.batch_size
    x = np.empty((rows, x_train.shape[1]), dt)
    z = [np.empty((rows, W.shape[1]), dt) for W in params]
    back = [np.empty((rows, W.shape[0]), dt) for W in params]
    grads = [np.empty_like(W) for W in params]
    delta_out = np.full((rows, params[-1].shape[1]), 1.0 / rows, dt)
    run = Run(framework="numpy-floor")
    for epoch in task.epochs:
        started = clock()
        for idx in epoch:
            m = len(idx)
            a = [np.take(x_train, idx, axis=0, out=x[:m], mode="clip")]
            for W, out in zip(params, z, strict=True):
                a.append(np.matmul(a[-1], W, out=out[:m]))
            delta = delta_out[:m]
            for i in reversed(range(len(params))):
                np.matmul(a[i].T, delta, out=grads[i])
                if i > 0:
                    delta = np.matmul(delta, params[i].T, out=back[i][:m])
            for W, dW in zip(params, grads, strict=True):
                W -= np.multiply(dW, 0.0, out=dW)
        run.timed(started)
    return run


def floor_torch(task):
    """The same eight matrix products and update in torch (``torch.mm`` with ``out=``, MKL),
    without autograd (the same fixed output δ): what bounds torch's step."""
    import numpy as np
    import torch

    from oracles.mnist_task import Run, clock

    dt = {"float64": torch.float64, "float32": torch.float32}[task.dtype]
    params = [torch.from_numpy(np.array(W, np.float64)).to(dt) for W, _ in task.params]
    x_train = torch.from_numpy(np.asarray(task.x_train)).to(dt)
    rows = task.batch_size
    x = torch.empty((rows, x_train.shape[1]), dtype=dt)
    z = [torch.empty((rows, W.shape[1]), dtype=dt) for W in params]
    back = [torch.empty((rows, W.shape[0]), dtype=dt) for W in params]
    grads = [torch.empty_like(W) for W in params]
    delta_out = torch.full((rows, params[-1].shape[1]), 1.0 / rows, dtype=dt)
    run = Run(framework="torch-floor")
    for epoch in task.epochs:
        started = clock()
        for idx in epoch:
            m = len(idx)
            a = [torch.index_select(x_train, 0, torch.from_numpy(idx), out=x[:m])]
            for W, out in zip(params, z, strict=True):
                a.append(torch.mm(a[-1], W, out=out[:m]))
            delta = delta_out[:m]
            for i in reversed(range(len(params))):
                torch.mm(a[i].T, delta, out=grads[i])
                if i > 0:
                    delta = torch.mm(delta, params[i].T, out=back[i][:m])
            for W, dW in zip(params, grads, strict=True):
                W.add_(dW, alpha=-0.0)
        run.timed(started)
    return run


FLOORS = {"numpy-floor": floor_numpy, "torch-floor": floor_torch}


def parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist-dir", default=None)
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    parser.add_argument("--framework", action="append", choices=list(FRAMEWORKS))
    parser.add_argument("--epochs", type=int, default=2,
                        help="epochs per run (≥ 2); the epochs after the first count")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repetitions (≥ 1)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads of BLAS, OpenMP, torch and XLA (default 1)")
    parser.add_argument("--cpus", default=None, help="pin to these CPUs, e.g. '1' or '0,1'")
    parser.add_argument("--floors", action="store_true",
                        help="also time the matrix products + update alone (NumPy, torch): what "
                             "bounds the reference and torch")
    parser.add_argument("--overhead", action="store_true",
                        help="also print calls and traced bytes per step (load-independent)")
    args = parser.parse_args(argv)
    if args.epochs < 2 or args.repeats < 1 or args.threads < 1:
        parser.error("--epochs must be ≥ 2, --repeats and --threads ≥ 1")
    return args


def main(argv=None) -> None:
    args = parse(argv)
    set_threads(args.threads)  # before NumPy, torch or jax start their thread pools
    if args.cpus:
        os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})
    from nnconf.mnist import data
    from nnconf.mnist import experiment as mnist

    if "torch" in (args.framework or FRAMEWORKS):
        import torch
        torch.set_num_threads(args.threads)
    ds = data.load(args.mnist_dir)
    cfg = mnist.Config(epochs=args.epochs, dtype=args.dtype)
    inputs = mnist.make_inputs(cfg, len(ds.x_train))
    flops = epoch_flops()
    task = mnist.task(ds, inputs, cfg)
    runners = {n: (lambda n=n: mnist.RUNNERS[n](ds, inputs, cfg)) for n in args.framework or FRAMEWORKS}
    if args.floors:
        runners.update({n: (lambda f=f: f(task)) for n, f in FLOORS.items()})
    names = list(runners)
    clocks = ("wall", "cpu")
    rates = {c: [] for c in clocks}
    seconds = {c: {n: [] for n in names} for c in clocks}
    ratios = {c: {n: [] for n in names} for c in clocks}

    def measure_dgemm():
        for c, rate in zip(clocks, dgemm_gflops(dtype=args.dtype), strict=True):
            rates[c].append(rate)

    print(f"{args.dtype}, {args.threads} thread(s), CPUs {sorted(os.sched_getaffinity(0))}, "
          f"load average {os.getloadavg()[0]:.2f}; one epoch: {flops / 1e9:.1f} GFLOP",
          file=sys.stderr)
    measure_dgemm()
    for rep in range(args.repeats):
        for name in names:
            run = runners[name]()
            measure_dgemm()
            for c, times in zip(clocks, (run.seconds, run.cpu_seconds), strict=True):
                per_epoch = statistics.median(times[1:])
                roofline = flops / ((rates[c][-2] + rates[c][-1]) / 2 * 1e9)
                seconds[c][name].append(per_epoch)
                ratios[c][name].append(per_epoch / roofline)
            print(f"  repetition {rep + 1}: {name} {seconds['wall'][name][-1]:.2f} s/epoch "
                  f"(CPU {seconds['cpu'][name][-1]:.2f} s), DGEMM {rates['wall'][-2]:.1f}/"
                  f"{rates['wall'][-1]:.1f} GFLOP/s, × roofline {ratios['wall'][name][-1]:.2f} "
                  f"(CPU {ratios['cpu'][name][-1]:.2f})", file=sys.stderr)
    for c, title in zip(clocks, ("wall clock", "CPU time (process_time)"), strict=True):
        rate = statistics.median(rates[c])
        print(f"{title}: DGEMM ({args.dtype}, 2048², {args.threads} thread(s)) median {rate:.1f} "
              f"GFLOP/s (range {min(rates[c]):.1f}–{max(rates[c]):.1f}, {len(rates[c])} "
              f"measurements), roofline {flops / rate / 1e9:.2f} s/epoch; medians of "
              f"{args.repeats} interleaved repetitions")
        base = statistics.median(seconds[c]["reference"]) if "reference" in names else None
        print(f"  {'framework':10s} {'s/epoch':>8s} {'× roofline':>11s} {'(range)':>13s} "
              f"{'× reference':>12s}")
        for name in names:
            s, r = statistics.median(seconds[c][name]), statistics.median(ratios[c][name])
            span = f"{min(ratios[c][name]):.2f}–{max(ratios[c][name]):.2f}"
            rel = f"{s / base:12.2f}" if base else f"{'–':>12s}"
            print(f"  {name:10s} {s:8.2f} {r:11.2f} {span:>13s} {rel}")
    if args.overhead:
        from nnconf.mnist import overhead as mnist_overhead

        print(f"{'framework':10s} {'calls/step':>11s} {'traced KiB/step':>16s}")
        for name in args.framework or FRAMEWORKS:
            o = mnist_overhead.overhead(mnist.TRAINERS[name], task)
            print(f"{name:10s} {o.calls_per_step:11.0f} {o.peak_bytes_per_step / 1024:16.1f}")


if __name__ == "__main__":
    main()
