"""Tests of the harness itself, as array-api-tests tests its helpers: the error measure that
judges every row, the input strategies, the oracles' dtype and declaration checks, the shared
formatters and the results model."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import oracles
from nnconf.conformance import strategies as S
from nnconf.conformance.records import Check, Page
from nnconf.conformance.tolerance import EPS, TINY, ShapeMismatch, Tolerance, measure
from nnconf.report import formatting, results

FINITE = st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False)
ANY = st.floats(allow_nan=True, allow_infinity=True)
TERMS = st.floats(0.0, 1e-3, allow_nan=False)


def arrays(elements=FINITE, min_side=1):
    return hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, min_side=min_side, max_side=5),
                      elements=elements)


@st.composite
def tolerances(draw, positive=True):
    lo = EPS if positive else 0.0
    return Tolerance(rtol=draw(st.floats(lo, 1e-3)), atol=draw(st.floats(lo, 1e-3)), atol_x=draw(TERMS),
                     rtol_x=draw(TERMS), atol_path=draw(TERMS), reason="drawn")


# ----------------------------------------------------------------- tolerance.measure
@given(arrays(ANY), tolerances())
def test_identical_arrays_have_margin_zero(a, tol):
    e = measure(a, a.copy(), tol, x=a)
    assert e.margin == 0 and e.max_abs == 0 and e.max_rel == 0


@given(arrays(FINITE), tolerances())
def test_nan_agrees_with_nan(a, tol):
    got, want = a.copy(), a.copy()
    got.flat[0] = want.flat[0] = math.nan
    assert measure(got, want, tol).margin == 0


@given(arrays(FINITE), tolerances(), st.sampled_from([math.inf, -math.inf, math.nan]))
def test_a_non_finite_value_against_a_finite_one_fails(a, tol, bad):
    got = a.copy()
    got.flat[0] = bad
    assert measure(got, a, tol, x=a).margin > 1
    assert measure(a, got, tol, x=a).margin > 1  # the reference non-finite, the oracle not


@given(arrays(FINITE), tolerances())
def test_equal_infinities_agree(a, tol):
    a = a.copy()
    a.flat[0] = math.inf
    assert measure(a, a.copy(), tol).margin == 0


@given(arrays(FINITE), arrays(FINITE), tolerances(), st.floats(0.01, 0.99))
def test_the_margin_grows_as_the_tolerance_shrinks(a, noise, tol, k):
    want = a
    got = a + np.resize(noise, a.shape) * 1e-6
    x = np.resize(noise, a.shape)
    loose, tight = measure(got, want, tol, x=x), measure(got, want, Tolerance(
        rtol=tol.rtol * k, atol=tol.atol * k, atol_x=tol.atol_x * k, rtol_x=tol.rtol_x * k,
        atol_path=tol.atol_path * k, reason="tighter"), x=x)
    assert tight.margin >= loose.margin
    if loose.margin > 0 and math.isfinite(loose.margin):
        assert tight.margin == pytest.approx(loose.margin / k, rel=1e-9)  # allowed error scales by k


def test_each_term_of_the_tolerance_is_what_its_docstring_says():
    want, got, x = np.array([2.0, 0.0]), np.array([2.0 + 1e-10, 3e-12]), np.array([10.0, 3.0])
    # allowed = atol + (rtol + rtol_x·max|x|)|want| + atol_x|x|
    assert measure(got, want, Tolerance(rtol=0.5e-10, reason="r"), x).margin == math.inf  # 0 allowed at want=0
    assert measure(got, want, Tolerance(rtol=0, atol=1e-10, reason="a"), x).margin == pytest.approx(1.0)
    assert measure(got, want, Tolerance(rtol=0, atol_x=1e-11, reason="ax"), x).margin == pytest.approx(1.0)
    tol = Tolerance(rtol=0, atol=1e-12, rtol_x=0.5e-11, reason="rx")  # 1e-12 + 5e-11·2 at x = 10
    assert measure(got, want, tol, x).margin == pytest.approx(max(1e-10 / (1e-12 + 1e-10), 3e-12 / 1e-12))


def test_atol_path_grows_with_the_distance_travelled():
    want = np.array([[0.0], [1.0], [3.0]])  # distance travelled: 0, 1, 3
    got = want + np.array([[0.0], [1e-9], [3e-9]])
    assert measure(got, want, Tolerance(rtol=0, atol_path=1e-9, reason="p")).margin == pytest.approx(1.0)


def test_a_shape_difference_is_an_error_not_a_margin():
    with pytest.raises(ShapeMismatch):
        measure(np.zeros(3), np.zeros((3, 1)), Tolerance(rtol=1, reason="r"))


def test_the_relative_error_is_reported_only_for_normal_references():
    e = measure(np.array([2e-308, 1.0 + 2 * EPS]), np.array([1e-308, 1.0]), Tolerance(rtol=1, atol=1, reason="r"))
    assert e.max_rel == pytest.approx(2 * EPS) and e.max_abs == pytest.approx(1e-308)


# ----------------------------------------------------------------- strategies
@given(S.elementwise())
def test_elementwise_inputs_are_small_arrays_of_the_menu_shapes(case):
    (x,) = case.args
    assert x.shape in S.ARRAY_SHAPES
    assert x.dtype == np.float64 and np.all(np.isfinite(x)) and np.all(np.abs(x) <= 1e3)


@given(S.elementwise())
def test_flushing_subnormals_leaves_signed_zeros_and_keeps_normals(case):
    flushed = S.flush_subnormals(case)
    (x,), (f,) = case.args, flushed.args
    sub = (x != 0) & (np.abs(x) < TINY)
    assert np.all(f[sub] == 0) and np.array_equal(np.signbit(f[sub]), np.signbit(x[sub]))
    assert np.array_equal(f[~sub], x[~sub])
    assert not np.any((f != 0) & (np.abs(f) < TINY))


def test_flushing_subnormals_covers_the_cotangent():
    case = S.Case((np.array([5e-324, -5e-324, 1.0]),), np.array([-1e-310, 2.0, 0.0]))
    f = S.flush_subnormals(case)
    assert np.array_equal(f.cotangent, [0.0, 2.0, 0.0]) and np.signbit(f.cotangent[0])
    assert np.array_equal(f.args[0], [0.0, 0.0, 1.0]) and np.signbit(f.args[0][1])


@given(S.logits_with_cotangent())
def test_a_cotangent_has_the_shape_of_its_logits(case):
    (z,), v = case.args, case.cotangent
    assert z.ndim == 2 and v.shape == z.shape and np.all(np.abs(v) <= 1)


@given(S.probabilities_one_hot())
def test_probabilities_are_rows_summing_to_one_with_one_hot_labels(case):
    p, y = case.args
    assert p.shape == y.shape and p.shape[1] >= 2
    assert np.allclose(p.sum(axis=1), 1) and np.all((p >= 0) & (p <= 1))
    assert np.all(y.sum(axis=1) == 1) and set(np.unique(y)) <= {0.0, 1.0}


@given(S.networks(activations=("relu", "tanh"), max_layers=3))
def test_networks_are_consistent_in_the_math_layout(case):
    x, y, *params = case.args
    assert case.kwargs["activation"] in ("relu", "tanh") and 1 <= len(params) // 2 <= 3
    fan_in = x.shape[1]
    for W, b in zip(params[0::2], params[1::2], strict=True):
        assert W.shape == (b.shape[0], fan_in)
        fan_in = W.shape[0]
    assert y.shape == (x.shape[0], fan_in)


@given(S.optimizer_runs(("lr", "b1", "b2", "eps")))
def test_optimizer_runs_have_the_step_count_and_the_named_hyperparameters(case):
    theta0, grads = case.args
    assert grads.shape == (S.TRAJECTORY_STEPS, theta0.shape[0]) and set(case.kwargs) == {"lr", "b1", "b2", "eps"}
    assert 0.9 <= case.kwargs["b2"] <= 0.999 and 1e-4 <= case.kwargs["lr"] <= 0.5


# ----------------------------------------------------------------- oracles
@pytest.mark.parametrize("name", ["torch", "jax", "sklearn"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_oracles_compute_in_the_dtype_asked_for(name, dtype):
    ok, why = oracles.available(name)
    if not ok:
        pytest.skip(why)
    o = oracles.get(name)
    x = np.linspace(-3, 3, 7)
    assert o.value("sigmoid", (x,), dtype=dtype).dtype == np.dtype(dtype)
    assert o.grad("sigmoid", (x,), None, dtype=dtype).dtype == np.dtype(dtype)
    assert o.value("sgd_trajectory", (np.ones(2), np.ones((3, 2))), dtype=dtype, lr=0.1).dtype == np.dtype(dtype)
    with pytest.raises(ValueError, match="dtype"):
        o.value("sigmoid", (x,), dtype="float16")


def test_every_declared_op_is_offered_by_its_oracle():
    """Loading an oracle asserts what the registry's declarations need of it."""
    from nnconf.conformance.registry import all_checks
    assert all_checks()
    for name in oracles.ORACLE_NAMES:
        if oracles.available(name)[0]:
            oracles.get(name)  # raises OracleMismatch on a missing op


