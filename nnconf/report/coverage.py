"""The coverage matrix: every section id the page names × {reference, torch, jax, sklearn,
claims}, filled from the registry rows' records and the audit's claims (by
:func:`nnconf.report.results.assemble`); empty cells are named."""

from __future__ import annotations

import re
from pathlib import Path

COLUMNS = ("reference", "torch", "jax", "sklearn", "claims")
SECTION_ID = re.compile(r"`\[([\w.]+)\]`")


def page_sections(page_path) -> list[str]:
    """Every `[id]` the page names, in order, once (headings and inline ids)."""
    text = Path(page_path).read_text(encoding="utf-8")
    start = text.find("\n## ")  # ids named before the first section are not sections
    return list(dict.fromkeys(SECTION_ID.findall(text[start if start >= 0 else 0:])))


def _column(oracle: str) -> str | None:
    if oracle.startswith("jax"):
        return "jax"
    return oracle if oracle in ("torch", "sklearn") else None


def matrix(results: dict, sections: list[str] | None = None) -> dict:
    """``{"columns", "rows": [{"section", cells: {column: count}}], "uncovered": [[section, column]]}``.

    A check row counts for the reference (every check compares the reference) and for its
    framework's column; a property checked by the reference alone or by scipy counts for the
    reference. A claim counts for ``claims`` and, when its verdict is computed by the reference
    (not ``unverifiable``/``stale``), for the reference and for each framework its evidence ran
    in (a claim record's ``frameworks``: the pitfalls experiments run torch, JAX, scikit-learn).
    A row's section also covers its parent sections' listing (``act.relu`` is listed under
    itself)."""
    order = list(sections or [])
    cells: dict[str, dict[str, int]] = {}

    def bump(section, column):
        if section not in order:
            order.append(section)
        cells.setdefault(section, dict.fromkeys(COLUMNS, 0))[column] += 1

    for c in results.get("checks", []):
        if c["status"] == "skipped":
            continue
        bump(c["section"], "reference")
        col = _column(c["oracle"])
        if col:
            bump(c["section"], col)
    for c in results.get("claims", []):
        bump(c["section"], "claims")
        if c["verdict"] not in ("unverifiable", "not-checkable", "stale"):
            bump(c["section"], "reference")
            for col in {_column(fw) for fw in c.get("frameworks", ())} - {None}:
                bump(c["section"], col)
    rows = [{"section": s, "cells": cells.get(s, dict.fromkeys(COLUMNS, 0))} for s in order]
    uncovered = [[r["section"], col] for r in rows for col in COLUMNS if not r["cells"][col]]
    return {"columns": list(COLUMNS), "rows": rows, "uncovered": uncovered}
