"""PyTorch oracle, part 2: MLP gradients (``torch.nn.Linear`` + autograd) and optimizer
trajectories (``torch.optim``), in float64 or the ``dtype`` asked for. Merged into
``oracles.torch_oracle.ORACLE``.

Hyperparameters arrive with the page's names (``lr``, ``beta``, ``b1``, ``b2``, ``eps``,
``weight_decay``); the oracle's own settings say how the page's form is reached:

- momentum: ``dampen=True`` passes ``dampening=beta``; ``zero_buffer=True`` puts a zero
  ``momentum_buffer`` into the optimizer state before the first step (torch otherwise starts
  the buffer with the first gradient, undamped); ``nesterov`` as torch's;
- RMSProp: ``default_decay=True`` leaves ``alpha`` at torch's default (0.99) instead of β.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

ACTIVATIONS = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
               "leaky_relu": F.leaky_relu, "gelu": F.gelu, "identity": lambda z: z}


def _t(a, dtype="float64") -> torch.Tensor:
    return torch.from_numpy(np.array(a, dtype=dtype, copy=True))


def mlp_grads(x, y, *params, activation="relu", output="softmax", loss="cross_entropy", dtype="float64"):
    """Flat ``dW1, db1, ...`` of the batch-mean loss: ``nn.Linear`` layers carrying the given
    (math-layout, ``(n_out, n_in)`` = torch's own) weights, autograd for the gradient."""
    layers = []
    for W, b in zip(params[0::2], params[1::2], strict=True):
        layer = torch.nn.Linear(W.shape[1], W.shape[0], dtype=getattr(torch, dtype))
        with torch.no_grad():
            layer.weight.copy_(_t(W, dtype))
            layer.bias.copy_(_t(b, dtype))
        layers.append(layer)
    h = _t(x, dtype)
    for i, layer in enumerate(layers):
        h = layer(h)
        if i < len(layers) - 1:
            h = ACTIVATIONS[activation](h)
    target = _t(y, dtype)
    if loss == "cross_entropy":
        value = F.cross_entropy(h, target)
    else:
        out = F.softmax(h, dim=-1) if output == "softmax" else ACTIVATIONS[output](h)
        value = F.mse_loss(out, target)
    value.backward()
    return np.concatenate([g.detach().numpy().ravel() for layer in layers
                           for g in (layer.weight.grad, layer.bias.grad)])


def _trajectory(make, theta0, grads, dtype, before_first_step=None):
    p = _t(theta0, dtype).requires_grad_(True)
    opt = make([p])
    if before_first_step is not None:
        before_first_step(opt, p)
    out = [p.detach().numpy().copy()]
    for g in np.asarray(grads, dtype=dtype):
        p.grad = _t(g, dtype)
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.stack(out)


def sgd_trajectory(theta0, grads, *, lr, dtype="float64"):
    return _trajectory(lambda ps: torch.optim.SGD(ps, lr=lr), theta0, grads, dtype)


def momentum_trajectory(theta0, grads, *, lr, beta, dampen=False, zero_buffer=False,
                        nesterov=False, dtype="float64"):
    def zero(opt, p):
        opt.state[p]["momentum_buffer"] = torch.zeros_like(p)
    make = lambda ps: torch.optim.SGD(ps, lr=lr, momentum=beta,  # noqa: E731
                                      dampening=beta if dampen else 0.0, nesterov=nesterov)
    return _trajectory(make, theta0, grads, dtype, zero if zero_buffer else None)


def rmsprop_trajectory(theta0, grads, *, lr, beta, eps, default_decay=False, dtype="float64"):
    kw = {} if default_decay else {"alpha": beta}
    return _trajectory(lambda ps: torch.optim.RMSprop(ps, lr=lr, eps=eps, **kw), theta0, grads, dtype)


def adam_trajectory(theta0, grads, *, lr, b1, b2, eps, dtype="float64"):
    return _trajectory(lambda ps: torch.optim.Adam(ps, lr=lr, betas=(b1, b2), eps=eps),
                       theta0, grads, dtype)


def adamw_trajectory(theta0, grads, *, lr, b1, b2, eps, weight_decay, dtype="float64"):
    return _trajectory(lambda ps: torch.optim.AdamW(ps, lr=lr, betas=(b1, b2), eps=eps,
                                                    weight_decay=weight_decay), theta0, grads, dtype)


def he_normal(fan_in, fan_out, *, seed, layout="linear", mode="fan_in", dtype="float64"):
    """``torch.nn.init.kaiming_normal_`` (default nonlinearity: gain √2 as for ReLU) on a
    weight of ``layout`` ``"linear"`` (``nn.Linear``'s ``(fan_out, fan_in)``) or ``"code"``
    (the page's ``(fan_in, fan_out)``); returned as ``(fan_in, fan_out)``."""
    shape = (fan_out, fan_in) if layout == "linear" else (fan_in, fan_out)
    w = torch.empty(shape, dtype=getattr(torch, dtype))
    torch.nn.init.kaiming_normal_(w, mode=mode, generator=torch.Generator().manual_seed(seed))
    w = w.numpy()
    return w.T if layout == "linear" else w


def gradcheck(f, grad_f, x0, *, eps=1e-5, atol=1e-6, rtol=1e-4, dtype="float64"):
    """``torch.autograd.gradcheck`` of a scalar NumPy function ``f`` whose gradient is claimed
    to be ``grad_f``: both are wrapped in an ``autograd.Function``, so torch's finite
    differences judge ``grad_f``. Returns True or False (never raises on a mismatch)."""
    class Wrapped(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.tensor(f(x.detach().numpy().copy()), dtype=x.dtype)

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return grad_out * _t(grad_f(x.detach().numpy().copy()), dtype)

    x = _t(x0, dtype).requires_grad_(True)
    return bool(torch.autograd.gradcheck(Wrapped.apply, (x,), eps=eps, atol=atol, rtol=rtol,
                                         raise_exception=False))


VALUES = {
    "he_normal": he_normal,
    "gradcheck": gradcheck,
    "mlp_grads": mlp_grads,
    "sgd_trajectory": sgd_trajectory,
    "momentum_trajectory": momentum_trajectory,
    "rmsprop_trajectory": rmsprop_trajectory,
    "adam_trajectory": adam_trajectory,
    "adamw_trajectory": adamw_trajectory,
}