def test_a_declaration_naming_an_op_its_oracle_lacks_is_an_error(monkeypatch):
    if not oracles.available("sklearn")[0]:
        pytest.skip("scikit-learn not installed")
    monkeypatch.setattr(oracles.base, "_REQUIRED", {k: dict(v) for k, v in oracles.base._REQUIRED.items()})
    with pytest.raises(oracles.base.OracleMismatch, match="gelu"):
        Check(id="act.gelu.sklearn", section="act.gelu", op="gelu", kind="value", reference="activations.gelu",
              inputs=S.elementwise, tolerance=Tolerance(rtol=0, reason="r"), oracles={"sklearn": (Page(),)})
    with pytest.raises(ValueError, match="does not resolve"):
        Check(id="x", section="x", op="sigmoid", kind="value", reference="activations.no_such",
              inputs=S.elementwise, tolerance=Tolerance(rtol=0, reason="r"), oracles={})


# ----------------------------------------------------------------- formatting, results model
def test_a_tolerance_is_shown_with_all_its_terms():
    tol = Tolerance(rtol=2.0, atol=3.0, atol_x=4.0, rtol_x=5.0, atol_path=6.0, reason="r").as_dict()
    assert formatting.tolerance(tol) == "rtol 2, atol 3, atol_x 4, rtol_x 5, atol_path 6"
    assert formatting.tolerance({"rtol": 0.0, "atol": 0.0, "reason": "r"}) == "rtol 0"


def test_assemble_derives_summary_and_coverage_and_update_recomputes_them():
    checks = [{"id": "a.b", "section": "act.relu", "oracle": "torch", "status": "pass"},
              {"id": "a.c", "section": "act.relu", "oracle": "jax", "status": "convention"}]
    doc = results.assemble(provenance={"python": "3"}, checks=checks, sections=["act", "act.relu"])
    assert doc["summary"] == {"pass": 1, "fail": 0, "convention": 1, "skipped": 0}
    assert [r["section"] for r in doc["coverage"]["rows"]] == ["act", "act.relu"]
    claims = [{"id": "act.x", "section": "act", "verdict": "confirmed"}]
    after = results.update(doc, claims=claims)
    assert after["claims_summary"]["confirmed"] == 1
    assert after["coverage"]["rows"][0]["cells"]["claims"] == 1  # the claims column is not left at 0
    assert results.assemble(**results.parts(after)) == after
    with pytest.raises(TypeError, match="not a part"):
        results.update(doc, summary={})
