"""``nnconf mnist``: run the page's experiment in every framework, compare, sweep seeds,
judge the page's printed curve, and write ``mnist.json`` and ``mnist.png``."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from nnconf.mnist import data
from nnconf.mnist import experiment as mnist
from nnconf.run import cache as cache_mod
from nnconf.run import work
from nnconf.run.cache import Cache
from nnconf.run.output import OutputSet, finite, write_atomic
from nnconf.run.progress import Progress

# a line of the MNIST listing's printed output
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


def load_dataset(args) -> data.Dataset:
    if args.digits:
        return data.load_digits_fallback()
    return data.load(args.mnist_dir, allow_download=not args.offline, allow_openml=not args.offline)


def configured_dir(mnist_dir) -> str | None:
    """The MNIST directory the user configured (flag, then environment), if any."""
    import os
    return mnist_dir or os.environ.get(data.ENV_DIR) or None


def dataset_for_report(mnist_dir=None, *, offline: bool = False) -> data.Dataset:
    """The data of the report's MNIST section, loaded before the long work starts. A configured
    directory (flag or $NNCONF_MNIST_DIR) must be valid: its DataError stops the command. Only
    when nothing is configured and nothing can be had does the run use scikit-learn's digits,
    and says so on standard error in one line."""
    if configured_dir(mnist_dir):
        return data.load(mnist_dir)
    try:
        return data.load(None, allow_download=not offline, allow_openml=not offline)
    except data.DataError as exc:
        print(f"nnconf: MNIST unavailable, using scikit-learn's 8x8 digits instead (labelled; never "
              f"judges the page): {exc}", file=sys.stderr)
        return data.load_digits_fallback()


def frameworks(requested) -> list[str]:
    """The frameworks to run: those requested (default all), less those NNCONF_DISABLE turns off
    (they are never imported; a line on standard error says so)."""
    from oracles.base import disabled
    off = disabled()
    chosen = list(requested or mnist.FRAMEWORKS)
    skipped = [f for f in chosen if f in off]
    if skipped:
        print(f"nnconf mnist: {', '.join(skipped)} disabled by NNCONF_DISABLE", file=sys.stderr)
    return [f for f in chosen if f not in off]


def plan(args, ds: data.Dataset, cache=None, name: str = "mnist") -> work.Plan:
    """The trainings of one MNIST run as tasks, unless ``cache`` holds its result (same code,
    versions, data checksums, configuration, seeds and frameworks); ``finish`` builds the result
    and judges the page's printed points when ``args.page`` is given."""
    from nnconf.mnist import runs as mnist_runs
    seeds = args.seed or [0]
    cfg = mnist.Config(sizes=(ds.x_train.shape[1], 256, 128, 10), epochs=args.epochs,
                       lr=args.lr, batch_size=args.batch_size, seed=seeds[0], dtype=args.dtype,
                       steps_per_epoch=args.steps_per_epoch)
    names = _available(frameworks(args.framework))
    checksums = ds.provenance.get("sha256_uncompressed") if ds.name == "MNIST" else ds.name
    sweep_dtype = getattr(args, "sweep_dtype", None)
    key = None
    if cache is not None and checksums:
        key = cache_mod.key("mnist-run", data=checksums, config=asdict(cfg), seeds=seeds, frameworks=names,
                            sweep_dtype=sweep_dtype)
        hit = cache.get(*key)
        if hit is not None:
            return work.Plan(name=name, finish=lambda _: _judged(hit, args, ds, cfg))
    jobs = mnist_runs.plan(cfg, seeds, names, sweep_dtype=sweep_dtype)
    spec = mnist_runs.spec(ds)

    def finish(runs: list) -> dict:
        # through JSON, so that a result is the same object whether computed or cached
        result = json.loads(json.dumps(_result(ds, cfg, seeds, jobs, dict(zip([j.label for j in jobs], runs,
                                                                               strict=True)))))
        if key is not None:
            cache.put(*key, result)
        return _judged(result, args, ds, cfg)

    return work.Plan(name=name, finish=finish,
                     tasks=[work.Task(fn=mnist_runs.run_one, args=(j, spec), cost=j.cost, label=j.label)
                            for j in jobs])


def run(args, ds: data.Dataset | None = None, cache=None) -> dict:
    """Train (or take from ``cache``) and judge: :func:`plan` run by :mod:`nnconf.run.work`."""
    ds = ds if ds is not None else load_dataset(args)
    p = plan(args, ds, cache)
    progress = Progress("MNIST runs", len(p.tasks), enabled=not args.no_progress, unit="run").wrap
    return work.run([p], jobs=getattr(args, "jobs", None) or 1, progress=progress)[p.name]


def _judged(result: dict, args, ds: data.Dataset, cfg) -> dict:
    result = dict(result)
    result["data_provenance"] = ds.provenance  # where the data were read this time
    if args.page and ds.name == "MNIST" and result["sweep"] and mnist.is_page_configuration(cfg):
        result["verdicts"] = mnist.verdicts_from_values(
            page_expected_output(args.page), [s["epoch_losses"] for s in result["sweep"]],
            [s["accuracy"] for s in result["sweep"]])
    elif args.page:
        result["verdicts_note"] = (
            f"no verdicts: the page's claims are judged on MNIST only, in the page's configuration "
            f"(784-256-128-10, lr 0.001, batch 64, whole epochs); this run: {ds.name}, {asdict(cfg)}")
    return result


