"""The page's MNIST experiment (section ``mnist``), run identically in every framework.

MLP 784-256-128-10, ReLU, softmax + cross-entropy, He init, plain SGD (lr 0.001), batch 64,
reshuffled each epoch (the last batch of an epoch is the remainder), epoch loss = mean of the
epoch's batch losses, test accuracy after each epoch.

Identical inputs: the initial weights come from the reference's :func:`reference.init.he_normal`
with a seeded generator, and the per-epoch permutations are drawn once from the same seed; both
go, as one :class:`oracles.mnist_task.Task`, to the NumPy reference (:func:`train_reference`,
here) and to the framework trainers in ``oracles/``: torch (:mod:`oracles.torch_mnist`), JAX
(:mod:`oracles.jax_mnist`) and scikit-learn (:mod:`oracles.sklearn_mnist`). Every runner records
every batch loss, the correct count after each epoch and the final weights (a
:class:`oracles.mnist_task.Run`). This module keeps the harness: inputs, batches, agreement and
the verdicts on the page's printed curve.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnconf.mnist.data import Dataset
from oracles.mnist_task import Progress, Run, Task, clock
from reference import init as I
from reference import losses as L
from reference import mlp as M

FRAMEWORKS = ("reference", "torch", "jax", "sklearn")


@dataclass(frozen=True)
class Config:
    sizes: tuple = (784, 256, 128, 10)
    lr: float = 0.001
    batch_size: int = 64
    epochs: int = 20
    seed: int = 0
    dtype: str = "float64"
    steps_per_epoch: int | None = None  # a short run: only the first batches of each epoch


@dataclass
class Inputs:
    params: list  # [(W (fan_in, fan_out), b (fan_out,))], the page's code layout
    permutations: list  # one index array per epoch


def make_inputs(cfg: Config, n_train: int) -> Inputs:
    rng = np.random.default_rng(cfg.seed)
    params = [(I.he_normal(i, o, rng), np.zeros(o)) for i, o in zip(cfg.sizes[:-1], cfg.sizes[1:],
                                                                     strict=True)]
    perms = [rng.permutation(n_train) for _ in range(cfg.epochs)]
    return Inputs(params, perms)


def batches(cfg: Config, perm: np.ndarray):
    starts = range(0, len(perm), cfg.batch_size)
    if cfg.steps_per_epoch is not None:
        starts = list(starts)[: cfg.steps_per_epoch]
    for s in starts:
        yield perm[s: s + cfg.batch_size]


def task(ds: Dataset, inputs: Inputs, cfg: Config) -> Task:
    """The run every framework trains: the data, the shared initial weights, every epoch's
    batches (:func:`batches`), the learning rate and the dtype."""
    return Task(x_train=ds.x_train, y_train=ds.y_train, x_test=ds.x_test, y_test=ds.y_test,
                params=inputs.params, lr=cfg.lr, dtype=cfg.dtype,
                epochs=tuple(tuple(batches(cfg, perm)) for perm in inputs.permutations))


# ----------------------------------------------------------------------- the runners
def train_reference(t: Task, *, progress: Progress = None) -> Run:
    """The page's algorithm with the reference, step by step: the batch gathered into a
    preallocated array, :func:`reference.mlp.forward_into` (code layout), the page's clipped
    :func:`reference.losses.cross_entropy`, :func:`reference.mlp.backward_into` (the general
    rule), then ``W -= lr·dW`` in place as the page's listing does (``lr·dW`` is formed in the
    gradient's own buffer). The buffer-reusing reference functions compute bitwise what
    :func:`reference.mlp.forward` and :func:`reference.mlp.backward` do (tested), so no step
    allocates more than the small output-layer arrays. The test set is classified once per
    epoch, in one call of :func:`reference.mlp.forward`."""
    dt = np.dtype(t.dtype)
    lr = dt.type(t.lr)
    params = [(np.array(W, dtype=dt), np.array(b, dtype=dt)) for W, b in t.params]
    x_train, x_test = np.asarray(t.x_train, dtype=dt), np.asarray(t.x_test, dtype=dt)
    y_onehot = np.eye(t.sizes[-1], dtype=dt)[t.y_train]
    ws = M.workspace(t.sizes, t.batch_size, dt)
    x_buf = np.empty((t.batch_size, x_train.shape[1]), dt)
    y_buf = np.empty((t.batch_size, y_onehot.shape[1]), dt)
    run = Run(framework="reference", note="reference.mlp.forward_into/backward_into (buffers "
              "reused; bitwise the plain forward/backward), W -= lr·dW in place")
    for epoch in t.epochs:
        started, losses = clock(), []
        for idx in epoch:
            m = len(idx)  # Task validated the indices: mode="clip" only skips np.take's buffering
            x = np.take(x_train, idx, axis=0, out=x_buf[:m], mode="clip")
            y = np.take(y_onehot, idx, axis=0, out=y_buf[:m], mode="clip")
            cache = M.forward_into(params, x, ws)
            losses.append(float(L.cross_entropy(cache.activations[-1], y)))
            for (W, b), (dW, db) in zip(params, M.backward_into(params, cache, y, ws),
                                        strict=True):
                W -= np.multiply(dW, lr, out=dW)
                b -= np.multiply(db, lr, out=db)
            if progress:
                progress(1)
        run.timed(started)
        run.batch_losses.append(losses)
        out = M.forward(params, x_test, layout="code").activations[-1]
        run.correct.append(int(np.sum(np.argmax(out, axis=1) == t.y_test)))
    run.params = [(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in params]
    return run


def train_torch(t: Task, *, progress: Progress = None) -> Run:
    """:func:`oracles.torch_mnist.train_mlp` (``nn.Linear``, ``F.cross_entropy``, ``optim.SGD``)."""
    from oracles import torch_mnist
    return torch_mnist.train_mlp(t, progress=progress)


def train_jax(t: Task, *, progress: Progress = None) -> Run:
    """:func:`oracles.jax_mnist.train_mlp` (``jax.value_and_grad``, optax, jitted ``lax.scan``)."""
    from oracles import jax_mnist
    return jax_mnist.train_mlp(t, progress=progress)


def train_sklearn(t: Task, *, progress: Progress = None) -> Run:
    """:func:`oracles.sklearn_mnist.train_mlp` (``MLPClassifier`` by its own loop)."""
    from oracles import sklearn_mnist
    return sklearn_mnist.train_mlp(t, progress=progress)


TRAINERS: dict[str, Callable[..., Run]] = {
    "reference": train_reference, "torch": train_torch, "jax": train_jax, "sklearn": train_sklearn}


def run_framework(name: str, ds: Dataset, inputs: Inputs, cfg: Config,
                  progress: Progress = None) -> Run:
    """Train ``name`` (a key of :data:`TRAINERS`) on :func:`task` ``(ds, inputs, cfg)``."""
    return TRAINERS[name](task(ds, inputs, cfg), progress=progress)


def run_reference(ds: Dataset, inputs: Inputs, cfg: Config, progress: Progress = None) -> Run:
    return run_framework("reference", ds, inputs, cfg, progress)


RUNNERS: dict[str, Callable[..., Run]] = {
    name: functools.partial(run_framework, name) for name in FRAMEWORKS}


def agreement(runs: dict[str, Run], base: str = "reference") -> dict:
    """Per framework against ``base``: the largest batch-loss and epoch-loss differences, the
    correct counts per epoch, and the largest final weight difference."""
    ref = runs[base]
    out = {}
    for name, run in runs.items():
        if name == base:
            continue
        step = max(float(np.max(np.abs(np.subtract(a, b))))
                   for a, b in zip(run.batch_losses, ref.batch_losses, strict=True))
        epoch = float(np.max(np.abs(np.subtract(run.epoch_losses, ref.epoch_losses))))
        weights = max(float(np.max(np.abs(a - b))) for (Wa, ba), (Wb, bb) in
                      zip(run.params, ref.params, strict=True) for a, b in ((Wa, Wb), (ba, bb)))
        out[name] = {"max_batch_loss_diff": step, "max_epoch_loss_diff": epoch,
                     "correct": run.correct, "reference_correct": ref.correct,
                     "same_correct_counts": run.correct == ref.correct,
                     "max_final_weight_diff": weights}
    return out


# ----------------------------------------------------------------------- the page's claim


def prediction_interval(values, confidence: float = 0.999) -> tuple[float, float, float]:
    """Mean and the half-width of a two-sided prediction interval for one more run,
    ``t_{(1+c)/2, S-1} · sd · sqrt(1 + 1/S)`` (normal runs, S seeds)."""
    from scipy import stats

    v = np.asarray(values, dtype=np.float64)
    s = len(v)
    if s < 2:
        return float(v.mean()), float("inf"), float("nan")
    sd = float(np.std(v, ddof=1))
    half = float(stats.t.ppf((1 + confidence) / 2, s - 1) * sd * np.sqrt(1 + 1 / s))
    return float(v.mean()), half, sd


MIN_SEEDS = 5


def is_page_configuration(cfg: Config) -> bool:
    """The page's experiment: 784-256-128-10, lr 0.001, batch 64, whole epochs."""
    return (tuple(cfg.sizes) == (784, 256, 128, 10) and cfg.lr == 0.001 and cfg.batch_size == 64
            and cfg.steps_per_epoch is None)


