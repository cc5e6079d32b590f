"""Properties of the reference itself: stability, conventions as keywords, clear errors."""

import math
import warnings

import numpy as np
import pytest

from reference import activations as A
from reference import losses as L

EPS = np.finfo(np.float64).eps


def test_sigmoid_is_stable_at_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert A.sigmoid(np.array([-1000.0]))[0] == 0.0
        assert A.sigmoid(np.array([1000.0]))[0] == 1.0
        assert A.sigmoid_grad(np.array([-1000.0, 1000.0])).tolist() == [0.0, 0.0]


def test_softmax_of_large_logits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert A.softmax(np.array([1000.0, 0.0])).tolist() == [1.0, 0.0]
    assert np.allclose(A.softmax(np.array([[2.0, 1.0, 0.1]])).sum(), 1.0)


def test_tanh_grad_keeps_relative_precision():
    # 1 - tanh(20)^2 would be 0 or a multiple of 2^-53; sech^2(20) is 1.7e-17
    assert math.isclose(A.tanh_grad(np.array([20.0]))[0], 1 / math.cosh(20.0) ** 2, rel_tol=1e-14)


def test_kink_conventions_are_keywords():
    zero = np.array([0.0])
    assert A.relu_grad(zero)[0] == 0.0
    assert A.relu_grad(zero, at_zero=1.0)[0] == 1.0
    assert A.leaky_relu_grad(zero)[0] == 0.01
    assert A.leaky_relu_grad(zero, alpha=0.2)[0] == 0.2
    assert A.leaky_relu_grad(zero, at_zero=1.0)[0] == 1.0


def test_gelu_forms_differ_and_bad_form_is_an_error():
    x = np.array([1.0])
    assert A.gelu(x)[0] != A.gelu(x, approximate="tanh")[0]
    for f in (A.gelu, A.gelu_grad):
        with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh', got 'erf'"):
            f(x, approximate="erf")


def test_loss_reductions_and_errors():
    p, y = np.array([[0.1, 0.7, 0.2]]), np.array([[0.0, 1.0, 0.0]])
    assert math.isclose(L.mse(p, y), 0.14 / 3)
    assert math.isclose(L.mse(p, y, reduction="sum"), 0.14)
    assert L.mse(p, y, reduction="none").shape == (1, 3)
    assert math.isclose(L.cross_entropy(p, y), -math.log(0.7))
    with pytest.raises(ValueError, match="reduction"):
        L.mse(p, y, reduction="average")
    with pytest.raises(ValueError, match="shape mismatch"):
        L.mse(p, y[:, :2])


def test_page_clip_caps_cross_entropy():
    p, y = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])
    assert math.isclose(L.cross_entropy(p, y), -math.log(1e-12))
    assert L.cross_entropy(p, y, eps=None) == math.inf


def test_symbolic_proofs_can_fail():
    """The SymPy checks decide by simplifying a difference to 0: a wrong identity is not proved,
    and the softmax + CE gradient without Σy = 1 is not ŷ − y."""
    import sympy as sp

    from nnconf.conformance.checks import symbolic
    x = sp.Symbol("x", real=True)
    s = 1 / (1 + sp.exp(-x))
    assert not symbolic._zero(sp.diff(s, x) - s * (1 + s))  # a planted sign error
    z = sp.symbols("z0:2", real=True)
    y = sp.symbols("y0:2", real=True)
    S = sp.exp(z[0]) + sp.exp(z[1])
    L = -(y[0] * sp.log(sp.exp(z[0]) / S) + y[1] * sp.log(sp.exp(z[1]) / S))
    assert not symbolic._zero(sp.diff(L, z[0]) - (sp.exp(z[0]) / S - y[0]))


def test_reference_defaults_are_the_page_numbers():
    """Keyword defaults that are the page's numbers, read from the claims catalogue (the value
    checks pass every keyword explicitly, so a changed default would go unseen)."""
    import inspect

    from nnconf.audit import catalogue
    from reference import activations as A
    from reference import optim as O
    from reference import perceptron as P

    def default(fn, name):
        return inspect.signature(fn).parameters[name].default

    cat = catalogue.load()
    update, listing, adam = (cat.examples[k].inputs for k in ("perceptron.update", "perceptron.listing",
                                                                "optim.adam.example"))
    assert default(P.update, "lr") == update["lr"]
    assert (default(P.train, "lr"), default(P.train, "epochs")) == (listing["lr"], listing["epochs"])
    for fn in (O.adam, O.adamw):
        assert (default(fn, "b1"), default(fn, "b2"), default(fn, "eps")) == (adam["b1"], adam["b2"], adam["eps"])
    alpha = next(c.args["alpha"] for c in cat.claims if c.id == "act.leaky_relu.alpha")
    assert default(A.leaky_relu, "alpha") == default(A.leaky_relu_grad, "alpha") == alpha


def test_train_defaults_and_mistake_count_follow_the_page_code():
    """The listing starts from zero weights and bias; ``mistakes`` counts every wrong
    prediction of an epoch (XOR: at least 2 per epoch, as the XOR property relies on)."""
    import inspect

    from reference import perceptron as P
    assert inspect.signature(P.train).parameters["b0"].default == 0.0  # the listing: bias starts at 0
    xor = P.train([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0], epochs=20)
    assert all(m >= 2 for m in xor.mistakes) and max(xor.mistakes) <= 4


