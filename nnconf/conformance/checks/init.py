"""He initialisation (the page's MNIST listing, section ``mnist``): the reference and the
frameworks' samplers against N(0, 2/fan_in) by stated statistical tests, the second moment
through ReLU layers, and scikit-learn's MLPClassifier defaults against the page's setup."""

from __future__ import annotations

import math

import numpy as np

import oracles
from nnconf.conformance.records import Outcome, Property
from reference import init as I
from reference import mlp as M

# ----------------------------------------------------------------- He initialisation
ALPHA = 1e-3  # per statistic; three statistics per draw -> family-wise false alarms <= 3e-3
Z_CRIT = 3.2905  # two-sided normal quantile for ALPHA


def _normal_tests(w, fan_in) -> dict:
    """Standardise by the He std √(2/fan_in) and test N(0, 1): mean (z-test), variance
    (asymptotic normal test of s², Var(s²) = 2/n for a normal), shape (Kolmogorov–Smirnov)."""
    from scipy import stats

    z = np.ravel(w) / I.he_std(fan_in)
    n = z.size
    mean_z = float(np.mean(z) * math.sqrt(n))
    var_z = float((np.var(z) - 1.0) * math.sqrt(n / 2.0))
    ks = stats.kstest(z, "norm")
    return {"n": n, "mean": float(np.mean(z)), "variance_ratio": float(np.var(z)),
            "mean_z": mean_z, "variance_z": var_z, "ks_statistic": float(ks.statistic),
            "ks_p": float(ks.pvalue), "tail_beyond_2.5sd": float(np.mean(np.abs(z) > 2.5)),
            "normal_tail_beyond_2.5sd": float(2 * stats.norm.sf(2.5)),
            "max_abs_sd": float(np.max(np.abs(z)))}


def _verdict(t: dict) -> list[str]:
    failed = []
    if abs(t["mean_z"]) > Z_CRIT:
        failed.append(f"mean (z = {t['mean_z']:.1f})")
    if abs(t["variance_z"]) > Z_CRIT:
        failed.append(f"variance (ratio {t['variance_ratio']:.3f}, z = {t['variance_z']:.1f})")
    if t["ks_p"] < ALPHA:
        failed.append(f"shape (KS D = {t['ks_statistic']:.4f}, p = {t['ks_p']:.1e})")
    return failed


RULE = (f"Rule: weights / √(2/fan_in) tested against N(0, 1) at α = {ALPHA} per statistic "
        f"(|z| ≤ {Z_CRIT} for the mean and for s² − 1, KS p ≥ α): a correct sampler fails with "
        "probability ≤ 3e-3 per draw; seeds are fixed, so the outcome is reproducible.")
FAN_IN, FAN_OUT = 256, 512


def _he_property(draw, matches_page_note: str, differs_note: str, *, differs_expected=False):
    def run(profile, seed):
        t = _normal_tests(draw(0 if seed is None else seed), FAN_IN)
        failed = _verdict(t)
        if not failed:
            return Outcome(status="pass", note=f"{matches_page_note} {RULE}", figures=t, examples=t["n"])
        status = "convention" if differs_expected else "fail"
        return Outcome(status=status, note=f"{differs_note} Rejected: {', '.join(failed)}. {RULE}", figures=t,
                       examples=t["n"])
    return run


def he_second_moment(profile, seed) -> Outcome:
    """E[z²] through 10 ReLU layers of width 256 with He init stays constant; with std
    1/√fan_in (no factor 2, the negative control) it halves per layer.

    Given the layer's input a, z_i = w_i·a is symmetric, so E[ReLU(z)²] = ½E[z²] and
    E_W[mean z²_(l+1)] = 2/n·n·½·mean z²_l: the expected change m₁₀ − m₁ is exactly 0. One
    weight draw moves it by ~25%, so the rule averages S independent draws: a t-test of the
    differences d = m₁₀ − m₁ at α = 1e-3 (|t| ≤ t crit, S − 1 degrees of freedom)."""
    from scipy import stats

    draws = 20 if profile in ("ci", "mutation") else 60
    width, depth = 256, 10
    rng = np.random.default_rng(0 if seed is None else seed)

    def moments(std):
        x = rng.standard_normal((512, width))
        params = [(rng.standard_normal((width, width)) * std, np.zeros(width)) for _ in range(depth)]
        cache = M.forward(params, x, activation="relu", output="relu")
        return float(np.mean(cache.zs[0] ** 2)), float(np.mean(cache.zs[-1] ** 2))

    def t_stat(std):
        m = np.array([moments(std) for _ in range(draws)])
        d = m[:, 1] - m[:, 0]
        return float(np.mean(d) / (np.std(d, ddof=1) / math.sqrt(draws))), float(np.mean(m[:, 1] / m[:, 0]))

    crit = float(stats.t.ppf(1 - 1e-3 / 2, draws - 1))
    t_he, ratio_he = t_stat(I.he_std(width))
    t_control, ratio_control = t_stat(1 / math.sqrt(width))
    ok = abs(t_he) <= crit < abs(t_control)
    note = (f"Over {draws} weight draws, 10 ReLU layers of width 256: with He init the second "
            f"moment of z changes by ×{ratio_he:.3f} on average (t = {t_he:.2f}, |t| ≤ {crit:.2f} "
            f"at α = 1e-3: not rejected); the control std 1/√fan_in gives ×{ratio_control:.2e} "
            f"(t = {t_control:.0f}: rejected, as it must be; ≈ 2⁻⁹ expected).")
    return Outcome(status="pass" if ok else "fail", note=note,
                   figures={"t_he": t_he, "ratio_he": ratio_he, "t_control": t_control,
                    "ratio_control": ratio_control, "t_critical": crit, "draws": draws},
                   examples=draws)


