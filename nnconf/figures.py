"""Figures of the report (matplotlib, PNG), written beside it and listed in ``results["figures"]``.

- ``activations.png``: the page's activation figure (its listing's 2×3 grid: sigmoid, tanh,
  ReLU, Leaky ReLU α = 0.01, GELU, and the derivatives of sigmoid, tanh and ReLU on [−5, 5])
  regenerated from the reference, with torch and JAX evaluated at the same points on top;
- ``errors.png``: the distribution of every passing check's margin (error / tolerance) per
  check family;
- ``optimizers.png``: one drawn gradient sequence fed to the reference and to each framework's
  optimizer, with the framework's defaults and with the page-matching settings;
- ``mnist.png`` is drawn by the MNIST section.

These functions run the reference and the frameworks at report time (like the checks); the
renderers only embed the files.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import oracles
from reference import activations as A
from reference import optim as O


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(fig, path: Path) -> None:
    """Straight to ``path``: commands draw into their run's staging directory (nnconf.output),
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


PANELS = [("sigmoid", "Sigmoid", A.sigmoid, {}), ("tanh", "Tanh", A.tanh, {}),
          ("relu", "ReLU", A.relu, {}), ("leaky_relu", "Leaky ReLU (α=0.01)", A.leaky_relu, {}),
          ("gelu", "GELU (exact)", A.gelu, {})]
SETTINGS = {"jax": {"gelu": {"approximate": False}}, "torch": {}}


def activations(path: Path) -> dict:
    """The page's 2×3 activation figure; returns the largest |framework − reference| per curve."""
    plt = _plt()
    x = np.linspace(-5, 5, 1000)
    fws = _frameworks()
    marks = {"torch": dict(marker="o", ms=4, mfc="none", ls="none"),
             "jax": dict(marker="x", ms=4, ls="none")}
    diffs: dict[str, float] = {}
    fig, axes = plt.subplots(2, 3, figsize=(13, 7))
    for ax, (op, title, fn, _) in zip(axes.ravel()[:5], PANELS, strict=True):
        ax.plot(x, fn(x), lw=2, label="reference")
        for name, o in fws.items():
            y = o.value(op, (x,), **SETTINGS[name].get(op, {}))
            diffs[f"{name}:{op}"] = float(np.max(np.abs(y - fn(x))))
            sel = slice(0 if name == "torch" else 25, None, 50)
            ax.plot(x[sel], y[sel], label=f"{name} (max |Δ| {diffs[f'{name}:{op}']:.1e})", **marks[name])
        ax.set_title(title)
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(0, color="k", lw=0.5)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    ax = axes[1, 2]
    for op, label, grad, style in (("sigmoid", "Sigmoid'", A.sigmoid_grad, "--"),
                                   ("tanh", "Tanh'", A.tanh_grad, "--"), ("relu", "ReLU'", A.relu_grad, "--")):
        ax.plot(x, grad(x), style, lw=2, label=f"{label} (reference)")
        for name, o in fws.items():
            g = o.grad(op, (x,), None)
            diffs[f"{name}:{op}'"] = float(np.max(np.abs(g - grad(x))))
            sel = slice(0 if name == "torch" else 25, None, 50)
            ax.plot(x[sel], g[sel], **marks[name])
    ax.set_title("Derivatives (markers: " + ", ".join(f"{n} {m['marker']}" for n, m in marks.items()
                                                     if n in fws) + ")")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
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


HP = {"lr": 0.05, "beta": 0.9, "eps": 1e-8, "b1": 0.9, "b2": 0.999, "weight_decay": 0.1}
VARIANTS = {  # optimizer: [(oracle, label, settings)]
    "sgd": [("torch", "torch", {}), ("jax", "optax", {})],
    "momentum": [("torch", "torch default", {}),
                 ("torch", "torch page-matching", {"dampen": True, "zero_buffer": True}),
                 ("jax", "optax default", {}), ("jax", "optax page-matching", {"fold_dampening": True})],
    "rmsprop": [("torch", "torch default (α=0.99)", {"default_decay": True}), ("torch", "torch α=β", {}),
                ("jax", "optax default (ε in √)", {}), ("jax", "optax eps_in_sqrt=False", {"eps_in_sqrt": False})],
    "adam": [("torch", "torch", {}), ("jax", "optax", {})],
    "adamw": [("torch", "torch", {}), ("jax", "optax", {})],
}
KEYS = {"sgd": ("lr",), "momentum": ("lr", "beta"), "rmsprop": ("lr", "beta", "eps"),
        "adam": ("lr", "b1", "b2", "eps"), "adamw": ("lr", "b1", "b2", "eps", "weight_decay")}


def optimizers(path: Path, steps: int = 60, seed: int = 20261125) -> None:
    """θ from one drawn gradient sequence (noisy gradients of θ²/2 around θ₀ = 5, fixed in
    advance), reference vs each framework, defaults and page-matching settings."""
    plt = _plt()
    rng = np.random.default_rng(seed)
    theta0 = np.array([5.0])
    grads = (theta0[0] * np.exp(-np.arange(steps) / 25.0) + rng.normal(0, 1.0, steps))[:, None]
    fws = {n: o for n, o in {**_frameworks()}.items()}
    fig, axes = plt.subplots(1, 5, figsize=(18, 3.6))
    t = np.arange(steps + 1)
    for ax, (name, variants) in zip(axes, VARIANTS.items(), strict=True):
        hp = {k: HP[k] for k in KEYS[name]}
        ref = O.trajectory(getattr(O, name)(**hp), theta0, grads)
        ax.plot(t, ref[:, 0], lw=3, color="0.2", label="reference (page)")
        for i, (oracle, label, settings) in enumerate(variants):
            if oracle not in fws:
                continue
            traj = fws[oracle].value(f"{name}_trajectory", (theta0, grads), **hp, **settings)
            ax.plot(t, np.asarray(traj)[:, 0], ls=["--", ":", "-.", (0, (1, 3))][i % 4], lw=1.6,
                    label=f"{label} (max |Δ| {np.max(np.abs(traj - ref)):.1e})")
        ax.set(title=name, xlabel="step")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6.5)
    axes[0].set_ylabel("θ")
    fig.suptitle("Optimizer trajectories on one drawn gradient sequence: defaults vs page-matching settings")
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def make_all(results: dict, out_dir: Path) -> dict[str, str]:
    out_dir = Path(out_dir)
    made = {}
    results.setdefault("figure_data", {})["activation_max_abs_diff"] = activations(out_dir / "activations.png")
    made["activations"] = "activations.png"
    errors(results, out_dir / "errors.png")
    if (out_dir / "errors.png").exists():
        made["errors"] = "errors.png"
    optimizers(out_dir / "optimizers.png")
    made["optimizers"] = "optimizers.png"
    if results.get("mnist", {}).get("plot"):
        made["mnist"] = results["mnist"]["plot"]
    return made
