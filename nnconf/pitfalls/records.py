"""The pitfalls rows as claim records in the audit's shape (page section ``pitfalls``).

Two records per row of the page's table: ``pitfalls.<row>.symptom`` (doing the mistake causes
the symptom) and ``pitfalls.<row>.fix`` (the fix removes it), each with the keys of
:mod:`nnconf.audit.audit`'s records — ``id``, ``section``, ``kind`` (``"experiment"``),
``what``, ``printed`` (the page's cell, read from the page when one is given), ``computed``
(the effects with their intervals), ``verdict``, ``explanation``, ``line`` — plus
``frameworks`` (which implementations the evidence ran in, for the coverage matrix),
``scale``, ``tests`` and ``settings`` (the other settings' verdicts).
"""

from __future__ import annotations

from nnconf.pitfalls import stats

KIND = "experiment"


def page_rows(page, section: str) -> dict:
    """``{first cell, lower-cased: (cells, line)}`` for the table rows in the page's section."""
    out = {}
    for sec in page.bodies(section):
        line = page.text.count("\n", 0, sec.start) + 1
        for n, text in enumerate(page.text[sec.start:sec.end].splitlines()):
            t = text.strip()
            if not t.startswith("|"):
                continue
            cells = [c.strip() for c in t.strip("|").split("|")]
            if cells and not set(cells[0]) <= set("-: "):
                out.setdefault(cells[0].lower(), (cells, line + n))
    return out


def fmt_effect(effect: str, est, low, high) -> str:
    """An effect and its interval (numbers, or their JSON spellings "nan", "inf", "-inf")."""
    f = stats.fmt
    est = float(est)
    if effect in stats.RATIO:
        return f"×{f(est)} [{f(low)}, {f(high)}]"
    if effect in ("mistake_minus_fixed", "fixed_minus_mistake"):
        sign = "+" if est >= 0 else ""
        return f"{sign}{f(est)} [{f(low)}, {f(high)}]"
    return f"{f(est)} [{f(low)}, {f(high)}]"


def _test_text(t: dict) -> str:
    p = ", ".join(f"{k} {v}" for k, v in t["params"].items())
    return f"{t['label']}{f' ({p})' if p else ''}, {stats.EFFECT_TEXT[t['effect']]}"


def _computed(tests: list[dict]) -> str:
    return "; ".join(f"{_test_text(t)}: {fmt_effect(t['effect'], t['estimate'], *t['interval'])}"
                     for t in tests)


def _explain(tests: list[dict]) -> str:
    parts = []
    for t in tests:
        censored = ""
        if t["censored"]["mistake"] or t["censored"]["fixed"]:
            censored = (f" (level not reached within the run by {t['censored']['mistake']} mistake / "
                        f"{t['censored']['fixed']} fixed seeds: their values are the run length, a bound)")
        parts.append(f"{_test_text(t)} = {fmt_effect(t['effect'], t['estimate'], *t['interval'])} "
                     f"({round(100 * t['confidence'])}% CI, {t['seeds']} seeds){censored}; rule "
                     f"{stats.SYMBOL[t['claim']]} {stats.fmt(t['threshold'])}: {t['verdict']} ({t['why']})")
    return "; ".join(parts)


def _calls(row: dict, arms: dict) -> str:
    """The framework rows' outcomes, call by call (the first seed; and whether they vary by seed)."""
    arm = arms[row["arms"]["main:mistake"]]
    first = next(iter(arm["seeds"].values()))["cases"]
    varies = any([o for o, _ in s] != [c["outcome"] for c in first]
                 for s in arm["outcomes_by_seed"].values())
    out = []
    for c in first:
        what = c.get("call") or c["framework"]
        form = c.get("labels") or c.get("mistake")
        if c["outcome"] == "raises":
            res = f"raises {c['error']}"
        elif c["outcome"] == "wrong":
            res = f"returns a wrong value (relative error {c['rel_error']:.3g})"
            if c.get("warnings"):
                res += " with warning " + "; ".join(c["warnings"])
            else:
                res += " silently"
        else:
            res = c["outcome"] if c["outcome"] != "skipped" else f"skipped ({c['error']})"
        out.append(f"{what} [{form}]: {res}")
    return ("outcomes by call (first seed" + ("; they vary across seeds" if varies else
                                          ", the same for every seed") + "): " + "; ".join(out))


def _frameworks(row: dict, arms: dict) -> list[str]:
    if row["experiment"] == "training":
        return ["reference"]
    cases = next(iter(arms[row["arms"]["main:mistake"]]["seeds"].values()))["cases"]
    return sorted({c["framework"] for c in cases if c["outcome"] != "skipped"})


def make(cat, judged: list[dict], arms: dict, *, scale: str, page=None) -> list[dict]:
    """Two records per row (symptom, fix) from :func:`experiments.run`'s rows and arms."""
    table = page_rows(page, cat.section) if page is not None else {}
    out = []
    for row_def, row in zip(cat.rows, judged, strict=True):
        main, others = row["settings"][0], row["settings"][1:]
        found = table.get(row_def.locate.lower())
        for part, tests_key, cell, claim_text in (
                ("symptom", "symptom", 1, f"{row['mistake']} → the symptom"),
                ("fix", "fix_effect", 2, f"fix: {row['fix']}")):
            tests = main["tests"][tests_key]
            verdict = main[part]
            explanation = f"{_explain(tests)}. Scale: {scale}."
            if row.get("missing_frameworks"):
                explanation = (f"unverifiable: not run in {', '.join(row['missing_frameworks'])} (not "
                               f"installed or disabled); measured in the others: " + explanation)
            reported = [t for t in main["tests"]["report"]]
            if reported and part == "symptom":
                explanation += " Also measured: " + _computed(reported) + "."
            if row["experiment"] != "training" and part == "symptom":
                explanation += " " + _calls(row, arms) + "."
            scope = []
            for s in others:
                scope.append({"setting": s["setting"], "note": s["note"], "verdict": s[part],
                              "computed": _computed(s["tests"][tests_key])})
                if s[part] != verdict:
                    explanation += (f" At another setting ({s['note']}) this is {s[part]}: "
                                    f"{_computed(s['tests'][tests_key])}; the claim holds only where "
                                    f"it is confirmed.")
                else:
                    explanation += f" Also {s[part]} at another setting ({s['note']})."
            printed, line = None, None
            if page is not None:
                if found is None:
                    verdict = "stale"
                    explanation = (f"not found on the page: no row {row_def.locate!r} in the table of "
                                   f"section [{cat.section}]; measured: {_computed(tests)}")
                else:
                    cells, line = found
                    printed = cells[cell] if len(cells) > cell else None
            out.append({
                "id": f"{cat.section}.{row['id']}.{part}", "section": cat.section, "kind": KIND,
                "what": f"{claim_text}: " + " and ".join(
                    f"{_test_text(t)} {stats.SYMBOL[t['claim']]} {stats.fmt(t['threshold'])}" for t in tests),
                "printed": printed, "computed": _computed(tests), "verdict": verdict,
                "explanation": explanation, "line": line, "page_line": line, "frameworks": _frameworks(row, arms),
                "scale": scale, "tests": tests, "settings": scope})
    return out
