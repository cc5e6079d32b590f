"""PyTorch's own OpInfo sample inputs for softmax (``torch.testing._internal``'s ``op_db``:
``softmax``, ``nn.functional.softmax``, each with its ``with_dtype`` variant), run through the
reference: the values against torch's, and the JVP against torch's autograd (J is symmetric,
so the VJP is the JVP). The samples include a 0-d input with ``dim=0``, an empty ``(5, 0, 0)``
and 3-d inputs reduced along the last axis. Needs torch's test helpers (``expecttest``).
"""

from __future__ import annotations

import numpy as np
import pytest

from reference import activations as A

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")
from torch.testing._internal.common_methods_invocations import op_db  # noqa: E402

OPS = [o for o in op_db if o.name in ("softmax", "nn.functional.softmax")]
# The reference is within ~1 ulp of the exact softmax (exactness table). torch computes
# e^{z − max z} in the dtype itself: rounding z − max z (up to half an ulp of the spread of
# the row, |z − max z| ≤ spread) becomes a relative error of spread·ε/2 in the exponential,
# plus a few roundings (exp, sum, divide). So rtol = (spread/2 + 3)·ε of the dtype, per
# sample, no absolute slack (a 0-d result must be exactly 1). Measured: ≤ 4.4 ulp (float64)
# on these samples, whose values are uniform in [−9, 9] (spread ≤ 18: rtol 12 ε).
def rtol(x: np.ndarray) -> float:
    spread = float(np.ptp(x)) if x.size else 0.0
    return (spread / 2 + 3) * float(np.finfo(x.dtype).eps)
JVP_RTOL = 1e-12  # torch's VJP s ⊙ (v − ⟨s, v⟩) cancels at a dominant class (issue 11): ~1e-12 relative
JVP_ATOL = 1e-15  # ... and entries near 0 compare absolutely


def _samples(dtype):
    for op in OPS:
        for s in op.sample_inputs("cpu", dtype, requires_grad=dtype == torch.float64):
            dim = s.args[0] if s.args else s.kwargs.get("dim")
            yield op, s, dim


def test_the_samples_include_the_0d_case():
    shapes = {tuple(s.input.shape) for _, s, _ in _samples(torch.float64)}
    assert () in shapes and (5, 0, 0) in shapes and len(shapes) >= 4


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
def test_opinfo_softmax_samples_match_the_reference(dtype):
    n = 0
    for op, s, dim in _samples(dtype):
        want = op.op(s.input, *s.args, **s.kwargs).detach().numpy()
        x = s.input.detach()
        if "dtype" in s.kwargs:  # torch casts the input to dtype= before the op; the reference has no such keyword
            x = x.to(s.kwargs["dtype"])
        got = A.softmax(x.numpy(), axis=dim)
        name = f"{op.name}.{op.variant_test_name}" if op.variant_test_name else op.name
        where = f"{name} shape {tuple(s.input.shape)} dim {dim}"
        assert got.shape == want.shape and got.dtype == want.dtype, where
        np.testing.assert_allclose(got, want, rtol=rtol(x.numpy()), atol=0, err_msg=where)
        n += 1
    assert n >= 10


def test_opinfo_softmax_samples_jvp_matches_torch_autograd():
    rng = np.random.default_rng(0)
    for op, s, dim in _samples(torch.float64):
        x = s.input.detach().clone().requires_grad_(True)
        out = op.op(x, *s.args, **s.kwargs)
        v = torch.from_numpy(rng.standard_normal(tuple(x.shape)))
        (vjp,) = torch.autograd.grad(out, x, v, allow_unused=True)
        want = np.zeros(tuple(x.shape)) if vjp is None else vjp.numpy()
        got = A.softmax_jvp(x.detach().numpy(), v.numpy(), axis=dim)
        assert got.shape == want.shape, (tuple(x.shape), dim)
        np.testing.assert_allclose(got, want, rtol=JVP_RTOL, atol=JVP_ATOL,
                                   err_msg=f"shape {tuple(x.shape)} dim {dim}")