def sklearn_mlp_defaults(profile, seed) -> Outcome:
    """What MLPClassifier does by default, against the page's MNIST configuration."""
    sklearn = oracles.get("sklearn")
    _, defaults = sklearn.default("mlp_classifier")
    coef, intercept = sklearn.values["mlp_classifier_init"](784, 256, seed=0 if seed is None else seed)
    t = _normal_tests(coef, 784)
    page = {"solver": "sgd (plain)", "alpha": 0.0, "batch_size": 64, "learning_rate_init": 0.001,
            "momentum": 0.0, "init": "He normal, zero biases"}
    figures = {"defaults": {k: defaults[k] for k in ("solver", "alpha", "batch_size", "learning_rate_init",
                                                     "momentum", "nesterovs_momentum", "shuffle")},
               "page": page, "init_variance_ratio_to_he": t["variance_ratio"],
               "init_max_abs_sd_of_he": t["max_abs_sd"],
               "init_bias_nonzero": bool(np.any(intercept != 0))}
    note = (f"MLPClassifier defaults differ from the page's MNIST setup: solver='{defaults['solver']}' "
            f"(page: plain SGD), alpha={defaults['alpha']} L2 penalty added to the loss (page: none), "
            f"batch_size='auto' = min(200, n) (page: 64), momentum={defaults['momentum']} with "
            f"nesterovs_momentum={defaults['nesterovs_momentum']} when solver='sgd' (page: none); "
            f"weights start Glorot-uniform ±√(6/(fan_in+fan_out)), biases too (page: He normal, zero "
            f"biases): for 784→256 the weight variance is {t['variance_ratio']:.3f}× He's and no "
            f"weight exceeds {t['max_abs_sd']:.2f} He standard deviations. To follow the page: "
            f"solver='sgd', alpha=0, batch_size=64, momentum=0, learning_rate_init=0.001, and "
            f"coefs_/intercepts_ set by hand (the MNIST issue's comparison).")
    return Outcome(status="convention", note=note, figures=figures)


def _he_torch(layout, mode="fan_in"):
    return lambda seed: oracles.get("torch").values["he_normal"](FAN_IN, FAN_OUT, seed=seed,
                                                                 layout=layout, mode=mode)


CHECKS = [
    Property(id="init.he.reference", section="mnist", oracle="reference",
             run=_he_property(lambda s: I.he_normal(FAN_IN, FAN_OUT, np.random.default_rng(s)),
                              "reference he_normal(256, 512): N(0, 2/fan_in) not rejected.", ""),
             references=("init.he_normal", "init.he_std"), description="the reference He init is N(0, 2/fan_in)"),
    Property(id="init.he.torch_linear_layout", section="mnist", oracle="torch",
             run=_he_property(_he_torch("linear"), "torch kaiming_normal_ (defaults) on an nn.Linear "
                              "weight (fan_out, fan_in): N(0, 2/fan_in) not rejected, as the page.", ""),
             references=("init.he_std",), description="torch.nn.init.kaiming_normal_ on torch's own layout",
             label="page"),
    Property(id="init.he.torch_code_layout", section="mnist", oracle="torch",
             run=_he_property(_he_torch("code"), "",
                              "torch kaiming_normal_ (mode='fan_in') applied to a weight in the page's code "
                              "layout (fan_in, fan_out) reads fan_in from size(1), the page's fan_out: "
                              "std √(2/512), variance half the page's; mode='fan_out' (or an "
                              "(out, in) tensor transposed) matches.", differs_expected=True),
             references=("init.he_std",), description="kaiming_normal_ on a (fan_in, fan_out) weight",
             label="default"),
    Property(id="init.he.torch_code_layout_fan_out", section="mnist", oracle="torch",
             run=_he_property(_he_torch("code", "fan_out"), "kaiming_normal_(mode='fan_out') on the "
                              "page's (fan_in, fan_out) layout: N(0, 2/fan_in) not rejected.", ""),
             references=("init.he_std",), description="kaiming_normal_(mode='fan_out') on a (fan_in, fan_out) weight",
             label="mode=fan_out"),
    Property(id="init.he.jax", section="mnist", oracle="jax",
             run=_he_property(lambda s: oracles.get("jax").values["he_normal"](FAN_IN, FAN_OUT, seed=s),
                              "", "jax.nn.initializers.he_normal draws a truncated normal (|w| ≤ 2 "
                              "standard deviations of the untruncated normal, rescaled by 1/0.8796 to "
                              "keep variance 2/fan_in): mean and variance are the page's, the tails "
                              "are not (no weight beyond 2.27 sd; N(0, 1) has 1.2% beyond 2.5).",
                              differs_expected=True),
             references=("init.he_std",), description="jax.nn.initializers.he_normal on the page's layout",
             label="default"),
    Property(id="mnist.sklearn_mlp_defaults", section="mnist", oracle="sklearn", run=sklearn_mlp_defaults,
             references=("init.he_std",), description="MLPClassifier's defaults against the page's MNIST setup",
             label="default"),
    Property(id="init.he.second_moment", section="mnist", oracle="reference", run=he_second_moment,
             references=("init.he_std", "mlp.forward", "activations.relu"),
             description="He init keeps E[z²] through ReLU layers"),
]
