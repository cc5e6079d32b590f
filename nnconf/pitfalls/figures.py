"""Figures of the pitfalls rows (page section ``pitfalls``): one small panel per row, PNG,
matplotlib's Agg backend.

- training rows: the batch loss (window means) of the mistake arm and the fixed arm against
  the step, each the mean over seeds with a band from the lowest to the highest seed; the
  rows' other settings dashed; log scale (an exploding loss reaches the clipped loss's bound,
  −log 1e−12 ≈ 27.6, which is also where non-finite losses are drawn);
- framework rows: each call's outcome (raises / correct / wrong) per label form or planted
  mistake and framework.

:func:`panel` writes one row's panel, :func:`figure` all of them in one image. Files are written
to a unique temporary name and renamed, so concurrent runs never see a half-written PNG.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

SHORT = {"softmax_cross_entropy": "softmax_ce", "softmax_cross_entropy_with_integer_labels": "softmax_ce_int",
         "cross_entropy": "cross_entropy", "log_loss": "log_loss"}
COLORS = {"mistake": "#c0392b", "fixed": "#2471a3"}
OUTCOME_COLORS = {"raises": "#f5b041", "correct": "#58d68d", "wrong": "#e74c3c", "skipped": "#d5d8dc"}


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save(fig, path: Path, *, dpi: int = 110) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".png")
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=dpi)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a figure is for reading
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def _title(ax, row: dict, verdicts: dict) -> None:
    ax.set_title(f"{row['id']}: symptom {verdicts.get('symptom', '?')}, fix {verdicts.get('fix', '?')}",
                 fontsize=9)


def _curves(ax, row: dict, arms: dict) -> None:
    for key, aid in row["arms"].items():
        setting, role = key.split(":")
        seeds = list(arms[aid]["seeds"].values())
        losses = np.array([s["curve"]["loss"] for s in seeds])
        steps = seeds[0]["curve"]["window"] * np.arange(1, losses.shape[1] + 1)
        main = setting == "main"
        label = f"{role}" if main else f"{role}, {setting}"
        ax.plot(steps, losses.mean(0), color=COLORS[role], lw=1.6 if main else 1.0,
                ls="-" if main else "--", label=label)
        if main or len(row["arms"]) <= 4:
            ax.fill_between(steps, losses.min(0), losses.max(0), color=COLORS[role],
                            alpha=0.22 if main else 0.08, lw=0)
    ax.set_yscale("log")
    ax.set_xlabel("step", fontsize=8)
    ax.set_ylabel("batch loss (window mean)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=6, loc="best")


def _grid(ax, row: dict, arms: dict) -> None:
    """Outcome grid of a framework row: rows = planted mistake or call × label form."""
    cells, ylabels, xlabels = {}, [], []
    for key in ("main:mistake", "main:fixed"):
        if key not in row["arms"]:
            continue
        arm = arms[row["arms"][key]]
        first = next(iter(arm["seeds"].values()))
        for c in first["cases"]:
            y = (f"{c.get('mistake') or 'correct shapes'}" if "mistake" in c
                 else f"{SHORT.get(c['call'].split('.')[-1], c['call'].split('.')[-1])} {c['labels']}")
            x = c["framework"]
            if y not in ylabels:
                ylabels.append(y)
            if x not in xlabels:
                xlabels.append(x)
            cells[(y, x)] = c
    for i, y in enumerate(ylabels):
        for j, x in enumerate(xlabels):
            c = cells.get((y, x))
            if c is None:
                continue
            text = {"raises": "raises", "correct": "ok", "skipped": "n/a"}.get(c["outcome"])
            if c["outcome"] == "wrong":
                text = f"wrong, err {c['rel_error']:.2g}\n" + ("warns" if c.get("warnings") else "silent")
            if c.get("trace_differs"):
                text += " · trace"
            ax.add_patch(_rect(j, i, OUTCOME_COLORS[c["outcome"]]))
            ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=6)
    ax.set_xlim(0, len(xlabels))
    ax.set_ylim(len(ylabels), 0)
    ax.set_xticks(np.arange(len(xlabels)) + 0.5, xlabels, fontsize=7)
    ax.set_yticks(np.arange(len(ylabels)) + 0.5, ylabels, fontsize=6)
    ax.tick_params(length=0)


def _legend(ax) -> None:
    from matplotlib.patches import Patch
    handles = [Patch(color=c, label=k if k != "correct" else "correct (ok)")
               for k, c in OUTCOME_COLORS.items()]
    ax.legend(handles=handles, loc="upper left", fontsize=8, title="framework rows", title_fontsize=8)
    ax.text(0.0, 0.35, "training rows: batch loss, window means;\nline = mean over seeds, band = lowest to "
            "highest seed;\ndashed = the row's other setting.\n'trace': the per-layer shape trace\n"
            "differs from the correct network's.", fontsize=8, va="top", transform=ax.transAxes)


def _rect(x, y, color):
    from matplotlib.patches import Rectangle
    return Rectangle((x + 0.03, y + 0.05), 0.94, 0.9, color=color, lw=0)


def draw(ax, row: dict, verdicts: dict, arms: dict) -> None:
    """One row's panel on ``ax`` (``arms``: the section's arms, by id)."""
    (_curves if row["experiment"] == "training" else _grid)(ax, row, arms)
    _title(ax, row, verdicts)


def _verdicts(records: list[dict], row_id: str) -> dict:
    return {r["id"].rsplit(".", 1)[1]: r["verdict"] for r in records
            if r["id"].rsplit(".", 2)[-2] == row_id}


def panel(row: dict, arms: dict, records: list[dict], directory) -> Path:
    """Write ``pitfalls-<row id>.png`` into ``directory``; returns its path."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.2, 4.2 if row["experiment"] == "integer_labels" else 3.4))
    draw(ax, row, _verdicts(records, row["id"]), arms)
    fig.tight_layout()
    try:
        return save(fig, Path(directory) / f"pitfalls-{row['id']}.png")
    finally:
        plt.close(fig)


def figure(rows: list[dict], arms: dict, records: list[dict], directory, *,
           name: str = "pitfalls.png") -> Path:
    """Every row's panel in one image (``pitfalls.png``)."""
    plt = _plt()
    n = len(rows)
    cols = 4 if n > 4 else n
    nrows = -(-n // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.6 * cols, 3.4 * nrows), squeeze=False)
    for ax, row in zip(axes.ravel(), rows, strict=False):
        draw(ax, row, _verdicts(records, row["id"]), arms)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    if n < axes.size:
        _legend(axes.ravel()[n])
    fig.tight_layout()
    try:
        return save(fig, Path(directory) / name, dpi=90)
    finally:
        plt.close(fig)
