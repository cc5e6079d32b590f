"""``nnconf mnist``: run the page's experiment in every framework, compare, sweep seeds,
judge the page's printed curve, and write ``mnist.json`` and ``mnist.png``."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from . import data, mnist
from .report import write_atomic
from .results import finite

EXPECTED_LINE = re.compile(r"Epoch\s+(\d+)\s*\|\s*Loss:\s*([0-9.]+)\s*\|\s*Test Accuracy:\s*([0-9.]+)")


def page_expected_output(page: Path) -> dict[int, tuple[str, str]]:
    """The page's printed "expected output": ``{epoch: (loss text, accuracy text)}``, read
    from the page at run time (its ``Epoch N | Loss: … | Test Accuracy: …`` lines)."""
    try:
        text = Path(page).read_text(encoding="utf-8")
    except OSError as exc:
        raise data.DataError(f"{page}: cannot be read ({exc.strerror or exc})") from None
    found = {int(m.group(1)): (m.group(2), m.group(3)) for m in EXPECTED_LINE.finditer(text)}
    if not found:
        raise data.DataError(f"{page}: no 'Epoch N | Loss: … | Test Accuracy: …' lines found")
    return found


def _progress(enabled: bool, desc: str, total: int):
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm
    bar = tqdm(total=total, desc=desc, unit="step", file=sys.stderr, dynamic_ncols=True, leave=False)
    return bar.update, bar.close


def load_dataset(args) -> data.Dataset:
    if args.digits:
        return data.load_digits_fallback()
    return data.load(args.mnist_dir, allow_download=not args.offline, allow_openml=not args.offline)


def run(args) -> dict:
    ds = load_dataset(args)
    seeds = args.seed or [0]
    cfg = mnist.Config(sizes=(ds.x_train.shape[1], 256, 128, 10), epochs=args.epochs,
                       lr=args.lr, batch_size=args.batch_size, seed=seeds[0], dtype=args.dtype,
                       steps_per_epoch=args.steps_per_epoch)
    steps = cfg.epochs * (cfg.steps_per_epoch or -(-len(ds.x_train) // cfg.batch_size))
    inputs = mnist.make_inputs(cfg, len(ds.x_train))
    runs = {}
    for name in args.framework or list(mnist.FRAMEWORKS):
        update, close = _progress(not args.no_progress, f"{name} seed {seeds[0]}", steps)
        try:
            runs[name] = mnist.RUNNERS[name](ds, inputs, cfg, update)
        except ImportError as exc:
            print(f"nnconf mnist: {name} skipped: not installed ({exc})", file=sys.stderr)
        finally:
            close()
    drift = {}
    if cfg.dtype != "float64":  # how far each framework drifts from the float64 reference
        c64 = mnist.Config(**{**asdict(cfg), "dtype": "float64"})
        update, close = _progress(not args.no_progress, "reference float64", steps)
        try:
            base = mnist.run_reference(ds, inputs, c64, update)
        finally:
            close()
        drift = mnist.agreement({"reference-float64": base, **runs}, base="reference-float64")
    sweep = [runs["reference"]] if "reference" in runs else []
    for seed in seeds[1:]:
        c = mnist.Config(**{**asdict(cfg), "seed": seed})
        update, close = _progress(not args.no_progress, f"reference seed {seed}", steps)
        try:
            sweep.append(mnist.run_reference(ds, mnist.make_inputs(c, len(ds.x_train)), c, update))
        finally:
            close()
    result = {
        "dataset": ds.name, "data_provenance": ds.provenance, "config": asdict(cfg),
        "seeds": seeds, "n_test": len(ds.x_test),
        "runs": {n: {"epoch_losses": r.epoch_losses, "correct": r.correct,
                     "accuracy": [c / len(ds.x_test) for c in r.correct],
                     "seconds_per_epoch": r.seconds, "note": r.note} for n, r in runs.items()},
        "agreement": mnist.agreement(runs) if "reference" in runs else {},
        "drift_from_float64_reference": drift,
        "sweep": [{"seed": s, "epoch_losses": r.epoch_losses,
                   "accuracy": [c / len(ds.x_test) for c in r.correct]}
                  for s, r in zip(seeds, sweep, strict=False)],
        "verdicts": [],
    }
    if args.page and ds.name == "MNIST" and sweep and mnist.is_page_configuration(cfg):
        result["verdicts"] = mnist.verdicts(page_expected_output(args.page), sweep, len(ds.x_test))
    elif args.page:
        result["verdicts_note"] = (
            f"no verdicts: the page's claims are judged on MNIST only, in the page's configuration "
            f"(784-256-128-10, lr 0.001, batch 64, whole epochs); this run: {ds.name}, {asdict(cfg)}")
    return result


def plot(result: dict, printed: dict | None, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4.2))
    # the frameworks' curves coincide to round-off: distinct line styles and hollow markers of
    # decreasing size keep every one of them visible on top of the others
    styles = [dict(ls="-", lw=3.0, marker="o", ms=9), dict(ls="--", lw=2.0, marker="s", ms=7),
              dict(ls=":", lw=2.0, marker="D", ms=5), dict(ls="-.", lw=1.2, marker="^", ms=3)]
    agree = result.get("agreement", {})
    for i, (name, r) in enumerate(result["runs"].items()):
        epochs = np.arange(1, len(r["epoch_losses"]) + 1)
        style = {**styles[i % len(styles)], "mfc": "none"}
        label = name if name not in agree else (
            f"{name} (max |Δ loss| {agree[name]['max_batch_loss_diff']:.1e})")
        ax_loss.plot(epochs, r["epoch_losses"], label=label, **style)
        ax_acc.plot(epochs, r["accuracy"], label=label, **style)
    if len(result["sweep"]) > 1:
        losses = np.array([s["epoch_losses"] for s in result["sweep"]])
        accs = np.array([s["accuracy"] for s in result["sweep"]])
        epochs = np.arange(1, losses.shape[1] + 1)
        ax_loss.fill_between(epochs, losses.min(0), losses.max(0), alpha=0.25,
                             label=f"reference, {len(losses)} seeds (min–max)")
        ax_acc.fill_between(epochs, accs.min(0), accs.max(0), alpha=0.25)
    if printed:
        e = sorted(printed)
        ax_loss.plot(e, [float(printed[k][0]) for k in e], "kx", ms=9, mew=2, label="page (printed)")
        ax_acc.plot(e, [float(printed[k][1]) for k in e], "kx", ms=9, mew=2)
    ax_loss.set(xlabel="epoch", ylabel="mean batch loss", title=f"{result['dataset']}: training loss")
    ax_acc.set(xlabel="epoch", ylabel="test accuracy", title="test accuracy after each epoch")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
    ax_loss.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(path)


def summary(result: dict) -> str:
    lines = [f"{result['dataset']} ({result['data_provenance'].get('source')}), "
             f"config {result['config']}"]
    names = list(result["runs"])
    lines.append("epoch | " + " | ".join(f"{n} loss / acc" for n in names))
    n_epochs = max((len(r["epoch_losses"]) for r in result["runs"].values()), default=0)
    for e in range(n_epochs):
        cells = [f"{result['runs'][n]['epoch_losses'][e]:.4f} / {result['runs'][n]['accuracy'][e]:.4f}"
                 for n in names]
        lines.append(f"{e + 1:5d} | " + " | ".join(cells))
    for name, a in result["agreement"].items():
        lines.append(f"{name} vs reference: max |Δ batch loss| {a['max_batch_loss_diff']:.2e}, "
                     f"max |Δ epoch loss| {a['max_epoch_loss_diff']:.2e}, same correct counts: "
                     f"{a['same_correct_counts']}, max |ΔW| {a['max_final_weight_diff']:.2e}")
    for name, a in result["drift_from_float64_reference"].items():
        lines.append(f"{name} ({result['config']['dtype']}) vs float64 reference: max |Δ batch loss| "
                     f"{a['max_batch_loss_diff']:.2e}, correct counts {a['correct']} vs "
                     f"{a['reference_correct']}, max |ΔW| {a['max_final_weight_diff']:.2e}")
    for v in result["verdicts"]:
        lines.append(f"{v['verdict']:15s} {v['explanation']}")
    if "verdicts_note" in result:
        lines.append(result["verdicts_note"])
    return "\n".join(lines)


def main(args) -> int:
    result = run(args)
    out = Path(args.out_dir)
    write_atomic(out / "mnist.json", json.dumps(finite(result), indent=1) + "\n")
    printed = page_expected_output(args.page) if args.page else None
    plot(result, printed if result["dataset"] == "MNIST" else None, out / "mnist.png")
    print(summary(result))
    print(f"wrote {out / 'mnist.json'}, {out / 'mnist.png'}")
    judged_wrong = any(v["verdict"] == "not-reproduced" for v in result["verdicts"])
    return 1 if judged_wrong and args.fail_on_claims else 0


def for_report(out_dir: Path, *, epochs: int = 20, seeds: int = 5, float32_epochs: int = 2,
               mnist_dir=None, offline: bool = False, page=None, progress: bool = True) -> dict:
    """The MNIST section of ``nnconf report``: the page's configuration in float64 in every
    framework with a seed sweep of the reference (verdicts on the page's printed points when
    ``page`` is given), and a shorter float32 run for the drift from float64. Falls back to
    the digits (labelled) when MNIST cannot be had."""
    from types import SimpleNamespace

    base = dict(mnist_dir=mnist_dir, offline=offline, digits=False, lr=0.001, batch_size=64,
                steps_per_epoch=None, framework=None, no_progress=not progress, page=page)
    fallback_note = None
    try:
        load_dataset(SimpleNamespace(**base))
    except data.DataError as exc:
        base["digits"] = True
        fallback_note = f"MNIST unavailable ({exc}); the comparison ran on the digits fallback"
    section = run(SimpleNamespace(**base, epochs=epochs, seed=list(range(seeds)), dtype="float64"))
    if float32_epochs:
        f32 = run(SimpleNamespace(**{**base, "page": None}, epochs=float32_epochs, seed=[0],
                                  dtype="float32"))
        section["float32"] = {"epochs": float32_epochs, "runs": f32["runs"],
                              "drift_from_float64_reference": f32["drift_from_float64_reference"]}
    if fallback_note:
        section["fallback_note"] = fallback_note
    printed = page_expected_output(page) if page and section["dataset"] == "MNIST" else None
    plot(section, printed, Path(out_dir) / "mnist.png")
    section["plot"] = "mnist.png"
    section["summary"] = summary(section)
    return section
