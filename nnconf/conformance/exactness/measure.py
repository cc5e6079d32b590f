"""ULP errors of every implementation against mpmath, over hypothesis-drawn inputs.

The formulas are the quantities' exact values (:meth:`nnconf.conformance.quantities.Quantity.exact_entries`);
each implementation is the reference function or an oracle's op, called through the oracle in
the dtype measured. Inputs cover the whole finite range and the hard regions: near 0, |x| large
enough to saturate, the underflow edge of exp (x ≈ −745), and for BCE on probabilities p within
1e-300 of 0 and 1e-16 of 1 (where log(1 − p) loses precision). For float32 the input is first
rounded to float32 (non-finite ones dropped) and the exact value is that of the rounded input.
ULP: |computed − exact| / spacing(exact rounded to the dtype); a non-finite result where the
exact value is finite counts as infinitely many ULPs.
"""

from __future__ import annotations

import statistics

import hypothesis
import mpmath
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import oracles
from nnconf.conformance import profiles
from nnconf.conformance.exactness.ulps import ulps, worse_than_best
from nnconf.conformance.records import resolve

DTYPES = ("float64", "float32")

REAL = st.one_of(
    st.floats(-50, 50),
    st.floats(-1e-6, 1e-6),
    st.floats(-760, -700), st.floats(700, 760),
    st.floats(15, 60), st.floats(-60, -15),
    st.floats(allow_nan=False, allow_infinity=False),
)
PROB = st.one_of(st.floats(1e-300, 1e-5), st.floats(1 - 1e-5, 1 - 2**-53), st.floats(1e-3, 1 - 1e-3))
LABEL = st.sampled_from([0.0, 1.0])
# a prediction and a real target; also nearly equal pairs (p − y cancels)
NEAR_PAIRS = st.tuples(st.floats(-1e6, 1e6), st.floats(-1e-6, 1e-6)).map(lambda t: (t[0], t[0] * (1 + t[1])))
STRATEGIES = {
    "x": st.tuples(REAL), "x_label": st.tuples(REAL, LABEL), "p_label": st.tuples(PROB, LABEL),
    "x_y": st.one_of(st.tuples(REAL, REAL), NEAR_PAIRS),
    "logits3": st.tuples(REAL, REAL, REAL), "logits3_class0": st.tuples(REAL, REAL, REAL),
    "logits3_tangent3": st.tuples(REAL, REAL, REAL, REAL, REAL, REAL),
}
LOSSES = ("x_label", "p_label", "x_y", "logits3_class0")  # per-element values, derivatives of the sum


def draw(inputs: str, profile: str, seed: int | None, n: int) -> list[tuple]:
    """``n`` hypothesis-drawn inputs of the kind ``inputs`` (tuples of floats)."""
    strat = STRATEGIES[inputs]
    seen: list[tuple] = []

    def collect(case):
        seen.append(case)

    test = hypothesis.settings(profiles.get(profile), max_examples=n)(given(strat)(collect))
    if seed is not None:
        test = hypothesis.seed(seed)(test)
    test()
    return list(dict.fromkeys(seen))


def _arguments(entry, cols: list[np.ndarray]) -> tuple:
    if not entry.inputs.startswith("logits3"):
        return tuple(cols)
    z = np.stack(cols[:3], axis=1)  # three logits per row; the true class (if any) is 0
    if entry.inputs == "logits3":
        return (z,)
    if entry.inputs == "logits3_tangent3":
        return (z, np.stack(cols[3:], axis=1))  # and a tangent
    y = np.zeros_like(z)
    y[:, 0] = 1
    return (z, y)


def _component0(entry, out) -> np.ndarray:
    out = np.asarray(out)
    return out[:, 0] if entry.inputs.startswith("logits3") and out.ndim == 2 else out


def _reduction(entry) -> dict:
    if entry.inputs not in LOSSES:
        return {}
    return {"reduction": "none" if entry.kind == "value" else "sum"}


