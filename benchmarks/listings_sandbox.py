"""Seconds each of the page's listings takes inside the sandbox and outside (--unsafe-listings).

Each listing runs as ``__main__`` (as the audit runs it), alternately sandboxed and unsafe,
``--repeats`` times each (default 3; the MNIST listing ``--mnist-repeats``, default 1, as it
trains 20 epochs); the median and the range are printed, with the peak resident memory the
watch loop saw. Both modes share everything but bubblewrap (the same prelude, environment
allow-list, limits and watch loop), so the difference is the sandbox's own cost: starting
bwrap, its namespaces and mounts, and a fresh matplotlib font cache in an empty HOME (which
unsafe runs also have). On a shared machine the figures are noisy: say so with them.

    python benchmarks/listings_sandbox.py --page PAGE.md [--mnist-dir DIR] [--repeats N]
                                          [--mnist-repeats N] [--only SECTION]...
"""

from __future__ import annotations

import argparse
import os
import statistics

from nnconf import sandbox
from nnconf.audit import listings
from nnconf.audit.page import Page

SECTIONS = ("perceptron.listing", "act.plot.listing", "mnist.listing", "gradcheck.listing")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--page", default=os.environ.get("NNCONF_PAGE"), required=os.environ.get("NNCONF_PAGE") is None)
    ap.add_argument("--mnist-dir", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--mnist-repeats", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per run (default 1800)")
    ap.add_argument("--only", action="append", choices=SECTIONS, help="only these listings (repeatable)")
    args = ap.parse_args(argv)
    limits = sandbox.Limits(timeout_s=args.timeout, cpu_s=int(args.timeout))
    page = Page.read(args.page)
    mnist = listings.mnist_dir(args.mnist_dir)
    found = sandbox.available()
    print(f"sandbox: {found.reason}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"{'listing':20s} {'mode':10s} {'median s':>9s} {'min–max s':>13s} {'peak MiB':>9s}")
    for section in args.only or SECTIONS:
        code = page.listings(section)[0].code
        needs = mnist if "fetch_openml" in code else None
        repeats = args.mnist_repeats if needs else args.repeats
        times = {"sandbox": [], "unsafe": []}
        peak = {"sandbox": 0.0, "unsafe": 0.0}
        for _ in range(repeats):
            for mode in ("sandbox", "unsafe"):
                r = listings.run(code, settings=sandbox.Settings(mode=mode, limits=limits), mnist_dir=needs)
                print(f"  {section} {mode}: {listings.describe(r)}, load average {os.getloadavg()[0]:.1f}",
                      flush=True)
                times[mode].append(r.seconds)
                peak[mode] = max(peak[mode], r.peak_rss_bytes / sandbox.MiB)
        for mode in ("sandbox", "unsafe"):
            t = times[mode]
            print(f"{section:20s} {mode:10s} {statistics.median(t):9.2f} {min(t):6.2f}–{max(t):6.2f} "
                  f"{peak[mode]:9.0f}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
