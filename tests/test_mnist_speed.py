"""The MNIST runners without per-step copies (issue 17 item 1), pinned by properties that do not
depend on the machine's load:

- the buffer-reusing :func:`reference.mlp.forward_into` / :func:`reference.mlp.backward_into`
  give bitwise what :func:`reference.mlp.forward` / :func:`reference.mlp.backward` give (every
  stored array, every gradient), and a planted bug in either is caught by that comparison;
- the reference runner trains bitwise as the plain loop of the page's algorithm does;
- a training step of the reference runner allocates (``tracemalloc``) less than one hidden
  activation; the plain loop, which allocates its batch, activations and gradients every step,
  is caught by the same bound;
- every trainer honours the task's dtype.
"""

import dataclasses

import numpy as np
import pytest

from nnconf.conformance.mutants import Mutant
from nnconf.mnist import experiment as mnist
from nnconf.mnist import overhead as mnist_overhead
from oracles.mnist_task import Run, Task
from reference import losses as L
from reference import mlp as M

SIZES = (784, 256, 128, 10)  # the page's network: the allocation bound is about its arrays


def _network(sizes, rng, dtype):
    return [((rng.standard_normal((i, o)) * np.sqrt(2 / i)).astype(dtype),
             (rng.standard_normal(o) * 0.1).astype(dtype)) for i, o in zip(sizes[:-1], sizes[1:],
                                                                           strict=True)]


def _batch(rng, rows, sizes, dtype):
    x = rng.standard_normal((rows, sizes[0])).astype(dtype)
    x[0] = 0.0  # with zero biases below, z = 0 exactly: ReLU′ at its kink (the page's 0)
    y = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], rows)]
    return x, y


def _same(a, b) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def _into_matches_plain(forward_into=M.forward_into, backward_into=M.backward_into, *,
                        activation="relu", dtype=np.float64, rows=64, sizes=(20, 16, 12, 5),
                        nan_in_z=False):
    """Both pairs on the same batches; ``nan_in_z`` puts a NaN into one z⁽¹⁾ entry of both
    caches before the backward pass, so σ′(NaN) = NaN (the activations' NaN policy) is compared
    where it shows (a NaN from the input would reach every gradient through the batch sums)."""
    rng = np.random.default_rng(7)
    params = _network(sizes, rng, dtype)
    params[0] = (params[0][0], np.zeros_like(params[0][1]))
    ws = M.workspace(sizes, 64, dtype)
    for _ in range(2):  # the second call reuses (overwrites) the first's buffers
        x, y = _batch(rng, rows, sizes, dtype)
        plain = M.forward(params, x, activation=activation, layout="code")
        cache = forward_into(params, x, ws, activation=activation)
        if nan_in_z:
            plain.zs[0][2, 1] = cache.zs[0][2, 1] = np.nan
        grads_plain = M.backward(params, plain, y, activation=activation, layout="code")
        grads = backward_into(params, cache, y, ws, activation=activation)
        arrays = [*zip(plain.zs, cache.zs, strict=True),
                  *zip(plain.activations, cache.activations, strict=True),
                  *((g, h) for pg, pi in zip(grads_plain, grads, strict=True)
                    for g, h in zip(pg, pi, strict=True))]
        if not all(_same(a, b) for a, b in arrays):
            return False
    return True


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("rows", [64, 33])
@pytest.mark.parametrize("nan_in_z", [False, True])
def test_buffer_reusing_forward_backward_are_bitwise_the_plain_ones(dtype, activation, rows,
                                                                    nan_in_z):
    assert _into_matches_plain(activation=activation, dtype=dtype, rows=rows, nan_in_z=nan_in_z)


@pytest.mark.parametrize("mutant", [
    Mutant("mlp.forward_into", "bias dropped", replace=("np.add(z, np.asarray(b, dtype=a.dtype), "
                                                        "out=z)", "z")),
    Mutant("mlp.backward_into", "ReLU′(0) = 1", replace=("np.greater(z, 0,", "np.greater_equal(z, 0,")),
    Mutant("mlp.backward_into", "ReLU′(NaN) = 0", replace=("np.copyto(derivative, z, where=nan)", "")),
    Mutant("mlp.backward_into", "db of the first sample only",
           replace=("np.sum(delta, axis=0, out=db)", "np.copyto(db, delta[0])")),
    Mutant("mlp.backward_into", "δ not multiplied by σ′(z)",
           replace=("delta = np.multiply(back, derivative, out=back)", "delta = back")),
], ids=lambda m: m.description)
def test_a_planted_bug_in_the_buffer_reusing_functions_is_caught(mutant):
    kw = {mutant.target.split(".")[1]: mutant.build()}
    try:
        caught = not all(_into_matches_plain(**kw, nan_in_z=nan) for nan in (False, True))
    except (ValueError, IndexError):
        caught = True
    assert caught, mutant.description


def test_workspace_refuses_a_batch_or_network_it_was_not_made_for():
    rng = np.random.default_rng(0)
    params = _network((6, 4, 3), rng, np.float64)
    with pytest.raises(ValueError, match="workspace"):
        M.forward_into(params, np.zeros((9, 6)), M.workspace((6, 4, 3), 8))
    with pytest.raises(ValueError, match="workspace"):
        M.forward_into(params, np.zeros((2, 6)), M.workspace((6, 5, 3), 8))


