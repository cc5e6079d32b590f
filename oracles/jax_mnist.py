"""JAX trainer of the page's MNIST experiment (section ``mnist``): ``jax.value_and_grad`` of the
batch mean of ``optax.losses.softmax_cross_entropy_with_integer_labels`` of an MLP's logits,
and ``optax.sgd``, in the task's dtype.

The network is written in the page's math layout, ``z = W a + b`` with ``W`` of shape
``(n_out, n_in)`` and the samples as columns (sections ``mlp``, ``backprop``); the logits are
turned back to one row per sample for the loss. Same function, same gradients: only the
orientation of the matrix products differs, and it decides how fast XLA's CPU backend runs
them. With the samples as columns, the largest gradient, ``∂L/∂W⁽¹⁾ = δ⁽¹⁾ xᵀ`` (256×784,
contracting the batch), is a product XLA hands to its fast small-matrix kernels (measured on
this project's machine, one thread, CPU time: 1.14 s per epoch, against 1.61 s for the code
layout ``x @ W``, whose ``xᵀ δ`` XLA runs through its generic dot).

An epoch's full batches run in one jitted ``lax.scan`` whose carry is the parameters and the
optimizer state; the batches are gathered inside it from the device-resident training set
by their indices, and the losses come back as one array. A remainder batch (the last of an
epoch, when the batch size does not divide the set) takes one jitted step. The compiled
functions are built once per call of :func:`train_mlp` and reused by every epoch (they
retrace only for a new shape). The progress bar advances once per epoch.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .mnist_task import Progress, Run, Task, clock

jax.config.update("jax_enable_x64", True)  # float64 as the task asks (float32 stays float32)

DTYPES = {"float64": jnp.float64, "float32": jnp.float32}


def logits(params, x):
    """The MLP's output-layer pre-activations, one row per sample of ``x`` (N, n_0):
    ``z = W a + b`` per layer on the samples as columns (``params`` in the math layout,
    ``W`` of shape ``(n_out, n_in)``), ReLU between."""
    h = x.T
    for i, (W, b) in enumerate(params):
        h = W @ h + b[:, None]
        if i < len(params) - 1:
            h = jax.nn.relu(h)
    return h.T


def _compiled(lr: float):
    opt = optax.sgd(lr)

    def loss_fn(params, x, y):
        return jnp.mean(optax.losses.softmax_cross_entropy_with_integer_labels(logits(params, x), y))

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
    return opt, scan_batches, one_batch, predict


def train_mlp(task: Task, *, progress: Progress = None) -> Run:
    """Train ``task`` with JAX and optax, one SGD step per batch, in the task's order."""
    dt = DTYPES[task.dtype]
    opt, scan_batches, one_batch, predict = _compiled(task.lr)
    params = [(jnp.asarray(np.asarray(W).T, dt), jnp.asarray(b, dt)) for W, b in task.params]
    state = opt.init(params)
    x_train, y_train = jnp.asarray(task.x_train, dt), jnp.asarray(task.y_train)
    x_test = jnp.asarray(task.x_test, dt)
    size = task.batch_size
    run = Run(framework="jax", note="one jitted lax.scan per epoch over its full batches; "
                                    "math layout z = W a + b")
    for epoch in task.epochs:
        started = clock()
        full = [b for b in epoch if len(b) == size]
        losses = []
        if full:
            params, state, scanned = scan_batches(params, state, jnp.asarray(np.stack(full)),
                                                  x_train, y_train)
            losses.append(scanned)
        for rest in epoch[len(full):]:
            params, state, loss = one_batch(params, state, jnp.asarray(rest), x_train, y_train)
            losses.append(loss[None])
        losses = [float(v) for part in jax.device_get(losses) for v in np.ravel(part)]
        run.timed(started)
        if progress:
            progress(len(epoch))
        run.batch_losses.append(losses)
        run.correct.append(int(np.sum(np.asarray(predict(params, x_test)) == task.y_test)))
    run.params = [(np.asarray(W, np.float64).T.copy(), np.asarray(b, np.float64))
                  for W, b in params]
    return run
