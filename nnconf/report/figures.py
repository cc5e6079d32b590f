"""Figures of the report (matplotlib, PNG), written beside it and listed in ``results["figures"]``.

The panels come from the registry's declarations, not from a table here:

- ``activations.png``: the page's activation figure regenerated from the reference: one panel
  per quantity that declares a :class:`~nnconf.conformance.quantities.Panel` (today the page's listing's
  sigmoid, tanh, ReLU, Leaky ReLU α = 0.01 and GELU) and one of the derivatives it names,
  on [−5, 5], with torch and JAX evaluated at the same points on top (each with its row's
  page settings);
- ``errors.png``: the distribution of every passing check's margin (error / tolerance) per
  check family;
- ``optimizers.png``: one drawn gradient sequence fed to the reference and to each framework's
  optimizer, under every variant of its row (the page-matching settings and the defaults);
- ``mnist.png`` is drawn by the MNIST section.

These functions run the reference and the frameworks at report time (like the checks); the
renderers only embed the files.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import oracles
from nnconf.conformance.quantities import page_settings
from nnconf.conformance.registry import activation_panels, optimizer_panels
from nnconf.conformance.strategies import Case


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(fig, path: Path) -> None:
    """Straight to ``path``: commands draw into their run's staging directory (nnconf.run.output),
    which is moved into place with the rest of the report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def _frameworks() -> dict:
    out = {}
    for name in ("torch", "jax"):
        ok, _ = oracles.available(name)
        if ok:
            out[name] = oracles.get(name)
    return out


FIGURE_ORACLES = ("torch", "jax")
MARKS = {"torch": dict(marker="o", ms=4, mfc="none", ls="none"), "jax": dict(marker="x", ms=4, ls="none")}


def activations(path: Path) -> dict:
    """The page's activation figure; returns the largest |framework − reference| per curve."""
    plt = _plt()
    x = np.linspace(-5, 5, 1000)
    fws = _frameworks()
    diffs: dict[str, float] = {}
    quantities = activation_panels()
    cols = 3
    rows = -(-(len(quantities) + 1) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(13, 3.5 * rows))
    axes = axes.ravel()
    for ax, q in zip(axes, quantities, strict=False):
        check = q.checks[0]
        ref = check.compute_reference(Case((x,)))
        ax.plot(x, ref, lw=2, label="reference")
        for name, o in fws.items():
            y = o.value(q.name, (x,), **page_settings(check.oracles.get(name, ())))
            diffs[f"{name}:{q.name}"] = float(np.max(np.abs(y - ref)))
            sel = slice(0 if name == "torch" else 25, None, 50)
            ax.plot(x[sel], y[sel], label=f"{name} (max |Δ| {diffs[f'{name}:{q.name}']:.1e})", **MARKS[name])
        ax.set_title(q.panel.title)
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(0, color="k", lw=0.5)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    ax = axes[len(quantities)]
    for q in (q for q in quantities if q.panel.derivative and q.grad is not None):
        check = q.checks[1]
        ref = check.compute_reference(Case((x,)))
        ax.plot(x, ref, "--", lw=2, label=f"{q.panel.derivative} (reference)")
        for name, o in fws.items():
            g = o.grad(q.name, (x,), None, **page_settings(check.oracles.get(name, ())))
            diffs[f"{name}:{q.name}'"] = float(np.max(np.abs(g - ref)))
            sel = slice(0 if name == "torch" else 25, None, 50)
            ax.plot(x[sel], g[sel], **MARKS[name])
    ax.set_title("Derivatives (markers: " + ", ".join(f"{n} {m['marker']}" for n, m in MARKS.items()
                                                     if n in fws) + ")")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    for extra in axes[len(quantities) + 1:]:
        extra.set_visible(False)
    fig.suptitle("The page's activation figure, regenerated from the reference; frameworks at every 50th point")
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)
    return diffs


def errors(results: dict, path: Path) -> None:
    """Histogram of log10(margin) of every pass/convention row with a margin, per family."""
    plt = _plt()
    families: dict[str, list[float]] = {}
    for c in results["checks"]:
        m = c.get("margin")
        if c["status"] in ("pass", "convention") and isinstance(m, int | float) and m > 0:
            families.setdefault(c["id"].split(".")[0], []).append(math.log10(m))
    if not families:
        return
    names = sorted(families)
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.2), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        ax.hist(families[name], bins=np.arange(-17, 1.5, 1.0), color="tab:blue", alpha=0.8)
        ax.axvline(0, color="tab:red", lw=1.5, label="tolerance")
        ax.set(title=f"{name} ({len(families[name])} rows)", xlabel="log10(error / tolerance)")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("rows")
    axes[0][0].legend(fontsize=8)
    fig.suptitle("Achieved error against tolerance (margin ≤ 1 passes; left = far inside)")
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


HP = {"lr": 0.05, "beta": 0.9, "eps": 1e-8, "b1": 0.9, "b2": 0.999, "weight_decay": 0.1}  # by page name
STYLES = ["--", ":", "-.", (0, (1, 3)), (0, (3, 1, 1, 1))]


def optimizers(path: Path, steps: int = 60, seed: int = 20261125) -> None:
    """θ from one drawn gradient sequence (noisy gradients of θ²/2 around θ₀ = 5, fixed in
    advance), reference vs each framework, defaults and page-matching settings."""
    plt = _plt()
    rng = np.random.default_rng(seed)
    theta0 = np.array([5.0])
    grads = (theta0[0] * np.exp(-np.arange(steps) / 25.0) + rng.normal(0, 1.0, steps))[:, None]
    fws = _frameworks()
    panels = optimizer_panels()
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.6), squeeze=False)
    axes = axes[0]
    t = np.arange(steps + 1)
    for ax, opt in zip(axes, panels, strict=True):
        hp = {k: HP[k] for k in opt.hyperparameters}
        ref = opt.check.compute_reference(Case((theta0, grads), kwargs=hp))
        ax.plot(t, ref[:, 0], lw=3, color="0.2", label="reference (page)")
        for i, (oracle, label, settings) in enumerate(opt.panel_variants(FIGURE_ORACLES)):
            if oracle not in fws:
                continue
            traj = fws[oracle].value(opt.check.op, (theta0, grads), **hp, **settings)
            ax.plot(t, np.asarray(traj)[:, 0], ls=STYLES[i % len(STYLES)], lw=1.6,
                    label=f"{label} (max |Δ| {np.max(np.abs(traj - ref)):.1e})")
        ax.set(title=opt.name, xlabel="step")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6.5)
    axes[0].set_ylabel("θ")
    fig.suptitle("Optimizer trajectories on one drawn gradient sequence: defaults vs page-matching settings")
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def make_all(results: dict, out_dir: Path) -> tuple[dict[str, str], dict]:
    """Draw every figure into ``out_dir``; returns the files made (name -> file) and the
    figures' data (the largest |framework − reference| per activation curve)."""
    out_dir = Path(out_dir)
    made = {}
    data = {"activation_max_abs_diff": activations(out_dir / "activations.png")}
    made["activations"] = "activations.png"
    errors(results, out_dir / "errors.png")
    if (out_dir / "errors.png").exists():
        made["errors"] = "errors.png"
    optimizers(out_dir / "optimizers.png")
    made["optimizers"] = "optimizers.png"
    if results.get("mnist", {}).get("plot"):
        made["mnist"] = results["mnist"]["plot"]
    return made, data