def implementations(entry) -> dict:
    """``impl -> f(cols) -> ndarray`` for the reference and every available oracle of ``entry``."""
    def reference(*cols):
        settings = {**entry.reference_settings, **_reduction(entry)}
        return _component0(entry, resolve(entry.reference)(*_arguments(entry, cols), **settings))

    def through(oracle, settings):
        index = {"target": "index"} if entry.inputs == "logits3_class0" else {}  # class indices, as canonical
        settings = {**settings, **_reduction(entry), **index}

        def call(*cols):
            args, dtype = _arguments(entry, cols), cols[0].dtype
            o = oracles.get(oracle)
            if entry.inputs == "logits3_tangent3":  # forward mode: J v
                out = o.jvp(entry.op, args[:1], args[1], dtype=dtype, **settings)
            elif entry.kind == "value":
                out = o.value(entry.op, args, dtype=dtype, **settings)
            else:
                out = o.grad(entry.op, args, None, dtype=dtype, **settings)
            return _component0(entry, out)
        return call

    return {"reference": reference, **{name: through(name, settings) for name, settings in entry.oracles.items()
                                       if oracles.available(name)[0]}}


def measure(entry, impls: dict, inputs: list[tuple], dtype: str) -> dict:
    """Per implementation: the ULP error at every input (inputs rounded to ``dtype``)."""
    dt = np.dtype(dtype)
    with np.errstate(over="ignore"):  # float64 inputs beyond float32's range become inf: dropped
        cols = [np.array([c[i] for c in inputs], dtype=np.float64).astype(dt)
                for i in range(len(inputs[0]))]
    keep = np.all([np.isfinite(c) for c in cols], axis=0)
    cols = [c[keep] for c in cols]
    with mpmath.workdps(400):  # 1 − e^{−745} and e^{−745} itself must both resolve
        exact = [entry.formula(*(mpmath.mpf(float(c[i])) for c in cols)) for i in range(len(cols[0]))]
        out = {}
        for impl, fn in impls.items():
            try:
                with np.errstate(all="ignore"):
                    got = np.asarray(fn(*cols), dtype=np.float64).ravel()
            except Exception as exc:  # an implementation that cannot take the input: recorded
                out[impl] = {"error": f"{type(exc).__name__}: {exc}"}
                continue
            out[impl] = {"ulps": [ulps(float(g), e, dt) for g, e in zip(got, exact, strict=True)]}
    return {"x": [tuple(float(c[i]) for c in cols) for i in range(len(cols[0]))], "by_impl": out}


def summarise(entry, dtype: str, m: dict) -> tuple[list[dict], list[dict]]:
    rows = []
    for impl, r in m["by_impl"].items():
        if "error" in r:
            rows.append({"formula": entry.name, "section": entry.section, "impl": impl, "dtype": dtype,
                         "n": 0, "max_ulp": None, "median_ulp": None, "at": None, "note": r["error"]})
            continue
        u = r["ulps"]
        i = int(np.argmax(u))
        rows.append({"formula": entry.name, "section": entry.section, "impl": impl, "dtype": dtype, "n": len(u),
                     "max_ulp": u[i], "median_ulp": statistics.median(u), "at": list(m["x"][i])})
    errors = {k: v["ulps"] for k, v in m["by_impl"].items() if "ulps" in v}
    violations = worse_than_best(errors, entry.name, dtype, [list(x) for x in m["x"]])
    return rows, violations


def run(profile: str = "ci", seed: int | None = None, n: int | None = None, names=None, entries=None) -> dict:
    """Every entry (default: the registry's quantities; ``names`` selects some) in both dtypes,
    then, unless ``names`` is given, the worked examples at the page's inputs."""
    if entries is None:
        from nnconf.conformance.checks import exact_entries
        entries = exact_entries()
    n = n or (400 if profile == "thorough" else 120)
    rows, violations, impls_seen = [], [], {"reference": None}
    for entry in entries:
        if names is not None and entry.name not in names:
            continue
        inputs = draw(entry.inputs, profile, seed, n)
        impls = implementations(entry)
        impls_seen.update(dict.fromkeys(impls))
        for dtype in DTYPES:
            r, v = summarise(entry, dtype, measure(entry, impls, inputs, dtype))
            rows += r
            violations += v
    order = [o for o in ("reference", *oracles.ORACLE_NAMES) if o in impls_seen]
    return {"rows": rows, "violations": violations, "implementations": order, "inputs_per_formula": n}
