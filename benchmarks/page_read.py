"""Page reading at scale (issue 11, item 5a): a page with long tagged sections, read and
searched by every claim of the catalogue, then scanned for printed links and numbers.

    python benchmarks/page_read.py [--mb 1 10] [--kind theta|mixed]

``theta``: the reproduction of the issue, ``- θ₂ = a`` lines in place of the θ₂ line of
``[optim.adam.example]``, so that the θ₂ templates find nothing (before: every "- θ₂ = " started
a regular-expression search to the end of the paragraph; 2.6 s for 20 KB here, 9 s in the
issue, about an hour per MB).
``mixed``: every tagged section padded with a mix of such lines, digit-free table rows, long
lines, bold text, and one line of printed arithmetic in twenty (each a link to evaluate and
numbers to account for). Prints seconds per stage: reading (sections, fences, line index),
locating (every claim's template), the page's findings (links, numbers, coverage).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnconf.audit import audit, catalogue, derived  # noqa: E402
from nnconf.audit.page import Page  # noqa: E402

PAGE = Path(os.environ.get("NNCONF_TEST_PAGE") or
            Path(__file__).resolve().parents[2] / "shared" / "page" / "neural-network-basics.md")
THETA = "- θ₂ = 4.9 − 0.1 × 1.737/√3.125 = 4.9 − 0.098 = **4.802**\n"
MIXED = ["- θ₂ = a \n", "| a | b | c |\n", "- θ₂ = a \n", "plain words " * 12 + "\n",
         "- **bold** = text **x** and more\n", "- θ₂ = a \n", "| a | b | c |\n"] * 3 + \
        ["- v₂ = 0.999(0.004) + 0.001(2.25) = 0.00625\n"]


def hostile_page(base: str, size: int, kind: str = "theta") -> str:
    """``base`` with about ``size`` extra bytes inside its tagged sections."""
    if kind == "theta":
        line = "- θ₂ = a \n"
        return base.replace(THETA, line * (size // len(line.encode())))
    block = "".join(MIXED)
    heads = [i for i, ln in enumerate(base.splitlines(keepends=True)) if ln.startswith("##") and "`[" in ln]
    lines = base.splitlines(keepends=True)
    per = max(1, size // (len(block.encode()) * len(heads)))
    for i in reversed(heads):  # after each tagged heading
        lines.insert(i + 1, block * per)
    return "".join(lines)


def read(cat, text: str) -> dict:
    """Seconds for each stage of reading ``text`` as the audit does."""
    t0 = time.perf_counter()
    page = Page(text, "hostile.md")
    t1 = time.perf_counter()
    ctx = audit.Context(cat, audit.Options())
    located, announced = audit.locate_all(cat, page, ctx)
    t2 = time.perf_counter()
    _, coverage = derived.page_findings(page, cat, {}, located, announced)
    t3 = time.perf_counter()
    return {"read": t1 - t0, "locate": t2 - t1, "findings": t3 - t2, "total": t3 - t0,
            "printed": coverage["printed"], "links": coverage["links"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, nargs="+", default=[1, 10], help="page sizes in MB (default 1 10)")
    ap.add_argument("--kind", choices=["theta", "mixed"], default="theta")
    args = ap.parse_args(argv)
    cat, base = catalogue.load(), PAGE.read_text(encoding="utf-8")
    for mb in args.mb:
        text = hostile_page(base, int(mb * 2**20), args.kind)
        r = read(cat, text)
        print(f"{args.kind} {len(text.encode()) / 2**20:6.2f} MB: read {r['read']:.2f} s, locate "
              f"{r['locate']:.2f} s, findings {r['findings']:.2f} s, total {r['total']:.2f} s "
              f"({r['printed']} numbers, {r['links']} links)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
