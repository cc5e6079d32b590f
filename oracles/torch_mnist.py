"""PyTorch trainer of the page's MNIST experiment (section ``mnist``): ``nn.Linear`` layers
with ReLU, ``F.cross_entropy`` (the batch mean of the softmax cross-entropy of the logits),
autograd and ``torch.optim.SGD``, in the task's dtype.

The shared initial weights are copied into the layers (``nn.Linear`` stores ``W`` as
``(out, in)``, the page's transpose). Per step nothing is allocated by us: the batch is
gathered with ``torch.index_select`` into a preallocated tensor, and the loss is kept as a
tensor (one conversion to floats per epoch). What torch allocates itself (activations saved
for backward, the gradients) it allocates as it always does: ``zero_grad(set_to_none=True)``,
torch's default, hands the fresh gradient tensors to the parameters without a copy.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .mnist_task import Progress, Run, Task, clock

DTYPES = {"float64": torch.float64, "float32": torch.float32}


def model(params, dtype) -> torch.nn.Sequential:
    """``nn.Sequential`` of ``nn.Linear`` + ``nn.ReLU`` carrying ``params`` (code layout)."""
    layers = []
    for i, (W, b) in enumerate(params):
        layer = torch.nn.Linear(W.shape[0], W.shape[1], dtype=dtype)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(np.array(W, dtype=np.float64).T.copy()))
            layer.bias.copy_(torch.from_numpy(np.array(b, dtype=np.float64)))
        layers.append(layer)
        if i < len(params) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def train_mlp(task: Task, *, progress: Progress = None) -> Run:
    """Train ``task`` with torch; one ``optim.SGD`` step per batch, in the task's order."""
    dt = DTYPES[task.dtype]
    net = model(task.params, dt)
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    opt = torch.optim.SGD(net.parameters(), lr=task.lr)
    x_train = torch.from_numpy(np.asarray(task.x_train)).to(dt)
    y_train = torch.from_numpy(np.asarray(task.y_train, dtype=np.int64))
    x_test = torch.from_numpy(np.asarray(task.x_test)).to(dt)
    x_buf = torch.empty((task.batch_size, x_train.shape[1]), dtype=dt)
    y_buf = torch.empty(task.batch_size, dtype=torch.int64)
    run = Run(framework="torch", note="nn.Linear + F.cross_entropy + optim.SGD; batches "
                                      "gathered by index_select into a preallocated tensor")
    for epoch in task.epochs:
        started = clock()
        losses = torch.empty(len(epoch), dtype=dt)
        for k, idx in enumerate(epoch):
            idx_t = torch.from_numpy(idx)
            m = len(idx)
            x = torch.index_select(x_train, 0, idx_t, out=x_buf[:m])
            y = torch.index_select(y_train, 0, idx_t, out=y_buf[:m])
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
            losses[k] = loss.detach()
            if progress:
                progress(1)
        run.timed(started)
        run.batch_losses.append(losses.tolist())
        with torch.no_grad():
            predicted = net(x_test).argmax(1).numpy()
        run.correct.append(int((predicted == task.y_test).sum()))
    run.params = [(layer.weight.detach().double().numpy().T.copy(),
                   layer.bias.detach().double().numpy().copy()) for layer in linears]
    return run
