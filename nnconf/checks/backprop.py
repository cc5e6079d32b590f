"""Backpropagation (page sections ``backprop``, ``mlp``, ``gradcheck``): the reference's
gradients of an MLP's batch-mean loss against torch.autograd (``nn.Linear`` layers) and
jax.grad (``stax.Dense`` layers), in both of the page's layouts, and the page's numerical
gradient against both."""

from __future__ import annotations

import functools

import numpy as np

from .. import strategies as S
from ..registry import Check, Page
from ..tolerance import EPS, Tolerance

BACKPROP = Tolerance(
    256 * EPS, atol=256 * EPS,
    reason="chain rule through ≤ 4 layers of width ≤ 4: each δ and ∂W is a sum of ≤ 4 products "
           "(≤ 4ε each) times an activation derivative (≤ 16ε, see act.*): ≲ 100ε relative per "
           "layer with weights ≤ 2 and inputs ≤ 3; gradients cancel to near 0, so the same bound "
           "applies absolutely, scaled by the O(1) sizes of the terms: 256ε")
NUMERICAL = Tolerance(
    1e-6, atol=1e-7,
    reason="central differences with ε = 1e-5: truncation ε²/6·|f'''| ≤ 2e-8 for |f'''| ≲ 1e3 "
           "(weights ≤ 2, inputs ≤ 3, ≤ 4 smooth layers) plus rounding ε_mach·|f|/ε ≤ 1e-9 for "
           "|f| ≲ 50: atol 1e-7; 1e-6 relative for large components")

PAGE_NETWORK = S.Case(
    (np.array([[1.0, 0.5]]), np.array([[1.0, 0.0]]), np.array([[0.3, 0.7], [-0.2, 0.4]]),
     np.zeros(2), np.array([[0.5, -0.3], [0.2, 0.6]]), np.zeros(2)),
    kwargs=dict(activation="sigmoid", output="softmax", loss="cross_entropy"))
NETWORK_CAP = 100  # every new network shape costs JAX a compilation (~0.2 s)
NET_HELPERS = ("mlp.forward", "mlp.backward", "mlp._output_delta")
AUTODIFF = {"torch": (Page(note="nn.Linear layers, F.cross_entropy / F.mse_loss, autograd"),),
            "jax": (Page(note="stax.Dense layers, optax losses, jax.grad"),)}

CHECKS = [
    Check("backprop.general.grads", "backprop.general", "mlp_grads", "value",
          "mlp.parameter_gradients", S.networks, BACKPROP, AUTODIFF,
          examples=(PAGE_NETWORK,),
          helpers=NET_HELPERS, max_examples=NETWORK_CAP,
          description="∂L/∂W, ∂L/∂b of the batch-mean loss by the page's general rule (math layout "
                      "W ∈ R^(n_out × n_in)), any depth, hidden activation and output loss"),
    Check("mlp.code_layout.grads", "mlp", "mlp_grads", "value", "mlp.parameter_gradients",
          S.networks, BACKPROP, AUTODIFF, reference_settings={"layout": "code"},
          examples=(PAGE_NETWORK,), helpers=NET_HELPERS, max_examples=NETWORK_CAP,
          description="the same gradients computed in the page's code layout (a @ W, W of shape "
                      "(n_in, n_out)), transposed back"),
    Check("gradcheck.numerical", "gradcheck", "mlp_grads", "value",
          "mlp.numerical_parameter_gradients",
          functools.partial(S.networks, activations=S.SMOOTH, max_layers=3), NUMERICAL,
          AUTODIFF, examples=(PAGE_NETWORK,),
          helpers=("mlp.loss", "mlp.forward", "gradcheck.numerical_gradient"),
          max_examples=NETWORK_CAP,
          description="the page's central-difference gradient (ε = 1e-5) of smooth networks "
                      "against autodiff (kinks: see gradcheck.kink)"),
]
