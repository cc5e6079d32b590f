"""Seconds from Ctrl-C to exit for `nnconf report --jobs 2` (issue 11's figure).

Starts the report in its own process group (as a terminal does), waits until its two workers
are inside rows, sends SIGINT to the group, and times the exit; repeats and prints each time,
the median and the maximum, and whether any process of the group was left.

    python benchmarks/interrupt.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_robustness_runs import Run, _wait_gone  # noqa: E402


def once(out: Path) -> tuple[float, int, int]:
    run = Run(out)
    run.workers_started()
    os.killpg(run.proc.pid, signal.SIGINT)
    code, seconds = run.finish()
    return seconds, code, len(_wait_gone(run.proc.pid, 3))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        subprocess.run([sys.executable, "-m", "nnconf.cli", "report", "--profile", "ci", "--only", "act.relu.value",
                        "--oracle", "sklearn", "--mnist-epochs", "0", "--jobs", "1", "--no-progress", "--no-figures",
                        "--out-dir", str(out)], cwd=ROOT, check=True, capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT), "NNCONF_CONFIG": "none"})
        for i in range(args.repeat):
            seconds, code, left = once(out)
            times.append(seconds)
            print(f"run {i + 1}: exit {code} after {seconds:.2f} s; processes left: {left}", flush=True)
    print(f"Ctrl-C to exit with --jobs 2: median {statistics.median(times):.2f} s, max {max(times):.2f} s "
          f"over {len(times)} runs ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
