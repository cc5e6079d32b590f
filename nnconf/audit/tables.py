"""``nnconf tables``: the worked examples' step values, regenerated from the reference at the
page's printed precision, in Markdown, LaTeX or CSV, ready to paste into the page.

One table per worked example: every catalogue claim bound to that example, in the page's
order, including the steps the page announces but does not show (marked). The precision of a
row is the printed text's (read from the page when one is given, else the catalogue's);
a step the page does not show uses the catalogue's ``precision``.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from nnconf.audit import catalogue as C
from nnconf.audit.page import Page, numbers
from nnconf.audit.verdicts import decimals, fmt


def _cells(value, token: str | None, precision: int | None) -> str:
    """``value`` at the printed precision, element by element where the page prints each."""
    arr = np.asarray(value, dtype=np.float64)
    tokens = numbers(token) if token else []
    if len(tokens) != arr.size:
        d = precision if precision is not None else (decimals(tokens[0]) if tokens else 4)
        tokens = ["0." + "0" * d if d else "0"] * arr.size
    flat = iter(fmt(float(v), t) for v, t in zip(arr.ravel(), tokens, strict=True))
    if arr.ndim == 0:
        return next(flat)
    if arr.ndim == 1:
        return "[" + ", ".join(next(flat) for _ in range(arr.shape[0])) + "]"
    return "[" + ", ".join("[" + ", ".join(next(flat) for _ in range(arr.shape[1])) + "]"
                           for _ in range(arr.shape[0])) + "]"


def rows(cat: C.Catalogue, page: Page | None = None) -> dict[str, list[dict]]:
    """``{example id: [{id, quantity, value, shown_on_page}]}``."""
    cache: dict = {}
    out: dict[str, list[dict]] = {ex: [] for ex in cat.examples}
    for c in cat.claims:
        if not c.value or c.kind not in ("number", "listing"):
            continue
        example = c.value.split(":")[0]
        printed = None
        if page is not None and c.locate:
            hit = page.locate(c.section, c.locate)
            printed = hit.printed if hit else None
        elif c.printed is not None:
            printed = c.printed
        value = C.value_of(cat, c.value, cache)
        out[example].append({"id": c.id, "quantity": c.what, "value": _cells(value, printed, c.precision),
                             "shown_on_page": printed is not None})
    return {k: v for k, v in out.items() if v}


def render(tables: dict[str, list[dict]], fmt_name: str = "md") -> str:
    if fmt_name == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["example", "claim", "quantity", "value", "shown_on_page"])
        for ex, rs in tables.items():
            for r in rs:
                w.writerow([ex, r["id"], r["quantity"], r["value"], "yes" if r["shown_on_page"] else "no"])
        return buf.getvalue()
    parts = []
    for ex, rs in tables.items():
        if fmt_name == "latex":
            dagger, end = " $^{\\dagger}$", " \\\\"
            body = "\n".join(f"  {_tex(r['quantity'])}{'' if r['shown_on_page'] else dagger} & "
                             f"${_tex(r['value'])}${end}" for r in rs)
            parts.append(f"% {ex}\n\\begin{{tabular}}{{ll}}\n\\hline\n  quantity & value \\\\\n\\hline\n"
                         f"{body}\n\\hline\n\\end{{tabular}}\n% $^\\dagger$ announced by the page, not shown")
        else:
            lines = [f"### `{ex}`", "", "| quantity | value |", "|---|---|"]
            lines += [f"| {r['quantity'].replace('|', chr(92) + '|')}"
                      f"{'' if r['shown_on_page'] else ' (not shown on the page)'} "
                      f"| {r['value'].replace('-', '−')} |" for r in rs]
            parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _tex(s: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"), ("#", r"\#")):
        s = s.replace(a, b)
    return s
