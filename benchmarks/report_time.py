"""The report's time, cold and warm, with its breakdown by stage (issue 17's figures).

    python benchmarks/report_time.py [--repeat 3] [--page PAGE] [--mnist-dir DIR] [--before REV]

Each repetition runs, in this order:

- **cold**: ``nnconf report`` with an empty results cache and an empty XLA compilation cache
  (fresh directories under a temporary folder), so every row, training, experiment and listing
  is computed;
- **warm**: the same command on a copy of the page with one character of its prose changed,
  reusing that cache — the rerun after a page edit;
- the machine's DGEMM rate (2048² float64 matrix products with NumPy), so that a slow
  repetition can be told from a slow machine.

With ``--before REV`` (a git revision, e.g. the commit before the speed work) each repetition
first runs that revision's ``nnconf report`` cold, from a temporary ``git worktree`` with the
same virtual environment, so before and after are measured in one run on the same machine.

Repetitions are interleaved (cold, warm, DGEMM, cold, warm, DGEMM, ...) and the medians
printed, per stage (the report's own ``provenance.timings``: checks, mnist, pitfalls, listings
waited for, audit, figures, render, total) and per MNIST framework (seconds per epoch).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def dgemm_rate(n: int = 2048, repeat: int = 3) -> float:
    a, b = np.random.rand(n, n), np.random.rand(n, n)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeat))
    return 2 * n**3 / best / 1e9


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def report(page: Path, mnist_dir: str, out: Path, cache: Path, root: Path = ROOT) -> dict:
    env = {**os.environ, "NNCONF_CONFIG": "none", "NNCONF_CACHE_DIR": str(cache / "results"),
           "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(root)}
    env.pop("NNCONF_NO_CACHE", None)
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "nnconf.cli", "report", "--page", str(page), "--mnist-dir", mnist_dir,
                        "--out-dir", str(out), "--no-progress"], cwd=root, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode not in (0, 1):
        raise SystemExit(f"nnconf report failed ({r.returncode}): {r.stderr[-2000:]}")
    doc = json.loads((out / "conformance.json").read_text())
    timings = dict(doc["provenance"].get("timings") or {})
    timings["wall (process)"] = round(wall, 1)
    runs = (doc.get("mnist") or {}).get("runs") or {}
    for name, run in runs.items():
        per_epoch = run.get("seconds_per_epoch") or []
        if per_epoch:
            timings[f"mnist {name} s/epoch"] = round(statistics.median(per_epoch), 2)
    timings["cache hits"] = (doc["provenance"].get("cache") or {}).get("hits", 0)
    timings.setdefault("total", timings["wall (process)"])
    return timings


def worktree(rev: str, folder: Path) -> Path:
    """A detached checkout of REV (removed by the caller's ``git worktree remove``)."""
    path = folder / "before"
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(path), rev], cwd=ROOT, check=True)
    code = "import nnconf, reference; print(nnconf.__file__, reference.__file__)"
    probe = subprocess.run([sys.executable, "-c", code],
                           cwd=path, env={**os.environ, "PYTHONPATH": str(path)}, capture_output=True, text=True)
    if str(path) not in probe.stdout.split()[0] or str(path) not in probe.stdout.split()[-1]:
        raise SystemExit(f"--before: {rev} does not import from its worktree: {probe.stdout}{probe.stderr}")
    return path


def edited_copy(page: Path, folder: Path) -> Path:
    """The page with one character of its first prose paragraph changed."""
    text = page.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip() and line[0].isalpha() and " the " in line:
            lines[i] = line.replace(" the ", " The ", 1)
            break
    copy = folder / page.name
    copy.write_text("".join(lines), encoding="utf-8")
    return copy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--page", default=str(ROOT.parent / "shared" / "page" / "neural-network-basics.md"))
    ap.add_argument("--mnist-dir", default=os.environ.get("NNCONF_MNIST_DIR") or str(ROOT.parent / "shared" / "mnist"))
    ap.add_argument("--before", metavar="REV", help="also time this git revision's report, cold, in each repetition")
    args = ap.parse_args()
    page = Path(args.page).resolve()
    results: dict[str, list[dict]] = {"cold": [], "warm": []}
    if args.before:
        results = {"before (cold)": [], **results}
    rates = []
    with tempfile.TemporaryDirectory(prefix="nnconf-report-time-") as tmp:
        tmp = Path(tmp)
        before = worktree(args.before, tmp) if args.before else None
        for i in range(args.repeat):
            if before is not None:
                old = report(page, args.mnist_dir, tmp / "out-before", tmp / f"cache-before{i}", root=before)
                results["before (cold)"].append(old)
                print(f"rep {i + 1} before ({args.before}) cold: {json.dumps(old)}", flush=True)
            cache = tmp / f"cache{i}"
            shutil.rmtree(cache, ignore_errors=True)
            cold = report(page, args.mnist_dir, tmp / "out", cache)
            results["cold"].append(cold)
            print(f"rep {i + 1} cold: {json.dumps(cold)}", flush=True)
            warm = report(edited_copy(page, tmp), args.mnist_dir, tmp / "out", cache)
            results["warm"].append(warm)
            print(f"rep {i + 1} warm: {json.dumps(warm)}", flush=True)
            rates.append(dgemm_rate())
            print(f"rep {i + 1} DGEMM: {rates[-1]:.1f} GFLOP/s", flush=True)
        if before is not None:
            subprocess.run(["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, check=False)
    print(f"\nmedians over {args.repeat} interleaved repetitions; DGEMM {statistics.median(rates):.1f} GFLOP/s "
          f"(range {min(rates):.1f}–{max(rates):.1f}); {os.cpu_count()} CPUs")
    for kind, reps in results.items():
        keys = list(dict.fromkeys(k for r in reps for k in r))
        print(f"{kind}: " + ", ".join(f"{k} {statistics.median([r[k] for r in reps if k in r]):g}" for k in keys))
    cold = statistics.median([r["wall (process)"] for r in results["cold"]])
    warm = statistics.median([r["wall (process)"] for r in results["warm"]])
    print(f"cold {cold:.0f} s, warm after a page edit {warm:.0f} s ({warm / cold:.2f} of cold)")
    if args.before:
        old = statistics.median([r["wall (process)"] for r in results["before (cold)"]])
        print(f"before ({args.before}): {old:.0f} s, cold and warm alike (no cache); after: cold {cold:.0f} s "
              f"({old / cold:.2f}× faster), warm {warm:.0f} s ({old / warm:.1f}× faster)")


if __name__ == "__main__":
    main()
