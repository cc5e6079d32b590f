"""One training arm of a pitfalls row, in the NumPy reference (page sections ``mnist``, ``pitfalls``).

The page's MLP and optimizer: layers ``scale.sizes`` (784-256-128-10), ReLU, softmax with the
page's clipped cross-entropy (:func:`reference.losses.cross_entropy`), backpropagation by
:func:`reference.mlp.backward`, plain SGD ``W -= lr·dW`` in the page's code layout. The initial
weights (He normal, zero biases) and the per-epoch permutations come from
:func:`nnconf.mnist.experiment.make_inputs` for the seed, so the two arms of a row share them; an arm
changes only what its row is about:

- ``lr``: the SGD learning rate;
- ``inputs``: ``scaled`` (pixels / 255, the page's), ``raw`` (0..255), ``standardised``
  ((pixels/255 − μ)/σ with μ, σ the training subset's pixel mean and standard deviation);
- ``bias``: False holds every bias at 0 (never updated): a network without bias terms;
- ``order``: ``shuffled`` (the seed's fresh permutation each epoch), ``sorted`` (by label,
  stable, the same every epoch), ``file`` (MNIST's own order, the same every epoch).

A run whose loss turns non-finite (weights overflowed) stops there; its remaining batch
losses are recorded as nan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnconf.mnist import experiment as mnist
from reference import losses as L
from reference import mlp as M


@dataclass(frozen=True, kw_only=True)
class Subset:
    """The fixed subset every arm trains and is evaluated on."""

    x_train: np.ndarray  # pixels / 255, float64
    y_train: np.ndarray
    x_eval: np.ndarray
    y_eval: np.ndarray
    mean: float  # of x_train's pixels, for "standardised"
    std: float


def subset(ds, *, train_samples: int, eval_samples: int) -> Subset:
    """The first ``train_samples`` training and ``eval_samples`` test images of ``ds``."""
    if train_samples > len(ds.x_train) or eval_samples > len(ds.x_test):
        raise ValueError(f"the subset ({train_samples} training, {eval_samples} evaluation images) "
                         f"exceeds the data ({len(ds.x_train)}, {len(ds.x_test)})")
    x = np.ascontiguousarray(ds.x_train[:train_samples], dtype=np.float64)
    return Subset(x_train=x, y_train=np.asarray(ds.y_train[:train_samples]),
                  x_eval=np.ascontiguousarray(ds.x_test[:eval_samples], dtype=np.float64),
                  y_eval=np.asarray(ds.y_test[:eval_samples]),
                  mean=float(x.mean()), std=float(x.std()))


def arm_inputs(sub: Subset, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Training and evaluation inputs as the arm's ``inputs`` setting gives them."""
    if kind == "scaled":
        return sub.x_train, sub.x_eval
    if kind == "raw":  # the pixel bytes back: 255·(k/255) rounded to k exactly
        return np.rint(sub.x_train * 255.0), np.rint(sub.x_eval * 255.0)
    if kind == "standardised":
        return (sub.x_train - sub.mean) / sub.std, (sub.x_eval - sub.mean) / sub.std
    raise ValueError(f"unknown inputs {kind!r}")


def orders(sub: Subset, order: str, permutations: list) -> list:
    n = len(sub.y_train)
    if order == "shuffled":
        return permutations
    if order == "sorted":
        return [np.argsort(sub.y_train, kind="stable")] * len(permutations)
    if order == "file":
        return [np.arange(n)] * len(permutations)
    raise ValueError(f"unknown order {order!r}")


def _forward_probs(params, x, chunk: int = 2048) -> np.ndarray:
    return np.concatenate([M.forward(params, x[i:i + chunk], layout="code").activations[-1]
                           for i in range(0, len(x), chunk)])


def curve(losses: np.ndarray, points: int = 60) -> dict:
    """The batch losses averaged over consecutive windows of ``window`` steps (about ``points``
    windows; window i ends at step (i + 1)·window); non-finite losses count as the clipped
    loss's bound."""
    from nnconf.pitfalls.quantities import LOSS_BOUND

    ell = np.where(np.isfinite(losses), losses, LOSS_BOUND)
    w = max(1, len(ell) // points)
    return {"window": w, "loss": [float(ell[e - w:e].mean()) for e in range(w, len(ell) + 1, w)]}


def train(sub: Subset, arm: dict, *, seed: int, sizes, batch_size: int, epochs: int,
          progress=None) -> dict:
    """Train one arm for one seed; the observation the quantities read (JSON-able except
    ``batch_losses``, an array)."""
    cfg = mnist.Config(sizes=tuple(sizes), lr=float(arm["lr"]), batch_size=batch_size,
                       epochs=epochs, seed=seed)
    inputs = mnist.make_inputs(cfg, len(sub.y_train))
    params = [(W.copy(), b.copy()) for W, b in inputs.params]
    x_train, x_eval = arm_inputs(sub, arm["inputs"])
    y1 = np.eye(sizes[-1])[sub.y_train]
    lr, losses, stopped = cfg.lr, [], None
    perms = orders(sub, arm["order"], inputs.permutations)
    steps_per_epoch = -(-len(sub.y_train) // batch_size)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for perm in perms:
            for idx in mnist.batches(cfg, perm):
                if stopped is not None:
                    losses.append(float("nan"))
                    continue
                cache = M.forward(params, x_train[idx], layout="code")
                loss = float(L.cross_entropy(cache.activations[-1], y1[idx]))
                losses.append(loss)
                if not np.isfinite(loss):
                    stopped = len(losses)
                    continue
                grads = M.backward(params, cache, y1[idx], layout="code")
                for (W, b), (dW, db) in zip(params, grads, strict=True):
                    W -= lr * dW
                    if arm["bias"]:
                        b -= lr * db
            if progress:
                progress(1)
        probs_train = _forward_probs(params, x_train)
        probs_eval = _forward_probs(params, x_eval)
        train_loss = float(L.cross_entropy(probs_train, y1))
    ell = np.asarray(losses)
    pred_eval = np.argmax(np.nan_to_num(probs_eval, nan=0.0), axis=1)
    k = sizes[-1]
    return {
        "batch_losses": ell,
        "steps": len(ell), "steps_per_epoch": steps_per_epoch, "epochs": epochs,
        "nonfinite_from_step": stopped,
        "train_loss": train_loss,
        "train_accuracy": float(np.mean(np.argmax(np.nan_to_num(probs_train, nan=0.0), axis=1)
                                        == sub.y_train)),
        "eval_accuracy": float(np.mean(pred_eval == sub.y_eval)),
        "eval_pred_counts": np.bincount(pred_eval, minlength=k).tolist(),
        "eval_class_accuracy": [float(np.mean(pred_eval[sub.y_eval == c] == c))
                                if np.any(sub.y_eval == c) else float("nan") for c in range(k)],
        "last_label": int(sub.y_train[perms[-1][-1]]),
        "curve": curve(ell),
    }
