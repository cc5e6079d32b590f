"""Contracts of the reference that the registry rows do not reach: keyword defaults, optimizer
state, dtypes, boundaries of the clip, silence on edge inputs, hard points of the formulas.

Each test here was written for mutants of ``reference/`` that survived the fast test subset
(``tox -e mutation``); the numbers are the page's or worked out by hand in the comments.
"""

import warnings

import mpmath
import numpy as np
import pytest

from reference import activations as A
from reference import gradcheck as G
from reference import losses as L
from reference import mlp as M
from reference import optim as O
from reference import perceptron as P

EPS = np.finfo(np.float64).eps


@pytest.fixture
def strict():
    """Any RuntimeWarning (divide, invalid, overflow) is an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ------------------------------------------------------------------ gradcheck
def test_relative_error_is_the_pages_formula(strict):
    a = np.array([2.0, 1.0, 0.0, -3.0, np.inf])
    n = np.array([1.0, 0.5, 0.0, 3.0, np.inf])
    r = G.relative_error(a, n)
    # |a − n| / max(|a|, |n|): 1/2, 0.5/1 (denominator exactly 1), 0 where both are 0, 6/3;
    # inf vs inf is undefined (nan), silently
    assert r[:4].tolist() == [0.5, 0.5, 0.0, 2.0] and np.isnan(r[4])
    # computed in float64 whatever comes in: float32 1/3 vs 0.3 in float64 arithmetic
    a32, n32 = np.float32(1 / 3), np.float32(0.3)
    r32 = G.relative_error(a32, n32)
    assert r32.dtype == np.float64 and r32 == abs(float(a32) - float(n32)) / float(a32)


def test_numerical_gradient_perturbs_a_float64_copy():
    x0 = np.array([1.0, -2.0, 0.5])
    # f reads the caller's array too: d/dv (v·x0) = x0, and x0 is never seen perturbed
    g = G.numerical_gradient(lambda v: float(np.sum(v * x0)), x0)
    assert np.allclose(g, x0, rtol=1e-9, atol=0) and x0.tolist() == [1.0, -2.0, 0.5]
    # float32 in: the perturbation and the difference are in float64 (in float32, 1 ± 1e-5 is
    # rounded to a multiple of 1.2e-7, an error of up to 0.6% in the difference quotient)
    x32 = np.array([1.0, 2.0], dtype=np.float32)
    g = G.numerical_gradient(lambda v: float(np.sum(v**2)), x32)
    assert g.dtype == np.float64 and np.allclose(g, [2.0, 4.0], rtol=1e-9, atol=0)


# ------------------------------------------------------------------ optimizers
def _one_step(opt, g, theta=1.0):
    theta = np.asarray([theta])
    state = opt.init(theta)
    updates, state = opt.update(np.asarray([g]), state, theta)
    return updates[0], state


def test_optimizer_defaults_are_documented_values():
    # sgd: the page's MNIST learning rate 0.001
    assert _one_step(O.sgd(), 2.0)[0] == -0.002
    # rmsprop: lr 0.001, β 0.9, ε 1e-8 outside the root: s = 0.1·4, step = 0.001·2/(√0.4 + 1e-8)
    assert _one_step(O.rmsprop(), 2.0)[0] == pytest.approx(-0.002 / (np.sqrt(0.4) + 1e-8), rel=4 * EPS)
    # adam/adamw: lr 3e-4, first step −lr·g/(|g| + ε·…) ≈ −lr·sign(g); adamw adds λ·θ with λ 0.01
    assert _one_step(O.adam(), 2.0)[0] == pytest.approx(-3e-4 * 2 / (2 + 1e-8), rel=4 * EPS)
    assert _one_step(O.adamw(), 2.0, theta=10.0)[0] == pytest.approx(-3e-4 * (2 / (2 + 1e-8) + 0.01 * 10),
                                                                     rel=4 * EPS)
    # momentum: lr 0.001, β 0.9, dampened (page's v = βv + (1−β)g), zero first buffer
    assert _one_step(O.momentum(), 2.0)[0] == pytest.approx(-0.001 * 0.1 * 2, rel=4 * EPS)


@pytest.mark.parametrize("make, explicit", [
    (O.sgd, dict(lr=0.001)),
    (O.momentum, dict(lr=0.001, beta=0.9, dampening=True, first_buffer="zero", nesterov=False)),
    (O.rmsprop, dict(lr=0.001, beta=0.9, eps=1e-8, eps_in_sqrt=False)),
    (O.adam, dict(lr=3e-4, b1=0.9, b2=0.999, eps=1e-8)),
    (O.adamw, dict(lr=3e-4, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.01)),
])
def test_optimizer_defaults_over_several_steps(make, explicit):
    # after the first step Adam's bias correction no longer hides β₁ and β₂
    grads = np.array([[2.0], [-1.0], [0.5], [3.0]])
    assert np.array_equal(O.trajectory(make(), np.array([1.0]), grads),
                          O.trajectory(make(**explicit), np.array([1.0]), grads))


def test_adam_rejects_an_unknown_bias_correction():
    with pytest.raises(ValueError, match="bias_correction must be 'explicit' or 'folded', got 'late'"):
        O.adam(bias_correction="late").update(np.ones(1), O.adam().init(np.ones(1)), np.ones(1))


@pytest.mark.parametrize("make", [O.sgd, O.momentum, O.rmsprop, O.adam, O.adamw])
def test_optimizer_state_counts_steps_and_stays_float64(make):
    opt = make(lr=0.1)
    theta = np.array([1.0, -2.0], dtype=np.float32)
    state = opt.init(theta)
    assert state.count == 0
    for leaf in state[1:]:  # the state has the parameters' shape, in float64, from the start
        assert np.asarray(leaf).dtype == np.float64 and np.asarray(leaf).shape == (2,)
    theta64, state64 = theta.astype(np.float64), opt.init(theta.astype(np.float64))
    for t in range(1, 4):
        g = np.array([0.1, -1.3], dtype=np.float32) * t
        updates, state = opt.update(g, state, theta)
        updates64, state64 = opt.update(g.astype(np.float64), state64, theta64)
        assert state.count == t
        # float32 in, float64 arithmetic: the same numbers as for the float64 copies
        assert updates.dtype == np.float64 and np.array_equal(updates, updates64)
        theta, theta64 = O.apply_updates(theta, updates), O.apply_updates(theta64, updates64)
    for leaf in state[1:]:
        assert np.asarray(leaf).dtype == np.float64 and np.asarray(leaf).shape == (2,)


def test_rmsprop_eps_inside_the_root():
    # optax's default form: g/√(s + ε); s = 0.1·g² after one step
    step, _ = _one_step(O.rmsprop(lr=0.1, beta=0.9, eps=0.01, eps_in_sqrt=True), 2.0)
    assert step == pytest.approx(-0.1 * 2 / np.sqrt(0.4 + 0.01), rel=4 * EPS)
    step, _ = _one_step(O.rmsprop(lr=0.1, beta=0.9, eps=0.01), 2.0)
    assert step == pytest.approx(-0.1 * 2 / (np.sqrt(0.4) + 0.01), rel=4 * EPS)


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam", "adamw"])
def test_trajectory_functions_run_their_optimizer(name):
    grads = np.array([[1.0], [-2.0], [0.5]])
    run = getattr(O, f"{name}_trajectory")
    path = run(np.array([3.0]), grads, lr=0.1)
    assert path.shape == (4, 1) and path[0, 0] == 3.0
    assert np.array_equal(path, O.trajectory(getattr(O, name)(lr=0.1), np.array([3.0]), grads))
    assert not np.array_equal(path, O.trajectory(getattr(O, name)(lr=0.2), np.array([3.0]), grads))


# ------------------------------------------------------------------ mlp
def test_numerical_parameter_gradients_defaults_and_eps():
    rng = np.random.default_rng(0)
    params = [(rng.normal(size=(3, 2)), rng.normal(size=3)), (rng.normal(size=(2, 3)), rng.normal(size=2))]
    x, y = rng.normal(size=(4, 2)), np.eye(2)[[0, 1, 1, 0]]
    flat = [p for layer in params for p in layer]
    default = M.numerical_parameter_gradients(x, y, *flat)
    assert np.array_equal(default, M.numerical_parameter_gradients(x, y, *flat, activation="relu"))
    # eps reaches the central difference: a coarse step has a visibly larger truncation error
    coarse = M.numerical_parameter_gradients(x, y, *flat, eps=0.5, activation="tanh")
    fine = M.numerical_parameter_gradients(x, y, *flat, eps=1e-5, activation="tanh")
    assert np.max(np.abs(coarse - fine)) > 1e-4


def test_network_loss_and_gradients_default_to_the_page_network():
    params, x, y = _net()
    flat = [p for layer in params for p in layer]
    page = dict(activation="relu", output="softmax", loss="cross_entropy")
    assert M.loss(params, x, y) == M.loss(params, x, y, **page)
    assert np.array_equal(M.parameter_gradients(x, y, *flat), M.parameter_gradients(x, y, *flat, **page))


def test_parameters_come_in_weight_bias_pairs():
    W, b = np.ones((2, 2)), np.zeros(2)
    with pytest.raises(ValueError):
        M.parameter_gradients(np.ones((1, 2)), np.eye(2)[[0]], W, b, W)


def _net(dtype=np.float64, bias_dtype=np.float64):
    rng = np.random.default_rng(2)
    params = [(rng.normal(size=(3, 2)).astype(dtype), rng.normal(size=3).astype(bias_dtype)),
              (rng.normal(size=(2, 3)).astype(dtype), rng.normal(size=2).astype(bias_dtype))]
    return params, rng.normal(size=(4, 2)).astype(dtype), np.eye(2)[[0, 1, 1, 0]]


def test_network_keeps_float32_and_takes_integer_inputs():
    params, x, y = _net(np.float32, np.float64)  # float64 biases do not promote a float32 network
    cache = M.forward(params, x)
    assert all(a.dtype == np.float32 for a in cache.activations) and all(z.dtype == np.float32 for z in cache.zs)
    grads = M.backward(params, cache, y)
    assert all(g.dtype == np.float32 for pair in grads for g in pair)
    p64, _, _ = _net()
    xi = np.array([[1, 0], [0, 2]])  # integers become float64
    assert M.forward(p64, xi).activations[0].dtype == np.float64


@pytest.mark.parametrize("output, loss", [("softmax", "cross_entropy"), ("sigmoid", "mse"), ("softmax", "mse")])
def test_code_layout_gives_the_math_layout_numbers(output, loss):
    params, x, y = _net()
    code = M.to_code_layout(params)
    kw = dict(activation="tanh", output=output, loss=loss)
    assert M.loss(code, x, y, layout="code", **kw) == pytest.approx(M.loss(params, x, y, **kw), rel=8 * EPS)
    math_g = M.backward(params, M.forward(params, x, activation="tanh", output=output), y, **kw)
    code_g = M.backward(code, M.forward(code, x, activation="tanh", output=output, layout="code"), y,
                        layout="code", **kw)
    for (dW, db), (cW, cb) in zip(math_g, code_g, strict=True):
        assert np.allclose(dW, cW.T, rtol=64 * EPS, atol=64 * EPS) and np.allclose(db, cb, rtol=64 * EPS, atol=64 * EPS)


def test_backward_defaults_to_the_page_network():
    params, x, y = _net()
    cache = M.forward(params, x)
    explicit = M.backward(params, cache, y, activation="relu", output="softmax", loss="cross_entropy")
    for (a, b), (c, d) in zip(M.backward(params, cache, y), explicit, strict=True):
        assert np.array_equal(a, c) and np.array_equal(b, d)
    # the output activation matters for MSE (softmax's Jacobian): softmax is the default
    explicit = M.backward(params, cache, y, activation="relu", output="softmax", loss="mse")
    for (a, b), (c, d) in zip(M.backward(params, cache, y, loss="mse"), explicit, strict=True):
        assert np.array_equal(a, c) and np.array_equal(b, d)


def test_network_errors_name_the_bad_setting():
    params, x, y = _net()
    with pytest.raises(ValueError, match="layout must be 'math' or 'code', got 'rows'"):
        M.forward(params, x, layout="rows")
    with pytest.raises(ValueError, match="^loss='cross_entropy' needs output='softmax'$"):
        M.loss(params, x, y, output="sigmoid")
    with pytest.raises(ValueError, match="loss must be 'cross_entropy' or 'mse', got 'hinge'"):
        M.loss(params, x, y, loss="hinge")
    with pytest.raises(ValueError, match="loss must be 'cross_entropy' or 'mse', got 'hinge'"):
        M.backward(params, M.forward(params, x), y, loss="hinge")


def test_loss_gradients_take_every_reduction():
    p, y = np.array([[0.2, 0.8]]), np.array([[0.0, 1.0]])
    assert L.mse_grad(p, y, reduction="none").tolist() == L.mse_grad(p, y, reduction="sum").tolist()
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        L.mse_grad(p, y, reduction="avg")


# ------------------------------------------------------------------ perceptron
def test_perceptron_defaults_are_the_pages():
    # the worked example's update uses η = 0.1; the listing trains 100 epochs at 0.01 from zeros
    w, b = P.update(np.array([0.6, -0.4]), -0.1, np.array([1.0, 0.5]), 0)
    assert w.tolist() == [0.5, -0.45] and b == pytest.approx(-0.2, abs=EPS)
    X, y = [[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1]
    default, explicit = P.train(X, y), P.train(X, y, lr=0.01, epochs=100, b0=0.0)
    assert len(default.mistakes) == 100
    assert default.w.tolist() == explicit.w.tolist() and default.b == explicit.b


# ------------------------------------------------------------------ activations
def test_integer_inputs_become_float64():
    for f in (A.relu, A.leaky_relu, A.sigmoid, A.tanh, A.gelu, A.relu_grad):
        assert f(np.array([1, -2, 0])).dtype == np.float64, f.__name__


def test_tanh_grad_is_silent_where_cosh_overflows(strict):
    assert A.tanh_grad(np.array([1e5, -1e5])).tolist() == [0.0, 0.0]


def test_softmax_jvp_keeps_the_logits_dtype():
    z = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    assert A.softmax_jvp(z, np.array([1.0, 0.0, 0.0])).dtype == np.float32


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_grad_is_silent_at_huge_inputs(strict, approximate):
    # x² overflows for |x| = 1e200: the derivative is 1 (right), 0 (left), ½ at 0
    x = np.array([1e200, -1e200, 0.0])
    assert A.gelu_grad(x, approximate=approximate).tolist() == [1.0, 0.0, 0.5]


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_at_infinity_is_the_limit(strict, approximate):
    out = A.gelu(np.array([np.inf, -np.inf, 1e300, -1e300]), approximate=approximate)
    assert out.tolist() == [np.inf, 0.0, 1e300, 0.0] and np.signbit(out[1])


def test_gelu_of_nothing_is_empty():
    for f in (A.gelu, A.gelu_grad):
        assert f(np.array([])).shape == (0,)


@pytest.mark.parametrize("x", [-37.0, -30.5, -20.0, -10.25, -5.0, -1.0, 0.5, 3.0])
def test_gelu_and_its_derivative_within_one_ulp_in_the_tail(x):
    # Φ(x) = ½erfc(−x/√2) with erfc's argument corrected to first order: without the
    # correction (or with it signed or scaled wrongly) the tail is off by up to ~1000 ulp
    # (erfc's relative sensitivity to its argument is 2u² ≈ 1400 at x = −37)
    with mpmath.workdps(60):
        xm = mpmath.mpf(x)
        value, slope = xm * mpmath.ncdf(xm), mpmath.ncdf(xm) + xm * mpmath.npdf(xm)
        for got, exact in ((A.gelu(np.array([x]))[0], value), (A.gelu_grad(np.array([x]))[0], slope)):
            assert abs(got - exact) <= np.spacing(abs(float(exact))), (x, float(got), float(exact))


@pytest.mark.parametrize("x", [-11.3233082706767, -10.8496240601504, -6.0])
def test_gelu_tanh_within_one_ulp_where_sigma_amplifies(x):
    # σ(2u) amplifies a relative error in u by |2u| (≈ 120 at x = −11.3): the long-double
    # constants keep the result within 1 ulp (double constants: ~20 ulp here)
    with mpmath.workdps(60):
        xm = mpmath.mpf(x)
        u = mpmath.sqrt(2 / mpmath.pi) * (xm + mpmath.mpf("0.044715") * xm**3)
        exact = xm / (1 + mpmath.exp(-2 * u))
        got = A.gelu(np.array([x]), approximate="tanh")[0]
        assert abs(got - exact) <= np.spacing(abs(float(exact)))


# ------------------------------------------------------------------ losses
def test_clip_boundaries_pass_the_gradient():
    # the clip's derivative is taken as 1 on [ε, 1 − ε], ends included (torch.clamp's rule)
    eps = 1e-12
    lo, hi = np.array([[eps, 1 - eps]]), np.array([[1.0, 1.0]])
    assert L.cross_entropy_grad(lo, hi, eps=eps).tolist() == [[-1 / eps, -1 / (1 - eps)]]
    p = np.array([eps, 1 - eps])
    g = L.binary_cross_entropy_grad(p, np.array([0.0, 1.0]), eps=eps, reduction="sum")
    assert g[0] == pytest.approx(1 / (1 - eps), rel=4 * EPS) and g[1] == pytest.approx(-1 / (1 - eps), rel=4 * EPS)
    # just outside: 0
    out = np.array([eps / 2, 1 - eps / 2])
    assert L.binary_cross_entropy_grad(out, np.array([0.0, 1.0]), eps=eps, reduction="sum").tolist() == [0.0, 0.0]


def test_losses_are_silent_and_exact_at_certain_predictions(strict):
    # unclipped (the page): p ∈ {0, 1} with the matching label costs 0, the other label inf,
    # and the gradient is inf/nan where the page's formula divides by 0, all without warnings
    p, y = np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0])
    assert L.binary_cross_entropy(p, y, reduction="none").tolist() == [0.0, 0.0, np.inf, np.inf]
    g = L.binary_cross_entropy_grad(p, y, reduction="sum")
    assert np.isinf(g[2]) and np.isinf(g[3])
    g = L.binary_cross_entropy_grad(np.array([1e-320, 0.5]), np.array([1.0, 1.0]), reduction="sum")
    assert np.isinf(g[0]) and g[1] == -2.0
    ce = L.cross_entropy_grad(np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]]), eps=None)
    assert np.isnan(ce[0, 0]) and ce[0, 1] == -1.0  # 0/0 where y = 0: undefined, as documented
    assert np.isinf(L.cross_entropy_grad(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]), eps=None)[0, 0])


def test_bce_with_soft_labels_is_the_formula():
    # −[y log p + (1 − y) log(1 − p)] with y = 0.3, p = 0.6
    p, y = np.array([0.6]), np.array([0.3])
    expected = -(0.3 * np.log(0.6) + 0.7 * np.log(0.4))
    assert L.binary_cross_entropy(p, y) == pytest.approx(expected, rel=4 * EPS)


def test_labels_are_float64_before_any_arithmetic():
    # a float32 soft label 1e-10: 1 − y is 0.9999999999 in float64 but rounds to 1 in float32
    # (float32 arithmetic would be off by 2e-10 relative here)
    p, y = np.array([0.9]), np.array([1e-10], dtype=np.float32)
    y64 = float(y[0])
    expected = -(y64 * np.log(0.9) + (1 - y64) * np.log(0.1))
    assert L.binary_cross_entropy(p, y) == pytest.approx(expected, rel=4 * EPS, abs=0)


def test_bce_with_logits_returns_float64():
    # losses compute in float64 (the long-double intermediates are rounded back once)
    z, y = np.array([0.5, -3.0]), np.array([1.0, 0.0])
    for zz in (z, z.astype(np.float32)):
        assert L.binary_cross_entropy_with_logits(zz, y, reduction="none").dtype == np.float64
        assert L.binary_cross_entropy_with_logits(zz, y).dtype == np.float64


def test_cross_entropy_per_sample_and_silent(strict):
    # reduction "none" is per sample (row): −log 0.5 and −log 0.25; a 1-D input is one sample
    p, y = np.array([[0.5, 0.5, 0.0], [0.25, 0.25, 0.5]]), np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert L.cross_entropy(p, y, reduction="none", eps=None) == pytest.approx([np.log(2), np.log(4)], rel=4 * EPS)
    assert L.cross_entropy(p[1], y[1], eps=None) == pytest.approx(np.log(4), rel=4 * EPS)
    # unclipped: 0·log 0 = 0 and −log 0 = inf, without warnings
    assert L.cross_entropy(np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]]), eps=None) == 0.0
    assert L.cross_entropy(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]), eps=None) == np.inf


def test_leaky_relu_grad_at_zero_only_at_zero():
    assert A.leaky_relu_grad(np.array([-1.0, 0.0, 1.0]), alpha=0.1, at_zero=0.5).tolist() == [0.1, 0.5, 1.0]
