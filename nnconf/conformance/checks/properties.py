"""Properties: the page's claims that are not value comparisons, and the distributional and
structural checks of the reference against independent implementations.

Each property returns an :class:`~nnconf.conformance.registry.Outcome` with its figures; the statistical
ones state their rule and false-alarm rate in the note.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import oracles
from nnconf.conformance import profiles
from nnconf.conformance import strategies as S
from nnconf.conformance.checks.activations import NETWORK, SMOOTH
from nnconf.conformance.checks.backprop import network_uses
from nnconf.conformance.records import Outcome, Property
from nnconf.conformance.tolerance import EPS, TINY, Tolerance
from reference import activations as A
from reference import gradcheck as G
from reference import mlp as M
from reference import perceptron as P

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])
AND_Y = np.array([0, 0, 0, 1])


def _hypothesis(strategy, profile: str, seed: int | None, body, cap: int | None = None):
    """Run ``body`` over ``strategy`` under the profile (at most ``cap`` examples); return the
    number of examples."""
    count = [0]

    def counted(case):
        count[0] += 1
        body(case)

    test = profiles.settings_for(profile, cap)(given(strategy)(counted))
    if seed is not None:
        import hypothesis
        test = hypothesis.seed(seed)(test)
    test()
    return count[0]


# ----------------------------------------------------------------- perceptron
def _separable(X, y) -> bool:
    """Is there (w, b) with (2y − 1)(w·x + b) ≥ 1 for every sample? A linear program
    (scipy.optimize.linprog, HiGHS): feasible exactly when the classes are linearly separable."""
    from scipy.optimize import linprog

    s = 2.0 * np.asarray(y) - 1.0
    a_ub = -s[:, None] * np.hstack([X, np.ones((len(X), 1))])
    res = linprog(np.zeros(X.shape[1] + 1), A_ub=a_ub, b_ub=-np.ones(len(X)),
                  bounds=[(None, None)] * (X.shape[1] + 1), method="highs")
    return res.status == 0


def xor_not_learnable(profile, seed) -> Outcome:
    xor_sep, and_sep = _separable(XOR_X, XOR_Y), _separable(XOR_X, AND_Y)
    run = P.train(XOR_X, XOR_Y, lr=0.1, epochs=1000)
    and_run = P.train(XOR_X, AND_Y, lr=0.1, epochs=1000)
    # the MLP: 2-4-2 tanh, softmax + CE, full-batch SGD with the reference's backprop
    rng = np.random.default_rng(0)
    params = [(rng.standard_normal((4, 2)), np.zeros(4)), (rng.standard_normal((2, 4)), np.zeros(2))]
    y1 = np.eye(2)[XOR_Y]
    for _ in range(3000):  # full-batch SGD, the page's θ ← θ − η∇L with η = 0.5
        grads = M.backward(params, M.forward(params, XOR_X, activation="tanh"), y1,
                           activation="tanh")
        params = [(W - 0.5 * dW, b - 0.5 * db)
                  for (W, b), (dW, db) in zip(params, grads, strict=True)]
    probs = M.forward(params, XOR_X, activation="tanh").activations[-1]
    mlp_acc = float(np.mean(np.argmax(probs, axis=0) == XOR_Y))
    ok = (not xor_sep) and and_sep and min(run.mistakes) > 0 and and_run.mistakes[-1] == 0 \
        and mlp_acc == 1.0
    figures = {"xor_linearly_separable": xor_sep, "and_linearly_separable": and_sep,
               "perceptron_fewest_mistakes_per_epoch_on_xor": min(run.mistakes),
               "perceptron_mistakes_last_epoch_on_and": and_run.mistakes[-1],
               "mlp_2_4_2_accuracy_on_xor": mlp_acc}
    note = ("XOR: the linear program (w, b) with (2y−1)(w·x+b) ≥ 1 is infeasible (AND: "
            f"feasible); the perceptron makes ≥ {min(run.mistakes)} mistake(s) in every one of 1000 "
            f"epochs on XOR and none after converging on AND; a 2-4-2 tanh MLP trained with the "
            f"reference backprop reaches accuracy {mlp_acc:.2f} on XOR.")
    return Outcome(status="pass" if ok else "fail", note=note, figures=figures)


def perceptron_vs_sklearn(profile, seed) -> Outcome:
    sklearn = oracles.get("sklearn").values
    train, predict = sklearn["perceptron_train"], sklearn["perceptron_predict"]
    rng = np.random.default_rng(0 if seed is None else seed)
    worst = 0.0
    trials = 20 if profile == "ci" else 100
    for _ in range(trials):
        d, n = rng.integers(1, 5), rng.integers(5, 30)
        X = rng.standard_normal((n, d))
        y = (X @ rng.standard_normal(d) + rng.normal() > 0).astype(int)
        if len(set(y)) < 2:
            continue
        w0, b0, lr, epochs = rng.standard_normal(d), float(rng.normal()), 10 ** rng.uniform(-3, 0), 5
        ref = P.train(X, y, lr=lr, epochs=epochs, w0=w0, b0=b0)
        sk_w, sk_b = train(X, y, lr=lr, epochs=epochs, w0=w0, b0=b0, penalty=None)
        worst = max(worst, float(np.max(np.abs(np.append(ref.w - sk_w, ref.b - sk_b)))))
    # predictions, the boundary w·x + b = 0 included: sklearn's predict is classes_[score > 0]
    w, b = np.array([1.0, -1.0]), 0.5
    points = np.vstack([rng.standard_normal((50, 2)), [[0.5, 1.0], [-0.5, 0.0], [1.5, 2.0]]])
    predictions_agree = bool(np.array_equal(P.predict(w, b, points), predict(w, b, points)))
    and_ref = P.train(XOR_X, AND_Y)
    and_w, and_b = train(XOR_X, AND_Y, lr=0.01, epochs=100)
    and_diff = float(np.max(np.abs(np.append(and_ref.w - and_w, and_ref.b - and_b))))
    tol = Tolerance(rtol=1e-12, atol=1e-12, reason="w += ±ηx repeated ≤ 150 times: ≤ 150 roundings "
                    "of O(1) values, far below 1e-12")
    ok = worst <= 1e-12 and predictions_agree
    status = "fail" if not ok else ("convention" if and_diff > 0 else "pass")
    note = (f"Predictions agree with sklearn's (3 points on the boundary included): "
            f"{predictions_agree}. "
            f"sklearn Perceptron(eta0=η, shuffle=False, tol=None, penalty=None) with coef_init, "
            f"intercept_init: identical weights on {trials} random separable-ish problems "
            f"(max |Δ| {worst:.1e}). It differs on the boundary w·x + b = 0: it updates a class-0 "
            f"sample lying on it (its rule y·(w·x+b) ≤ 0, y ∈ ±1), the page does not (ŷ = 0 there "
            f"is right). From the page's zero start on the AND gate this changes the result: page "
            f"w = {and_ref.w.tolist()}, b = {and_ref.b:.2f}; sklearn w = {and_w.tolist()}, "
            f"b = {and_b:.2f} (both predict {P.predict(and_ref.w, and_ref.b, XOR_X).tolist()}"
            f", {predict(and_w, and_b, XOR_X).tolist()}); sklearn also shuffles by default.")
    return Outcome(status=status, note=note, figures={"max_abs_diff_nonzero_init": worst,
                                                      "max_abs_diff_and_gate_zero_init": and_diff},
                   examples=trials, max_abs_err=worst, tolerance=tol)


# ----------------------------------------------------------------- linear collapse
def linear_collapse(profile, seed) -> Outcome:
    worst = [0.0]

    @st.composite
    def cases(draw):
        n, h, k = (draw(st.sampled_from((1, 2, 3, 5))) for _ in range(3))
        m = draw(st.sampled_from((1, 3)))
        el = st.floats(-10.0, 10.0)
        return S.Case((draw(S.arrays((m, n), el)), draw(S.arrays((h, n), el)), draw(S.arrays((h,), el)),
                       draw(S.arrays((k, h), el)), draw(S.arrays((k,), el))))

    def body(case):
        x, W1, b1, W2, b2 = case.args
        stacked = M.forward([(W1, b1), (W2, b2)], x, activation="identity", output="identity")
        single = M.forward([(W2 @ W1, W2 @ b1 + b2)], x, output="identity")
        got, want = stacked.activations[-1], single.activations[-1]
        # rounding bound: both sides sum ≤ n + h + 2 products of the absolute terms
        scale = np.abs(W2) @ (np.abs(W1) @ np.abs(x.T) + np.abs(b1)[:, None]) + np.abs(b2)[:, None]
        terms = W1.shape[1] + W1.shape[0] + 2
        bound = 4 * terms * EPS * scale + terms * TINY  # products below TINY underflow
        worst[0] = max(worst[0], float(np.max(np.abs(got - want) / np.maximum(bound, 1e-300))))
        assert np.all(np.abs(got - want) <= bound)

    n = _hypothesis(cases(), profile, seed, body)
    return Outcome(status="pass", note="W₂(W₁x + b₁) + b₂ equals (W₂W₁)x + (W₂b₁ + b₂) through the reference "
                   "forward with identity activations, within the rounding bound "
                   "4(n + h + 2)ε·(|W₂|(|W₁||x| + |b₁|) + |b₂|) + (n + h + 2)·2.2e-308 (underflow) "
                   f"(largest use {worst[0]:.2g} of it).",
                   figures={"largest_fraction_of_bound": worst[0]}, examples=n)


# ----------------------------------------------------------------- mini-batch
def minibatch_unbiased(profile, seed) -> Outcome:
    worst = [0.0]

    @st.composite
    def cases(draw):
        net = draw(S.networks(activations=NETWORK, losses=("cross_entropy",), max_layers=2))
        x, y, *params = net.args
        n = 6
        extra_x = draw(S.arrays((n, x.shape[1]), st.floats(-3.0, 3.0)))
        labels = draw(st.lists(st.integers(0, y.shape[1] - 1), min_size=n, max_size=n))
        return S.Case((extra_x, np.eye(y.shape[1])[labels], *params), kwargs={
            "activation": net.kwargs["activation"], "batch": draw(st.sampled_from((1, 2, 3, 6)))})

    def body(case):
        x, y, *params = case.args
        pairs = list(zip(params[0::2], params[1::2], strict=True))

        def g_batch(indices):  # g_B as one flat vector
            grads = M.minibatch_gradient(pairs, x, y, indices, activation=case.kwargs["activation"])
            return np.concatenate([g.ravel() for pair in grads for g in pair])

        full = g_batch(range(len(x)))
        subsets = list(itertools.combinations(range(len(x)), case.kwargs["batch"]))
        mean = sum(g_batch(s) for s in subsets) / len(subsets)
        per_sample = max(np.max(np.abs(g_batch([i]))) for i in range(len(x)))
        bound = 64 * EPS * (per_sample + 1e-300) * 4
        worst[0] = max(worst[0], float(np.max(np.abs(mean - full)) / bound))
        assert np.max(np.abs(mean - full)) <= bound

    n = _hypothesis(cases(), profile, seed, body)
    return Outcome(status="pass", note="Averaged over every one of the C(6, B) mini-batches (B = 1, 2, 3, 6), "
                   "g_B equals the full-batch gradient: each sample lies in C(5, B−1) of them. "
                   "Bound: 256ε × the largest per-sample gradient entry (sums of ≤ 20 terms); "
                   f"largest use {worst[0]:.2g} of it.", figures={"largest_fraction_of_bound": worst[0]},
                   examples=n)


# ----------------------------------------------------------------- gradient checks
def _unflatten(flat, shapes) -> list:
    out, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        out.append(flat[start:start + size].reshape(shape))
        start += size
    return out


def _smooth_net_objective(case):
    x, y, *params = case.args
    shapes = [np.shape(p) for p in params]
    kw = case.kwargs

    def f(v):
        flat = _unflatten(v, shapes)
        return M.loss(list(zip(flat[0::2], flat[1::2], strict=True)), x, y, **kw)

    def grad(v):
        return M.parameter_gradients(x, y, *_unflatten(v, shapes), **kw)

    flat = np.concatenate([np.ravel(p) for p in params])
    return f, grad, flat


def gradcheck_agreement(framework):
    def run(profile, seed):
        tool = oracles.get(framework).values["gradcheck"]
        verdicts = {"correct": [], "wrong": []}
        page_errors = {"correct": [], "wrong": []}

        def body(case):
            f, grad, flat = _smooth_net_objective(case)

            def wrong(v):  # a planted bug: 0.1·(1 + |g|) added to the first weight's gradient
                g = grad(v)
                g[0] += 0.1 * (1.0 + abs(g[0]))
                return g
            for label, g in (("correct", grad), ("wrong", wrong)):
                verdicts[label].append(bool(tool(f, g, flat, eps=1e-5)))
                page_errors[label].append(float(np.max(G.relative_error(
                    g(flat), G.numerical_gradient(f, flat)))))
        strategy = S.networks(activations=SMOOTH, max_layers=2)
        n = _hypothesis(strategy, profile, seed, body, cap=25 if profile != "thorough" else 50)
        page_ok = sum(e < G.PAGE_THRESHOLD for e in page_errors["correct"])
        ok = all(verdicts["correct"]) and not any(verdicts["wrong"]) \
            and all(e >= G.PAGE_THRESHOLD for e in page_errors["wrong"])
        note = (f"{framework}'s gradient checker, fed the reference's loss and backprop: accepts "
                f"the reference gradient on {sum(verdicts['correct'])}/{n} smooth networks and "
                f"rejects a planted error of 0.1·(1 + |g|) in one weight gradient on "
                f"{n - sum(verdicts['wrong'])}/{n}. The page's criterion (relative error < 1e-5) "
                f"accepts the correct gradient on {page_ok}/{n} (largest relative error "
                f"{max(page_errors['correct']):.2g}: near-zero components make max(|a|, |n|) "
                f"tiny) and the wrong one on {sum(e < 1e-5 for e in page_errors['wrong'])}/{n}.")
        return Outcome(status="pass" if ok else "fail", note=note,
                       figures={"accepts_correct": sum(verdicts["correct"]), "rejects_wrong":
                        n - sum(verdicts["wrong"]), "page_criterion_accepts_correct": page_ok,
                        "page_max_relative_error_correct": max(page_errors["correct"])},
                       examples=n)
    return run


def numerical_gradient_at_kink(profile, seed) -> Outcome:
    x = np.array([0.0, 1.0, -1.0])
    numerical = G.numerical_gradient(lambda v: float(np.sum(A.relu(v))), x)
    analytic = A.relu_grad(x)
    at_kink = float(numerical[0])
    # 0.5 up to the rounding of f(x ± ε e₀) (|f| ≤ 2 here): |Δ| ≤ 2ε_mach·|f|/ε = 1e-10
    bound = 2 * EPS * 2.0 / 1e-5
    ok = abs(at_kink - 0.5) <= bound and np.all(np.abs(numerical[1:] - analytic[1:]) <= bound)
    return Outcome(status="convention" if ok else "fail",
                   note=f"At the ReLU kink the page's central difference gives (ReLU(ε) − ReLU(−ε))/2ε "
                   f"= {at_kink:.12g}, the mean of the one-sided slopes, where the reference and autodiff "
                   f"use {analytic[0]} (the page's code): a gradient check straddling a kink reports "
                   f"a relative error of 1 there, whatever the backprop.",
                   figures={"numerical_at_0": at_kink, "analytic_at_0": float(analytic[0])},
                   max_abs_err=abs(at_kink - float(analytic[0])))


GRADCHECK_USES = ("mlp.parameter_gradients", "gradcheck.numerical_gradient", "gradcheck.relative_error",
                  *network_uses(SMOOTH, loss_value=True))

CHECKS = [
    Property(id="perceptron.xor.not_learnable", section="perceptron.xor", oracle="scipy", run=xor_not_learnable,
             references=("perceptron.train", "perceptron.predict", "perceptron.update", "perceptron.net_input",
                         *network_uses(("tanh",), losses=("cross_entropy",))),
             description="XOR has no separating hyperplane (LP), the perceptron never fits it, an MLP does"),
    Property(id="perceptron.train.sklearn", section="perceptron.rule", oracle="sklearn", run=perceptron_vs_sklearn,
             references=("perceptron.train", "perceptron.update", "perceptron.predict", "perceptron.net_input"),
             description="training trajectory against sklearn.linear_model.Perceptron"),
    Property(id="act.linear_collapse", section="act", oracle="reference", run=linear_collapse,
             references=("mlp.forward",), description="stacked linear layers equal one linear layer"),
    Property(id="minibatch.unbiased", section="minibatch", oracle="reference", run=minibatch_unbiased,
             references=("mlp.minibatch_gradient", *network_uses(NETWORK, losses=("cross_entropy",))),
             description="the mini-batch gradient averaged over all batches is the full gradient"),
    Property(id="gradcheck.torch_gradcheck", section="gradcheck", oracle="torch", run=gradcheck_agreement("torch"),
             references=GRADCHECK_USES,
             description="torch.autograd.gradcheck judges the reference backprop"),
    Property(id="gradcheck.jax_check_grads", section="gradcheck", oracle="jax", run=gradcheck_agreement("jax"),
             references=GRADCHECK_USES,
             description="jax.test_util.check_grads judges the reference backprop"),
    Property(id="gradcheck.kink", section="gradcheck", oracle="reference", run=numerical_gradient_at_kink,
             references=("gradcheck.numerical_gradient", "activations.relu", "activations.relu_grad"),
             description="the central difference at a ReLU kink"),
]