def _available(names: list[str]) -> list[str]:
    import oracles
    out = []
    for name in names:
        ok, why = (True, "") if name == "reference" else oracles.available(name)
        if ok:
            out.append(name)
        else:
            print(f"nnconf mnist: {name} skipped: {why}", file=sys.stderr)
    return out


def _result(ds: data.Dataset, cfg, seeds: list, jobs: list, done: dict) -> dict:
    runs = {j.label: done[j.label] for j in jobs if j.label == j.framework}
    drift = {}
    if cfg.dtype != "float64":  # how far each framework drifts from the float64 reference
        drift = mnist.agreement({"reference-float64": done["reference-float64"], **runs}, base="reference-float64")
    sweep_jobs = [j for j in jobs if j.label.startswith("reference seed")]
    sweep = ([runs["reference"]] if "reference" in runs else []) + [done[j.label] for j in sweep_jobs]
    sweep_dtypes = [cfg.dtype] * min(1, len(sweep)) + [j.config.dtype for j in sweep_jobs]
    return {
        "dataset": ds.name, "data_provenance": ds.provenance, "config": asdict(cfg),
        "seeds": seeds, "n_test": len(ds.x_test),
        "runs": {n: {"epoch_losses": r.epoch_losses, "correct": r.correct,
                     "accuracy": [c / len(ds.x_test) for c in r.correct],
                     "seconds_per_epoch": r.seconds, "note": r.note} for n, r in runs.items()},
        "agreement": mnist.agreement(runs) if "reference" in runs else {},
        "drift_from_float64_reference": drift,
        "sweep": [{"seed": s, "dtype": d, "epoch_losses": r.epoch_losses,
                   "accuracy": [c / len(ds.x_test) for c in r.correct]}
                  for s, d, r in zip(seeds, sweep_dtypes, sweep, strict=False)],
        "verdicts": [],
    }


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
    fig.savefig(path, dpi=120)  # into the run's staging directory (nnconf.run.output)
    plt.close(fig)


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
    # checked before training: the page's expected output, the data, the output directory
    printed = page_expected_output(args.page) if args.page else None
    ds = load_dataset(args)
    with OutputSet(args.out_dir, wait=args.wait, command="nnconf mnist") as out:
        result = run(args, ds, Cache.for_options(args))
        write_atomic(out.path("mnist.json"), json.dumps(finite(result), indent=1) + "\n")
        plot(result, printed if result["dataset"] == "MNIST" else None, out.path("mnist.png"))
        paths = out.commit()
    print(summary(result))
    print("wrote " + ", ".join(str(p) for p in paths))
    judged_wrong = any(v["verdict"] == "not-reproduced" for v in result["verdicts"])
    return 1 if judged_wrong and args.fail_on_claims else 0


def plan_for_report(out_dir: Path, *, dataset: data.Dataset, epochs: int = 20, seeds: int = 5,
                    float32_epochs: int = 2, page=None, progress: bool = True, cache=None,
                    sweep_dtype: str | None = "float32") -> work.Plan:
    """The MNIST section of ``nnconf report`` on ``dataset`` (see :func:`dataset_for_report`) as
    one plan: the page's configuration in float64 in every framework with a seed sweep of the
    reference (verdicts on the page's printed points when ``page`` is given), and a shorter
    float32 run for the drift from float64. Its ``finish`` draws ``out_dir/mnist.png``."""
    from types import SimpleNamespace

    base = dict(digits=False, lr=0.001, batch_size=64, steps_per_epoch=None, framework=None,
                no_progress=not progress, page=page)
    # the sweep's extra seeds in float32: their drift from float64 (~1e-5 in the loss, measured)
    # is far below the seeds' spread (~2e-3), and they cost 0.6 of a float64 run; seed 0, which
    # every framework runs and which the agreement is measured on, stays in float64
    p64 = plan(SimpleNamespace(**base, epochs=epochs, seed=list(range(seeds)), dtype="float64",
                               sweep_dtype=sweep_dtype), dataset, cache)
    p32 = plan(SimpleNamespace(**{**base, "page": None}, epochs=float32_epochs, seed=[0], dtype="float32"),
               dataset, cache) if float32_epochs else None
    n64 = len(p64.tasks)

    def finish(outputs: list) -> dict:
        section = p64.finish(outputs[:n64])
        if p32 is not None:
            f32 = p32.finish(outputs[n64:])
            section["float32"] = {"epochs": float32_epochs, "runs": f32["runs"],
                                  "drift_from_float64_reference": f32["drift_from_float64_reference"]}
        if dataset.name != "MNIST":
            section["fallback_note"] = f"MNIST unavailable; the comparison ran on {dataset.name}"
        printed = page_expected_output(page) if page and section["dataset"] == "MNIST" else None
        plot(section, printed, Path(out_dir) / "mnist.png")
        section["plot"] = "mnist.png"
        section["summary"] = summary(section)
        return section

    return work.Plan(name="mnist", tasks=p64.tasks + (p32.tasks if p32 else []), finish=finish)


def for_report(out_dir: Path, *, jobs: int = 1, progress: bool = True, **kw) -> dict:
    """:func:`plan_for_report`, run here (``jobs`` trainings at a time)."""
    p = plan_for_report(out_dir, progress=progress, **kw)
    bar = Progress("MNIST runs", len(p.tasks), enabled=progress, unit="run")
    return work.run([p], jobs=jobs, progress=bar.wrap)["mnist"]
