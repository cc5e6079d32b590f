"""scikit-learn trainer of the page's MNIST experiment (section ``mnist``): ``MLPClassifier``
(``solver='sgd'``, ``alpha=0``, ``momentum=0``, ``batch_size=B``, ``shuffle=False``) trained
by its own loop, in the task's dtype.

One ``fit`` per epoch (``max_iter=1``, ``warm_start=True``) on the training set put in the
epoch's batch order, so its consecutive batches are the task's. It cannot take initial
weights at construction: a first ``partial_fit`` (on the first batch) sets up its state and
its own initial weights, which are then overwritten in place with the task's. Its per-batch
losses are read by a subclass that records what its ``_backprop`` returns (its own log_loss,
ŷ clipped at the dtype's machine epsilon, the page at 1e-12); nothing else is changed.

The epoch's data are gathered into one array reused by every epoch. What bounds its speed is
its own loop: per batch it runs the same eight matrix products as the reference (NumPy's
BLAS), and then makes several allocating passes over every weight array that our
configuration turns into no-ops but does not skip: the L2 term ``alpha·W`` added to each
gradient with ``alpha=0``, the gradient divided by the batch size in a separate pass, and the
SGD update formed as ``momentum·velocity − lr·grad`` with ``momentum=0`` before ``W += update``.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.neural_network import MLPClassifier

from .mnist_task import Progress, Run, Task, clock


def train_mlp(task: Task, *, progress: Progress = None) -> Run:
    """Train ``task`` with ``MLPClassifier``'s own SGD loop, in the task's batch order."""

    class Recording(MLPClassifier):
        def _backprop(self, *args, **kwargs):
            out = super()._backprop(*args, **kwargs)
            self.batch_losses_.append(float(out[0]))
            if progress:
                progress(1)
            return out

    dt = np.dtype(task.dtype)
    sizes = task.sizes
    clf = Recording(hidden_layer_sizes=sizes[1:-1], activation="relu", solver="sgd",
                    alpha=0.0, batch_size=task.batch_size, learning_rate="constant",
                    learning_rate_init=task.lr, momentum=0.0, nesterovs_momentum=False,
                    shuffle=False, random_state=0, max_iter=1, warm_start=True,
                    early_stopping=False, n_iter_no_change=10**9)
    x_train, x_test = np.asarray(task.x_train, dtype=dt), np.asarray(task.x_test, dtype=dt)
    first = task.epochs[0][0]
    clf.batch_losses_ = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.partial_fit(x_train[first], task.y_train[first], classes=np.arange(sizes[-1]))
    for (W, b), coef, intercept in zip(task.params, clf.coefs_, clf.intercepts_, strict=True):
        coef[...] = W
        intercept[...] = b
    run = Run(framework="sklearn",
              note="MLPClassifier set up by one partial_fit, its weights overwritten in place "
                   "with the shared initial weights, then one fit(max_iter=1, warm_start=True, "
                   "shuffle=False) per epoch on the permuted data")
    shuffled = np.empty((max(sum(len(b) for b in e) for e in task.epochs), x_train.shape[1]), dt)
    for epoch in task.epochs:
        started = clock()
        idx = np.concatenate(epoch)  # the task validated the indices: "clip" skips buffering
        xs = np.take(x_train, idx, axis=0, out=shuffled[:len(idx)], mode="clip")
        ys = task.y_train[idx]
        clf.batch_losses_ = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(xs, ys)
        run.timed(started)
        run.batch_losses.append(clf.batch_losses_)
        run.correct.append(int(np.sum(clf.predict(x_test) == task.y_test)))
    run.params = [(np.asarray(W, np.float64).copy(), np.asarray(b, np.float64).copy())
                  for W, b in zip(clf.coefs_, clf.intercepts_, strict=True)]
    return run
