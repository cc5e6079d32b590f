"""PyTorch calls for the pitfalls table (page section ``pitfalls``), float64: the cross-entropy
a user calls with integer or one-hot labels, and the page's MLP built from ``nn.Linear``
layers with the planted shape mistakes of :mod:`nnconf.pitfalls.frameworks`.

Everything is the framework's own: ``torch.nn.functional.cross_entropy`` (class indices or
class probabilities as its target), ``F.mse_loss``, ``nn.Linear`` layers, and the per-layer
shape trace through ``register_forward_hook`` (the way a torch user prints each layer's
output shape). Inputs arrive as NumPy arrays and are converted as a user would
(``torch.from_numpy``, keeping their dtype).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

VERSION = torch.__version__


def cross_entropy_calls() -> dict:
    """``{call name: fn(logits (N, K) float64, labels) -> float}``."""
    def cross_entropy(logits, labels):
        return float(F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(labels)))
    return {"torch.nn.functional.cross_entropy": cross_entropy}


def _network(params, *, swapped_first: bool):
    """``nn.Linear`` layers carrying the reference's code-layout weights ``(fan_in, fan_out)``
    (torch stores ``(out, in)``: transposed when copied). ``swapped_first`` declares the first
    layer as ``nn.Linear(fan_out, fan_in)`` and copies the weight untransposed: in/out swapped."""
    layers = []
    for i, (W, b) in enumerate(params):
        fan_in, fan_out = W.shape
        swap = swapped_first and i == 0
        layer = torch.nn.Linear(fan_out if swap else fan_in, fan_in if swap else fan_out,
                                dtype=torch.float64)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(np.array(W if swap else W.T)))
            layer.bias.copy_(torch.zeros(fan_in) if swap else torch.from_numpy(np.array(b)))
        layers.append(layer)
    return layers


def shape_case(mistake, x, params, labels, onehot, trace: list) -> float:
    """The page's network and loss on one batch with ``mistake`` planted (None: shapes as
    they should be); appends each layer's output shape to ``trace`` as it runs (forward
    hooks) and returns the loss. Raises whatever torch raises. Runs under ``torch.no_grad()``
    (no training here: only the forward pass and the loss value)."""
    with torch.no_grad():
        return _shape_case(mistake, x, params, labels, onehot, trace)


def _shape_case(mistake, x, params, labels, onehot, trace: list) -> float:
    layers = _network(params, swapped_first=mistake == "swapped_layer_dims")
    for layer in layers:
        layer.register_forward_hook(lambda m, i, o: trace.append(tuple(o.shape)))
    h = torch.from_numpy(x.reshape(len(x), 28, 28) if mistake == "unflattened_input" else x)
    for i, layer in enumerate(layers):
        h = layer(h)
        if i < len(layers) - 1:
            h = F.relu(h)
    y = torch.from_numpy(labels)
    if mistake == "column_prediction_mse":
        probs = F.softmax(h, dim=-1)
        return float(F.mse_loss(probs[:, :1], torch.from_numpy(onehot[:, 0])))
    if mistake == "transposed_targets":
        return float(F.cross_entropy(h, torch.from_numpy(onehot.T.copy())))
    if mistake == "label_column_ce":
        return float(F.cross_entropy(h, y[:, None]))
    return float(F.cross_entropy(h, y))
