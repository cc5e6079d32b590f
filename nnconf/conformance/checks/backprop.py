"""Backpropagation (page sections ``backprop``, ``mlp``, ``gradcheck``): the reference's
gradients of an MLP's batch-mean loss against torch.autograd (``nn.Linear`` layers) and
jax.grad (``stax.Dense`` layers), in both of the page's layouts, and the page's numerical
gradient against both."""

from __future__ import annotations

import functools

import numpy as np

from nnconf.conformance import strategies as S
from nnconf.conformance.checks import symbolic
from nnconf.conformance.checks.activations import NETWORK, SMOOTH
from nnconf.conformance.records import Check, Page, Property
from nnconf.conformance.tolerance import EPS, Tolerance

BACKPROP = Tolerance(
    rtol=256 * EPS, atol=256 * EPS,
    reason="chain rule through ≤ 4 layers of width ≤ 4: each δ and ∂W is a sum of ≤ 4 products "
           "(≤ 4ε each) times an activation derivative (≤ 16ε, see act.*): ≲ 100ε relative per "
           "layer with weights ≤ 2 and inputs ≤ 3; gradients cancel to near 0, so the same bound "
           "applies absolutely, scaled by the O(1) sizes of the terms: 256ε")
NUMERICAL = Tolerance(
    rtol=1e-6, atol=1e-7,
    reason="central differences with ε = 1e-5: truncation ε²/6·|f'''| ≤ 2e-8 for |f'''| ≲ 1e3 "
           "(weights ≤ 2, inputs ≤ 3, ≤ 4 smooth layers) plus rounding ε_mach·|f|/ε ≤ 1e-9 for "
           "|f| ≲ 50: atol 1e-7; 1e-6 relative for large components")

PAGE_NETWORK = S.Case(
    args=(np.array([[1.0, 0.5]]), np.array([[1.0, 0.0]]), np.array([[0.3, 0.7], [-0.2, 0.4]]),
     np.zeros(2), np.array([[0.5, -0.3], [0.2, 0.6]]), np.zeros(2)),
    kwargs=dict(activation="sigmoid", output="softmax", loss="cross_entropy"))
NETWORK_CAP = 100  # every new network shape costs JAX a compilation (~0.2 s)


def network_uses(activations, *, losses=("cross_entropy", "mse"), backward=True, loss_value=False) -> tuple:
    """The reference functions a network of ``S.networks(activations, losses)`` runs through:
    the forward pass (hidden activations; softmax output, and for MSE also sigmoid), with
    ``backward`` the backward pass (their derivatives, the output delta), with ``loss_value``
    the batch loss (:func:`reference.mlp.loss`)."""
    out = ["mlp.forward", *(f"activations.{a}" for a in activations), "activations.softmax"]
    mse = "mse" in losses
    if mse:
        out.append("activations.sigmoid")
    if backward:
        out += ["mlp.backward", "mlp._output_delta", *(f"activations.{a}_grad" for a in activations)]
        if mse:
            out += ["losses.mse_grad", "activations.sigmoid_grad", "activations.softmax_jvp"]
    if loss_value:
        out += ["mlp.loss", *(["losses.softmax_cross_entropy"] if "cross_entropy" in losses else []),
                *(["losses.mse"] if mse else [])]
    return tuple(dict.fromkeys(out))


NET_HELPERS = network_uses(NETWORK)
AUTODIFF = {"torch": (Page(note="nn.Linear layers, F.cross_entropy / F.mse_loss, autograd"),),
            "jax": (Page(note="stax.Dense layers, optax losses, jax.grad"),)}

CHECKS = [
    Check(id="backprop.general.grads", section="backprop.general", op="mlp_grads", kind="value",
          reference="mlp.parameter_gradients", inputs=functools.partial(S.networks, activations=NETWORK),
          tolerance=BACKPROP, oracles=AUTODIFF, examples=(PAGE_NETWORK,), helpers=NET_HELPERS,
          max_examples=NETWORK_CAP,
          description="∂L/∂W, ∂L/∂b of the batch-mean loss by the page's general rule (math layout "
                      "W ∈ R^(n_out × n_in)), any depth, hidden activation and output loss"),
    Check(id="mlp.code_layout.grads", section="mlp", op="mlp_grads", kind="value",
          reference="mlp.parameter_gradients", inputs=functools.partial(S.networks, activations=NETWORK),
          tolerance=BACKPROP, oracles=AUTODIFF, reference_settings={"layout": "code"},
          examples=(PAGE_NETWORK,), helpers=(*NET_HELPERS, "mlp.to_code_layout"), max_examples=NETWORK_CAP,
          description="the same gradients computed in the page's code layout (a @ W, W of shape "
                      "(n_in, n_out)), transposed back"),
    Check(id="gradcheck.numerical", section="gradcheck", op="mlp_grads", kind="value",
          reference="mlp.numerical_parameter_gradients",
          inputs=functools.partial(S.networks, activations=SMOOTH, max_layers=3), tolerance=NUMERICAL,
          oracles=AUTODIFF, examples=(PAGE_NETWORK,),
          helpers=(*network_uses(SMOOTH, backward=False, loss_value=True), "gradcheck.numerical_gradient"),
          max_examples=NETWORK_CAP,
          description="the page's central-difference gradient (ε = 1e-5) of smooth networks "
                      "against autodiff (kinks: see gradcheck.kink)"),
    Property(id="sympy.backprop_two_layer", section="backprop.general", oracle="sympy",
             run=symbolic.backprop_two_layer, references=(),
             description="the page's backprop rule against SymPy's gradient of a 2-layer network"),
]