def _task(n=600, sizes=SIZES, batch=64, steps=None, dtype="float64", seed=3) -> Task:
    rng = np.random.default_rng(seed)
    x = rng.random((n, sizes[0]))
    perm = rng.permutation(n)
    epoch = tuple(perm[s:s + batch] for s in range(0, n, batch))[:steps]
    return Task(x_train=x, y_train=rng.integers(0, sizes[-1], n), x_test=x[:50],
                y_test=rng.integers(0, sizes[-1], 50), params=_network(sizes, rng, np.float64),
                epochs=(epoch, epoch[::-1]), lr=0.01, dtype=dtype)


def plain_reference(t: Task, *, progress=None) -> Run:
    """The page's algorithm with the plain reference functions, allocating as it goes (the
    runner before issue 17): the bitwise baseline and the planted over-allocating runner."""
    dt = np.dtype(t.dtype)
    params = [(np.array(W, dt), np.array(b, dt)) for W, b in t.params]
    x_train, y1 = np.asarray(t.x_train, dt), np.eye(t.sizes[-1], dtype=dt)[t.y_train]
    run = Run(framework="plain")
    for epoch in t.epochs:
        losses = []
        for idx in epoch:
            cache = M.forward(params, x_train[idx], layout="code")
            losses.append(float(L.cross_entropy(cache.activations[-1], y1[idx])))
            for (W, b), (dW, db) in zip(params, M.backward(params, cache, y1[idx], layout="code"),
                                        strict=True):
                W -= dt.type(t.lr) * dW
                b -= dt.type(t.lr) * db
            if progress:
                progress(1)
        run.batch_losses.append(losses)
    run.params = [(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in params]
    return run


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_reference_runner_trains_bitwise_as_the_plain_loop(dtype):
    t = _task(sizes=(30, 16, 8, 10), dtype=dtype)  # 10 batches, the last of 24 rows
    fast, plain = mnist.train_reference(t), plain_reference(t)
    assert fast.batch_losses == plain.batch_losses
    assert all(_same(a, b) for pf, pp in zip(fast.params, plain.params, strict=True)
               for a, b in zip(pf, pp, strict=True))
    assert len(fast.seconds) == len(fast.cpu_seconds) == len(fast.correct) == 2


# A step of the page's network may allocate only arrays of the output layer's size (batch × K:
# softmax in extended precision, the clipped cross-entropy's terms, δ⁽ᴸ⁾), a few KiB each.
# The bound is one first-hidden-layer activation, 64 × 256 float64 = 128 KiB: a runner that
# allocates any hidden activation, batch of inputs (392 KiB) or weight gradient (1.6 MB) per
# step exceeds it.
STEP_ALLOCATION_BOUND = 64 * 256 * 8


def test_a_reference_step_allocates_less_than_one_hidden_activation():
    peak = mnist_overhead.peak_bytes_per_step(mnist.train_reference, _task(steps=9), steps=8)
    assert 0 < peak < STEP_ALLOCATION_BOUND, peak


def test_the_allocation_bound_catches_a_runner_that_copies_every_step():
    peak = mnist_overhead.peak_bytes_per_step(plain_reference, _task(steps=9), steps=8)
    assert peak > STEP_ALLOCATION_BOUND, peak


def test_calls_per_step_are_marginal_calls():
    t = _task(steps=9, sizes=(30, 16, 8, 10))
    calls = mnist_overhead.calls_per_step(mnist.train_reference, t, steps=4)
    assert 10 < calls < 500, calls  # a step makes some calls; set-up and evaluation cancel


@pytest.mark.parametrize("framework", list(mnist.FRAMEWORKS))
def test_every_trainer_trains_in_the_task_dtype(framework):
    """float32 and float64 runs of the same task differ (the dtype is used), by a float32-sized
    amount: 12 steps from the same weights, each loss a sum of 30-term products (relative
    rounding ≲ 30 ε₃₂ ≈ 4e-6 per evaluation), weights carrying the steps' rounding along:
    |Δ loss| < 1e-4 on losses ≈ 2.3."""
    pytest.importorskip({"reference": "numpy", "torch": "torch", "jax": "jax",
                         "sklearn": "sklearn"}[framework])
    t64 = _task(n=400, sizes=(30, 16, 8, 10), batch=64, steps=6)
    t32 = dataclasses.replace(t64, dtype="float32")
    r64, r32 = mnist.TRAINERS[framework](t64), mnist.TRAINERS[framework](t32)
    diff = max(abs(a - b) for e64, e32 in zip(r64.batch_losses, r32.batch_losses, strict=True)
               for a, b in zip(e64, e32, strict=True))
    assert 0 < diff < 1e-4, diff


@pytest.mark.parametrize("change, message", [
    (dict(dtype="float16"), "dtype"),
    (dict(lr=0.0), "lr"),
    (dict(epochs=((np.array([0, 600]),),)), "indices"),
    (dict(epochs=((np.array([], dtype=np.int64),),)), "empty"),
    (dict(epochs=((np.array([0.0, 1.0]),),)), "indices"),
])
def test_task_refuses_what_no_trainer_could_run(change, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(_task(), **change)