def verdicts(printed: dict, sweep: list[Run], n_test: int) -> list[dict]:
    """:func:`verdicts_from_values` for runs."""
    return verdicts_from_values(printed, [r.epoch_losses for r in sweep],
                                [[c / n_test for c in r.correct] for r in sweep])


def verdicts_from_values(printed: dict, losses: list, accuracies: list) -> list[dict]:
    """One verdict per printed epoch and quantity: ``reproduced`` when the printed value
    (± half a unit of its last printed digit) meets the 99.9% prediction interval of the
    seeds' values, ``not-reproduced`` otherwise. ``printed`` maps epoch -> (loss text,
    accuracy text); ``losses`` and ``accuracies`` hold one per-epoch list per seed."""
    out = []
    for epoch, texts in sorted(printed.items()):
        if not losses or epoch > len(losses[0]):
            continue
        for quantity, text in zip(("loss", "accuracy"), texts, strict=True):
            values = [run[epoch - 1] for run in (losses if quantity == "loss" else accuracies)]
            mean, half, sd = prediction_interval(values)
            if len(values) < MIN_SEEDS:
                out.append({"epoch": epoch, "quantity": quantity, "printed": text,
                            "measured_mean": mean, "seeds": len(values), "verdict": "unverifiable",
                            "explanation": f"epoch {epoch} {quantity}: page prints {text}; "
                                           f"{len(values)} seed(s) measured {mean:.4f}, fewer than "
                                           f"the {MIN_SEEDS} the rule needs"})
                continue
            value = float(text)
            half_unit = 0.5 * 10.0 ** -len(text.split(".")[1]) if "." in text else 0.5
            reproduced = abs(value - mean) <= half + half_unit
            out.append({
                "epoch": epoch, "quantity": quantity, "printed": text, "measured_mean": mean,
                "measured_sd": sd, "seeds": len(values), "interval": [mean - half, mean + half],
                "verdict": "reproduced" if reproduced else "not-reproduced",
                "explanation": (f"epoch {epoch} {quantity}: page prints {text}; {len(values)} seeds "
                                f"give {mean:.4f} ± {sd:.4f} (sd), 99.9% prediction interval "
                                f"[{mean - half:.4f}, {mean + half:.4f}]")})
    return out