def test_he_normal_has_the_code_layout_shape():
    import numpy as np

    from reference import init as I
    assert I.he_normal(3, 5, np.random.default_rng(0)).shape == (3, 5)


def test_minibatch_gradient_passes_the_network_settings_through():
    """The batch gradient equals the full gradient of the batch alone, for a non-default
    activation, output and loss (every keyword must reach forward and backward)."""
    import numpy as np

    from reference import mlp as M
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 3)), rng.random(size=(6, 2))
    params = [(rng.normal(size=(4, 3)), rng.normal(size=4)), (rng.normal(size=(2, 4)), rng.normal(size=2))]
    kw = dict(activation="tanh", output="sigmoid", loss="mse")
    idx = [4, 1, 2]
    got = M.minibatch_gradient(params, x, y, idx, **kw)
    want = M.backward(params, M.forward(params, x[idx], activation="tanh", output="sigmoid"), y[idx], **kw)
    for (gw, gb), (ww, wb) in zip(got, want, strict=True):
        np.testing.assert_array_equal(gw, ww)
        np.testing.assert_array_equal(gb, wb)
    relu = M.minibatch_gradient(params, x, y, idx, output="sigmoid", loss="mse")
    assert not np.array_equal(relu[0][0], got[0][0])  # the activation keyword matters


def test_bce_grad_with_clipping_is_the_derivative_of_the_clipped_loss():
    """Inside the clip range the gradient is the derivative of the clipped loss (central
    differences, relative step 1e-6: truncation ~1e-12, rounding ~1e-10, so rtol 1e-6); outside
    it the clipped loss is flat and the gradient is exactly 0."""
    import numpy as np

    from reference import losses as L
    eps = 1e-12
    p = np.array([1e-14, 0.3, 0.999, 1 - 1e-14])
    y = np.array([0.0, 1.0, 0.0, 1.0])
    g = L.binary_cross_entropy_grad(p, y, eps=eps, reduction="sum")
    assert g[0] == 0.0 and g[3] == 0.0 and g.dtype == np.float64
    for i in (1, 2):
        h = 1e-6 * p[i]
        up, down = p.copy(), p.copy()
        up[i] += h
        down[i] -= h
        num = (L.binary_cross_entropy(up, y, eps=eps, reduction="sum")
               - L.binary_cross_entropy(down, y, eps=eps, reduction="sum")) / (2 * h)
        np.testing.assert_allclose(g[i], num, rtol=1e-6)


def test_elementwise_activations_keep_float32():
    import numpy as np

    from reference import activations as A
    x = np.linspace(-3, 3, 7, dtype=np.float32)
    for name in ("sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad", "leaky_relu",
                 "leaky_relu_grad", "gelu", "gelu_grad"):
        assert getattr(A, name)(x).dtype == np.float32, name


def test_exactness_flags_a_planted_bug(monkeypatch):
    """The exactness check can fail: a reference σ′ off by a relative 1e-13 (about 450 ulp)
    trails the most accurate framework by more than 1 ulp on the drawn inputs."""
    import numpy as np

    import reference.activations as A
    from nnconf.conformance.exactness import measure
    good = A.sigmoid_grad
    monkeypatch.setattr(A, "sigmoid_grad", lambda x: (good(x) * (1 + 1e-13)).astype(np.asarray(x).dtype))
    r = measure.run("ci", None, 20, names=["sigmoid_grad"])
    assert any(v["formula"] == "sigmoid_grad" for v in r["violations"])


def test_confident_softmax_cross_entropy_keeps_relative_precision():
    # z = [40, 0, 0], true class 0: L = log(1 + 2e^{-40}) ≈ 8.5e-18 and ∂L/∂z₀ = −2e^{-40}/(1 + 2e^{-40});
    # log(1 + ·) and softmax − 1 would give 0 (relative error 1). Relative 4ε: a few roundings.
    z, y = np.array([[40.0, 0.0, 0.0]]), np.array([[1.0, 0.0, 0.0]])
    r = 2 * np.exp(-40.0)
    exact_loss, exact_g0 = r - r * r / 2, -r / (1 + r)
    assert abs(L.softmax_cross_entropy(z, y) - exact_loss) <= 4 * EPS * exact_loss
    g = L.softmax_cross_entropy_grad(z, y)
    assert abs(g[0, 0] - exact_g0) <= 4 * EPS * abs(exact_g0)
    assert np.allclose(g[0, 1:], np.exp(-40.0) / (1 + r), rtol=4 * EPS, atol=0)
    # soft labels at the max: (1 − y_k) − (1 − ŷ_k); labels not summing to 1 keep ŷ − y
    ys = np.array([[0.25, 0.5, 0.5]])
    assert np.allclose(L.softmax_cross_entropy_grad(z, ys), A.softmax(z) - ys, rtol=0, atol=4 * EPS)
    # the argmax need not be class 0, and a 1-D input is one sample
    assert np.allclose(L.softmax_cross_entropy_grad(np.array([0.0, 3.0, 1.0]), np.array([0.0, 1.0, 0.0])),
                       A.softmax(np.array([0.0, 3.0, 1.0])) - [0, 1, 0], rtol=0, atol=4 * EPS)
    assert np.isclose(L.softmax_cross_entropy(np.array([0.0, 3.0, 1.0]), np.array([0.0, 1.0, 0.0])),
                      -np.log(A.softmax(np.array([0.0, 3.0, 1.0]))[1]), rtol=4 * EPS, atol=0)
