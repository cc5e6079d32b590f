r"""The measurable quantities of the pitfalls table's symptoms (page section ``pitfalls``).

Each quantity is a pure function of one *observation* (what one arm produced for one seed) and
the test's keyword parameters; it returns a :class:`Value`: the number and whether it is only
a bound (a level not reached within the run gives the run's length, a lower bound). They are
defined here, before any run, and named by the catalogue (``catalogue.toml``).

Training observations (:mod:`nnconf.pitfalls.training`) carry the batch losses
:math:`\ell_1, \dots, \ell_T` of the page's clipped cross-entropy, the final loss and accuracy
on the training subset, and the predictions on the evaluation subset. Framework observations
(:mod:`nnconf.pitfalls.frameworks`) carry one outcome per call or planted mistake.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from reference.losses import PAGE_CE_CLIP

LOSS_BOUND = -math.log(PAGE_CE_CLIP)
"""The largest value the page's clipped cross-entropy can take, −log(1e−12) ≈ 27.63: a
non-finite batch loss (weights overflowed to inf/nan) counts as this bound."""


class Value(NamedTuple):
    value: float
    bound: str = "exact"  # "exact", "lower" (the true value is at least this) or "upper"


@dataclass(frozen=True)
class Quantity:
    name: str
    experiments: tuple  # of "training", "shapes", "integer_labels"
    label: str  # short, for tables and figure titles
    fn: Callable[..., Value]
    params: dict = field(default_factory=dict)  # name -> (type, default)


def _losses(obs: dict) -> np.ndarray:
    ell = np.asarray(obs["batch_losses"], dtype=np.float64)
    return np.where(np.isfinite(ell), ell, LOSS_BOUND)


def peak_loss(obs: dict, *, classes: int = 10) -> Value:
    r"""Peak batch loss over the run relative to the chance-level loss :math:`\ln K`:
    :math:`\max_t \ell_t / \ln K` (non-finite losses count as :data:`LOSS_BOUND`). A network
    at He initialisation starts near 1; a loss that explodes goes far above it."""
    return Value(float(np.max(_losses(obs))) / math.log(classes))


def steps_to_level(obs: dict, *, level: float = 1.0, window: int = 10) -> Value:
    r"""Steps until the trailing mean of ``window`` batch losses first reaches ``level``:
    the smallest :math:`t \ge w` with :math:`\frac1w\sum_{s=t-w+1}^{t} \ell_s \le` level. Not
    reached within the run: the run's length :math:`T`, a lower bound."""
    ell = _losses(obs)
    if len(ell) >= window:
        means = np.convolve(ell, np.ones(window) / window, mode="valid")
        hit = np.flatnonzero(means <= level)
        if hit.size:
            return Value(float(hit[0] + window))
    return Value(float(len(ell)), "lower")


def final_train_loss(obs: dict) -> Value:
    """The page's clipped cross-entropy over the whole training subset after the last step
    (non-finite: :data:`LOSS_BOUND`)."""
    v = float(obs["train_loss"])
    return Value(v if math.isfinite(v) else LOSS_BOUND)


def train_accuracy(obs: dict) -> Value:
    """Share of the training subset classified right after the last step."""
    return Value(float(obs["train_accuracy"]))


def eval_accuracy(obs: dict) -> Value:
    """Share of the evaluation subset (held-out test images) classified right."""
    return Value(float(obs["eval_accuracy"]))


def last_class_share(obs: dict) -> Value:
    """Share of the evaluation predictions that are the label of the last training sample
    seen. About 1/K for a model that does not track the order of its data; near 1 for one
    that learned the order (trained last on a block of one class)."""
    counts = np.asarray(obs["eval_pred_counts"], dtype=np.float64)
    return Value(float(counts[int(obs["last_label"])] / counts.sum()))


def epoch_loss_correlation(obs: dict) -> Value:
    """Mean Pearson correlation between the batch-loss sequences of consecutive epochs (the
    loss curve repeating itself epoch after epoch); nan with fewer than two epochs."""
    ell, per = _losses(obs), int(obs["steps_per_epoch"])
    epochs = [ell[i * per:(i + 1) * per] for i in range(len(ell) // per)]
    rs = [float(np.corrcoef(a, b)[0, 1]) for a, b in zip(epochs, epochs[1:], strict=False)
          if np.std(a) > 0 and np.std(b) > 0]
    return Value(float(np.mean(rs)) if rs else float("nan"))


def _cases(obs: dict) -> list[dict]:
    return [c for c in obs["cases"] if c["outcome"] != "skipped"]


def share_raising(obs: dict) -> Value:
    """Share of the calls (planted mistake × framework) that raise an exception."""
    cases = _cases(obs)
    return Value(sum(c["outcome"] == "raises" for c in cases) / len(cases) if cases else float("nan"))


def share_silent_wrong(obs: dict) -> Value:
    """Share of the calls that return a finite value differing from the correct one without
    raising (a warning may be emitted)."""
    cases = _cases(obs)
    return Value(sum(c["outcome"] == "wrong" for c in cases) / len(cases) if cases else float("nan"))


def share_trace_reveals(obs: dict) -> Value:
    """Share of the calls whose per-layer shape trace (each layer's output shape, recorded as
    the framework runs the network) differs from the correctly shaped network's trace, or
    stops early: the mistake shows in the printed shapes."""
    cases = _cases(obs)
    return Value(sum(bool(c["trace_differs"]) for c in cases) / len(cases) if cases else float("nan"))


def wrong_loss(obs: dict) -> Value:
    r"""Largest relative error :math:`|L_\text{returned} - L| / L` of a finite loss value a
    call returned, against the correct cross-entropy :math:`L` of the same logits and labels
    (the reference's softmax cross-entropy with one-hot labels); 0 when no call returned one."""
    errors = [c["rel_error"] for c in _cases(obs) if c.get("rel_error") is not None]
    return Value(float(max(errors)) if errors else 0.0)


QUANTITIES: dict[str, Quantity] = {q.name: q for q in (
    Quantity("peak_loss", ("training",), "peak batch loss / ln 10", peak_loss),
    Quantity("steps_to_level", ("training",), "steps to a loss level", steps_to_level,
             {"level": (float, 1.0), "window": (int, 10)}),
    Quantity("final_train_loss", ("training",), "final training loss", final_train_loss),
    Quantity("train_accuracy", ("training",), "final training accuracy", train_accuracy),
    Quantity("eval_accuracy", ("training",), "held-out accuracy", eval_accuracy),
    Quantity("last_class_share", ("training",), "share of predictions = last class seen",
             last_class_share),
    Quantity("epoch_loss_correlation", ("training",), "loss-curve correlation between epochs",
             epoch_loss_correlation),
    Quantity("share_raising", ("shapes", "integer_labels"), "share of calls raising an error", share_raising),
    Quantity("share_silent_wrong", ("shapes", "integer_labels"), "share of calls silently wrong", share_silent_wrong),
    Quantity("share_trace_reveals", ("shapes",), "share revealed by a per-layer shape trace",
             share_trace_reveals),
    Quantity("wrong_loss", ("integer_labels",), "largest relative error of a returned loss",
             wrong_loss),
)}


def measure(name: str, obs: dict, params: dict | None = None) -> Value:
    q = QUANTITIES[name]
    kw = {k: params[k] for k in q.params if params and k in params}
    return q.fn(obs, **kw)
