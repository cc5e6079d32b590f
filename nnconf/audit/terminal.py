"""The audit's terminal output: one line per finding, like a compiler's message
(``page.md:106: rounding-slip act.softmax.example.sum: …``), then the counts and the page's
coverage."""

from __future__ import annotations

from nnconf.audit.verdicts import VERDICTS


def summary(records: list[dict]) -> dict:
    return {v: sum(r["verdict"] == v for r in records) for v in VERDICTS}


def table(records: list[dict], page_path: str | None = None, catalogue_path: str | None = None,
          coverage: dict | None = None) -> str:
    """Every claim that is not confirmed, one per line like a compiler's message
    (``page.md:106: rounding-slip act.softmax.example.sum: …``; a claim not on the page points
    at its catalogue line), then the counts and the page's coverage."""
    lines = []
    for r in records:
        if r["verdict"] == "confirmed":
            continue
        if r.get("line") and page_path:
            where = f"{page_path}:{r['line']}: "
        elif r.get("catalogue_line") and catalogue_path:
            where = f"{catalogue_path}:{r['catalogue_line']}: "
        else:
            where = ""
        printed = f" (printed {r['printed']})" if r.get("printed") and r["kind"] not in ("printed", "link") else ""
        lines.append(f"{where}{r['verdict']} {r['id']}{printed}: {r['explanation']}")
    s = summary(records)
    lines.append(f"{s['confirmed']} confirmed; " + ", ".join(f"{s[v]} {v}" for v in VERDICTS
                                                               if v != "confirmed" and s[v]))
    if coverage is not None:
        lines.append(coverage_line(coverage))
    return "\n".join(lines)


def coverage_line(cov: dict) -> str:
    pct = f" ({100 * cov['judged'] / cov['printed']:.1f}%)" if cov["printed"] else ""
    return (f"coverage: {cov['judged']} of {cov['printed']} printed numbers judged{pct} "
            f"(by claims {cov['by'].get('claim', 0)}, as operands of checked links {cov['by'].get('link', 0)}, "
            f"as repeats of judged results {cov['by'].get('repeat', 0)}); {cov['exempt']} exempt "
            f"(givens {cov['by'].get('given', 0)}, declared {cov['by'].get('exempt', 0)}); "
            f"{cov['unchecked']} unchecked; {cov['links']} printed links checked, "
            f"{cov['inconsistent_links']} inconsistent")
