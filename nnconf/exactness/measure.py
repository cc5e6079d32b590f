"""ULP errors of every implementation against mpmath, over hypothesis-drawn inputs.

Inputs cover the whole finite range and the hard regions: near 0, |x| large enough to
saturate, the underflow edge of exp (x ≈ −745), and for BCE on probabilities p within
1e-300 of 0 and 1e-16 of 1 (where log(1 − p) loses precision). For float32 the input is first
rounded to float32 (non-finite ones dropped) and the exact value is that of the rounded input.
ULP: |computed − exact| / spacing(exact rounded to the dtype); a non-finite result where the
exact value is finite counts as infinitely many ULPs.
"""

from __future__ import annotations

import math
import statistics

import hypothesis
import mpmath
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from .. import profiles
from . import formulas as F

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


def draw(name: str, profile: str, seed: int | None, n: int) -> list[tuple]:
    """``n`` hypothesis-drawn inputs for formula ``name`` (tuples of floats)."""
    arity, domain = F.ARITY.get(name, 1), F.DOMAIN.get(name, "real")
    strat = (PROB if domain == "prob" else REAL)
    if domain == "real2":  # a prediction and a real target; also nearly equal pairs (p − y cancels)
        strat = st.one_of(st.tuples(REAL, REAL), st.tuples(st.floats(-1e6, 1e6), st.floats(-1e-6, 1e-6)).map(
            lambda t: (t[0], t[0] * (1 + t[1]))))
    elif arity == 2:
        strat = st.tuples(strat, LABEL)
    else:
        strat = st.tuples(*[strat] * arity)
    seen: list[tuple] = []

    def collect(case):
        seen.append(case)

    test = hypothesis.settings(profiles.get(profile), max_examples=n)(given(strat)(collect))
    if seed is not None:
        test = hypothesis.seed(seed)(test)
    test()
    return list(dict.fromkeys(seen))


def _ulps(got: float, exact, dtype) -> float:
    with np.errstate(over="ignore"):
        ed = np.asarray(float(exact) if mpmath.isfinite(exact) and abs(exact) < mpmath.mpf(2) ** 1030
                        else float(mpmath.sign(exact)) * math.inf, dtype=dtype)
    if not math.isfinite(got):  # overflow to ±inf is right when the exact value rounds to it
        return 0.0 if (got == float(ed) or not mpmath.isfinite(exact)) else math.inf
    tiny = float(np.finfo(dtype).smallest_subnormal)
    with np.errstate(over="ignore"):
        ulp = float(np.spacing(np.abs(ed))) if np.isfinite(ed) and ed != 0 else (
            tiny if ed == 0 else float(np.spacing(np.finfo(dtype).max)))
    return float(abs(mpmath.mpf(got) - exact) / ulp)


def measure(name: str, impls: dict, inputs: list[tuple], dtype: str) -> dict:
    """Per implementation: the ULP error at every input (inputs rounded to ``dtype``)."""
    dt = np.dtype(dtype)
    with np.errstate(over="ignore"):  # float64 inputs beyond float32's range become inf: dropped
        cols = [np.array([c[i] for c in inputs], dtype=np.float64).astype(dt)
                for i in range(len(inputs[0]))]
    keep = np.all([np.isfinite(c) for c in cols], axis=0)
    cols = [c[keep] for c in cols]
    with mpmath.workdps(400):  # 1 − e^{−745} and e^{−745} itself must both resolve
        exact = [F.EXACT[name](*(mpmath.mpf(float(c[i])) for c in cols)) for i in range(len(cols[0]))]
        out = {}
        for impl, fns in impls.items():
            if name not in fns:
                continue
            try:
                with np.errstate(all="ignore"):
                    got = np.asarray(fns[name](*cols), dtype=np.float64).ravel()
            except Exception as exc:  # an implementation that cannot take the input: recorded
                out[impl] = {"error": f"{type(exc).__name__}: {exc}"}
                continue
            out[impl] = {"ulps": [_ulps(float(g), e, dt) for g, e in zip(got, exact, strict=True)]}
    return {"x": [tuple(float(c[i]) for c in cols) for i in range(len(cols[0]))], "by_impl": out}


def summarise(name: str, dtype: str, m: dict) -> tuple[list[dict], list[dict]]:
    rows = []
    for impl, r in m["by_impl"].items():
        if "error" in r:
            rows.append({"formula": name, "section": F.SECTIONS[name], "impl": impl, "dtype": dtype,
                         "n": 0, "max_ulp": None, "median_ulp": None, "at": None, "note": r["error"]})
            continue
        u = r["ulps"]
        i = int(np.argmax(u))
        rows.append({"formula": name, "section": F.SECTIONS[name], "impl": impl, "dtype": dtype, "n": len(u),
                     "max_ulp": u[i], "median_ulp": statistics.median(u), "at": list(m["x"][i])})
    ulps = {k: v["ulps"] for k, v in m["by_impl"].items() if "ulps" in v}
    violations = worse_than_best(ulps, name, dtype, [list(x) for x in m["x"]])
    return rows, violations


def worse_than_best(ulps: dict[str, list], formula: str, dtype: str, at: list) -> list[dict]:
    """Inputs where the reference's ULP error exceeds the best framework's by more than 1
    (``ulps``: implementation -> errors per input, ``at``: how to name each input)."""
    ref = ulps.get("reference")
    others = {k: v for k, v in ulps.items() if k != "reference"}
    out = []
    for i, r in enumerate(ref if ref and others else []):
        best_impl, best = min(((k, v[i]) for k, v in others.items()), key=lambda kv: kv[1])
        if r > best + 1:
            out.append({"formula": formula, "dtype": dtype, "at": at[i], "reference_ulp": r,
                        "best": best_impl, "best_ulp": best})
    return out


def run(profile: str = "ci", seed: int | None = None, n: int | None = None, names=None) -> dict:
    n = n or (400 if profile == "thorough" else 120)
    impls = F.implementations()
    rows, violations = [], []
    for name in names or F.EXACT:
        inputs = draw(name, profile, seed, n)
        for dtype in DTYPES:
            r, v = summarise(name, dtype, measure(name, impls, inputs, dtype))
            rows += r
            violations += v
    if names is None:  # the worked examples at the page's inputs (from the claims catalogue)
        from ..audit import catalogue
        from . import examples
        cat = catalogue.load()
        r, v = examples.rows({ex.compute: ex.inputs for ex in cat.examples.values()})
        rows += r
        violations += v
    return {"rows": rows, "violations": violations, "implementations": list(impls), "inputs_per_formula": n}
