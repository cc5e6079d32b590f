"""The page's MNIST training, short: the same initial weights and batch order in the reference,
torch, JAX and scikit-learn agree step by step in float64.

Bounds: a batch loss sums 784-term dot products and a 10-way log-softmax, ≲ 1e3·ε relative
(≈ 2e-13 on a loss ≈ 2.3) per evaluation, and weights that differ by round-off move the loss
by about as much: |Δ loss| ≤ 1e-12 at every step. The final weights after 100 steps of
lr·grad (|lr·grad| ≲ 1e-3 per step) differ by ≲ 100 steps × 1e-3 × 1e3·ε ≈ 2e-14: bound 1e-13.
The test-set correct counts must be identical.
"""

import pytest

from nnconf.mnist import experiment as mnist

from .test_data import SHARED, needs_mnist

STEPS = 100


@pytest.fixture(scope="module")
def runs():
    from nnconf.mnist import data

    ds = data.load_dir(SHARED)
    cfg = mnist.Config(epochs=1, steps_per_epoch=STEPS)
    inputs = mnist.make_inputs(cfg, len(ds.x_train))
    out = {}
    for name in mnist.FRAMEWORKS:
        try:
            out[name] = mnist.RUNNERS[name](ds, inputs, cfg)
        except ImportError as exc:
            out[name] = exc
    return out


@needs_mnist
@pytest.mark.parametrize("framework", [f for f in mnist.FRAMEWORKS if f != "reference"])
def test_frameworks_follow_the_reference_step_by_step(runs, framework):
    if isinstance(runs[framework], ImportError):
        pytest.skip(f"{framework} not installed: {runs[framework]}")
    got = mnist.agreement({"reference": runs["reference"], framework: runs[framework]})[framework]
    assert len(runs[framework].batch_losses[0]) == STEPS
    assert got["max_batch_loss_diff"] <= 1e-12, got
    assert got["same_correct_counts"], got
    assert got["max_final_weight_diff"] <= 1e-13, got


def test_short_run_takes_the_first_batches_of_each_epoch():
    cfg = mnist.Config(epochs=2, steps_per_epoch=3, batch_size=4)
    inputs = mnist.make_inputs(cfg, 10)
    assert [len(list(mnist.batches(cfg, p))) for p in inputs.permutations] == [3, 3]
    full = mnist.Config(epochs=1, batch_size=64)
    sizes = [len(b) for b in mnist.batches(full, mnist.make_inputs(full, 60000).permutations[0])]
    assert len(sizes) == 938 and sizes[-1] == 32  # 60000 = 937 × 64 + 32, as on the page
