"""The page's MNIST experiment (section ``mnist``), run identically in every framework.

MLP 784-256-128-10, ReLU, softmax + cross-entropy, He init, plain SGD (lr 0.001), batch 64,
reshuffled each epoch (the last batch of an epoch is the remainder), epoch loss = mean of the
epoch's batch losses, test accuracy after each epoch.

Identical inputs: the initial weights come from the reference's :func:`reference.init.he_normal`
with a seeded generator, and the per-epoch permutations are drawn once from the same seed; both
are fed to the NumPy reference, torch (``nn.Linear``, ``F.cross_entropy``,
``torch.optim.SGD``), JAX (``jax.grad``, ``optax.sgd``, jitted) and scikit-learn's
``MLPClassifier`` (weights set by hand, one ``partial_fit`` per batch in our order). Every
runner records every batch loss, the correct count after each epoch and the final weights.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from reference import init as I
from reference import losses as L
from reference import mlp as M

from .data import Dataset

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


@dataclass
class Run:
    framework: str
    batch_losses: list = field(default_factory=list)  # per epoch, a list of floats
    correct: list = field(default_factory=list)  # per epoch, test samples classified right
    params: list = field(default_factory=list)  # final [(W, b)], code layout, float64
    seconds: list = field(default_factory=list)  # per epoch, training time
    note: str = ""

    @property
    def epoch_losses(self) -> list[float]:
        return [float(np.mean(b)) for b in self.batch_losses]


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


def _one_hot(y, k=10):
    return np.eye(k)[y]


# ----------------------------------------------------------------------- the runners
def run_reference(ds: Dataset, inputs: Inputs, cfg: Config, progress=None) -> Run:
    """The page's algorithm with the reference: forward, clipped cross-entropy, backward by
    the general rule, W -= lr·dW (code layout)."""
    dt = np.dtype(cfg.dtype)
    params = [(W.astype(dt, copy=True), b.astype(dt, copy=True)) for W, b in inputs.params]
    x_train, x_test = ds.x_train.astype(dt), ds.x_test.astype(dt)
    y1 = _one_hot(ds.y_train).astype(dt)
    run = Run("reference")
    for perm in inputs.permutations:
        started, losses = time.perf_counter(), []
        for idx in batches(cfg, perm):
            cache = M.forward(params, x_train[idx], layout="code")
            losses.append(float(L.cross_entropy(cache.activations[-1], y1[idx])))
            grads = M.backward(params, cache, y1[idx], layout="code")
            for (W, b), (dW, db) in zip(params, grads, strict=True):
                W -= dt.type(cfg.lr) * dW  # in place, as the page's listing does
                b -= dt.type(cfg.lr) * db
            if progress:
                progress(1)
        run.seconds.append(time.perf_counter() - started)
        run.batch_losses.append(losses)
        out = M.forward(params, x_test, layout="code").activations[-1]
        run.correct.append(int(np.sum(np.argmax(out, axis=1) == ds.y_test)))
    run.params = [(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in params]
    return run


def run_torch(ds: Dataset, inputs: Inputs, cfg: Config, progress=None) -> Run:
    import torch
    import torch.nn.functional as F

    dt = torch.float64 if cfg.dtype == "float64" else torch.float32
    layers = []
    for W, b in inputs.params:
        layer = torch.nn.Linear(W.shape[0], W.shape[1], dtype=dt)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(W.T.copy()))  # nn.Linear stores (out, in)
            layer.bias.copy_(torch.from_numpy(b))
        layers.append(layer)
    model = torch.nn.Sequential(layers[0], torch.nn.ReLU(), layers[1], torch.nn.ReLU(), layers[2])
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    x_train = torch.from_numpy(ds.x_train).to(dt)
    y_train = torch.from_numpy(ds.y_train)
    x_test = torch.from_numpy(ds.x_test).to(dt)
    run = Run("torch")
    for perm in inputs.permutations:
        started, losses = time.perf_counter(), []
        for idx in batches(cfg, perm):
            idx_t = torch.from_numpy(idx)
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x_train[idx_t]), y_train[idx_t])
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            if progress:
                progress(1)
        run.seconds.append(time.perf_counter() - started)
        run.batch_losses.append(losses)
        with torch.no_grad():
            run.correct.append(int((model(x_test).argmax(1).numpy() == ds.y_test).sum()))
    run.params = [(layer.weight.detach().double().numpy().T.copy(),
                   layer.bias.detach().double().numpy().copy()) for layer in layers]
    return run


def run_jax(ds: Dataset, inputs: Inputs, cfg: Config, progress=None) -> Run:
    """``jax.value_and_grad`` of the mean ``optax.losses.softmax_cross_entropy_with_integer_labels``
    and ``optax.sgd``; an epoch's full batches run in one jitted ``lax.scan`` (the batches are
    gathered inside it from the device-resident training set), the remainder batch in one
    jitted step. The progress bar advances once per epoch."""
    import jax
    import jax.numpy as jnp
    import optax

    import oracles.jax_oracle  # noqa: F401  (switches on float64)

    dt = jnp.float64 if cfg.dtype == "float64" else jnp.float32

    def logits(params, x):
        h = x
        for i, (W, b) in enumerate(params):
            h = h @ W + b
            if i < len(params) - 1:
                h = jax.nn.relu(h)
        return h

    def loss_fn(params, x, y):
        return jnp.mean(optax.losses.softmax_cross_entropy_with_integer_labels(logits(params, x), y))

    opt = optax.sgd(cfg.lr)

    def step(carry, idx, x_all, y_all):
        params, state = carry
        loss, grads = jax.value_and_grad(loss_fn)(params, x_all[idx], y_all[idx])
        updates, state = opt.update(grads, state, params)
        return (optax.apply_updates(params, updates), state), loss

    @jax.jit
    def scan_batches(params, state, idx, x_all, y_all):
        (params, state), losses = jax.lax.scan(lambda c, i: step(c, i, x_all, y_all),
                                               (params, state), idx)
        return params, state, losses

    @jax.jit
    def one_batch(params, state, idx, x_all, y_all):
        (params, state), loss = step((params, state), idx, x_all, y_all)
        return params, state, loss

    predict = jax.jit(lambda p, x: jnp.argmax(logits(p, x), axis=1))
    params = [(jnp.asarray(W, dt), jnp.asarray(b, dt)) for W, b in inputs.params]
    state = opt.init(params)
    x_train, y_train = jnp.asarray(ds.x_train, dt), jnp.asarray(ds.y_train)
    x_test = jnp.asarray(ds.x_test, dt)
    run = Run("jax", note="one jitted lax.scan per epoch over its full batches")
    for perm in inputs.permutations:
        started = time.perf_counter()
        chunks = list(batches(cfg, perm))
        full = [c for c in chunks if len(c) == cfg.batch_size]
        losses = []
        if full:
            params, state, scanned = scan_batches(params, state, jnp.asarray(np.stack(full)),
                                                  x_train, y_train)
            losses.append(scanned)
        for rest in chunks[len(full):]:
            params, state, loss = one_batch(params, state, jnp.asarray(rest), x_train, y_train)
            losses.append(loss[None])
        losses = [float(v) for part in jax.device_get(losses) for v in np.ravel(part)]
        run.seconds.append(time.perf_counter() - started)
        if progress:
            progress(len(chunks))
        run.batch_losses.append(losses)
        run.correct.append(int(np.sum(np.asarray(predict(params, x_test)) == ds.y_test)))
    run.params = [(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in params]
    return run


def run_sklearn(ds: Dataset, inputs: Inputs, cfg: Config, progress=None) -> Run:
    """MLPClassifier(solver='sgd', alpha=0, momentum=0, batch_size=B, shuffle=False) trained by
    its own loop: one ``fit`` per epoch (``max_iter=1``, ``warm_start=True``) on the training
    set put in our permutation's order, so its consecutive batches are ours. It cannot take our
    weights at construction: a first ``partial_fit`` (on one batch) sets up its state and its
    own initial weights, which are then overwritten in place with the shared initial weights.
    Its per-batch losses are read by a subclass that records what its ``_backprop`` returns
    (its own log_loss, ŷ clipped at 2.2e-16, the page at 1e-12); nothing else is changed."""
    from sklearn.neural_network import MLPClassifier

    class Recording(MLPClassifier):
        def _backprop(self, *args, **kwargs):
            out = super()._backprop(*args, **kwargs)
            self.batch_losses_.append(float(out[0]))
            if progress:
                progress(1)
            return out

    dt = np.dtype(cfg.dtype)
    clf = Recording(hidden_layer_sizes=cfg.sizes[1:-1], activation="relu", solver="sgd",
                    alpha=0.0, batch_size=cfg.batch_size, learning_rate="constant",
                    learning_rate_init=cfg.lr, momentum=0.0, nesterovs_momentum=False,
                    shuffle=False, random_state=0, max_iter=1, warm_start=True,
                    early_stopping=False, n_iter_no_change=10**9)
    x_train, x_test = ds.x_train.astype(dt), ds.x_test.astype(dt)
    first = inputs.permutations[0][: cfg.batch_size]
    clf.batch_losses_ = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.partial_fit(x_train[first], ds.y_train[first], classes=np.arange(10))
    for (W, b), coef, intercept in zip(inputs.params, clf.coefs_, clf.intercepts_, strict=True):
        coef[...] = W
        intercept[...] = b
    run = Run("sklearn", note="MLPClassifier set up by one partial_fit, its weights overwritten "
                              "in place with the shared initial weights, then one fit(max_iter=1, "
                              "warm_start=True, shuffle=False) per epoch on the permuted data")
    for perm in inputs.permutations:
        started = time.perf_counter()
        idx = np.concatenate(list(batches(cfg, perm)))
        xs, ys = x_train[idx], ds.y_train[idx]
        clf.batch_losses_ = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(xs, ys)
        run.seconds.append(time.perf_counter() - started)
        run.batch_losses.append(clf.batch_losses_)
        run.correct.append(int(np.sum(clf.predict(x_test) == ds.y_test)))
    run.params = [(np.asarray(W, np.float64).copy(), np.asarray(b, np.float64).copy())
                  for W, b in zip(clf.coefs_, clf.intercepts_, strict=True)]
    return run


RUNNERS: dict[str, Callable[..., Run]] = {
    "reference": run_reference, "torch": run_torch, "jax": run_jax, "sklearn": run_sklearn}


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
