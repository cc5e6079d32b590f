"""Nothing printed passes silently (issue 14, item 3): every number the page prints in its
worked examples, tables and equation lines (and every bold number anywhere) is accounted for.

A number token is *judged* when it is

1. the printed value a number, curve or listing claim located (``{}``), or inside the located
   text of a formula, prose, listing or announcement claim;
2. an operand of a printed link that was checked (``chains.py``);
3. not bold, and the same text as a number of a located claim's printed value in the same
   section (a repeat of a judged result, such as "m₁ = 0.2" in a result sentence);

It is *exempt* when it is not bold and is a given of the section's worked example (its
magnitude equals one of the example's inputs) or is declared by an ``[[exempt]]`` entry of
the catalogue, with its reason. A bold number is a result: only a claim covers it. Every
other number is ``unchecked``, with its page line. ("Step 2" labels a step and prints no
value.) Coverage = judged / printed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from nnconf.audit.page import Page
from nnconf.audit.units import BOLD, units

NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:[ \u202f\u2009]\d{3})+(?![\d.])|\d+(?:\.\d+)?(?:e[−-]?\d+)?)"
                    r"(?:[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)?|½")
MAX_RECORDS = 2000  # unchecked numbers reported one by one; beyond that, one summary record


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    section: str | None
    bold: bool
    line: int


SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
LABEL = re.compile(r"Step $")  # "Step 2:" numbers a list of steps; it prints no value


def _magnitude(text: str) -> float | None:
    t = text.replace("−", "-").replace(" ", "").replace("\u202f", "").replace("\u2009", "")
    m = re.match(r"(.*?)([⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)?$", t)
    base, exp = m.group(1), m.group(2)
    try:
        v = abs(float("0.5" if base == "½" else base))
        return v ** int(exp.translate(SUPER)) if exp else v
    except (ValueError, OverflowError):
        return None


def tokens(page: Page) -> list[Token]:
    """Every number in scope, in page order (one pass over the numbers, not over the lines)."""
    text = page.text
    us = units(page)
    starts = [u.start for u in us]
    bolds = [(m.start(1), m.end(1)) for m in BOLD.finditer(text)]
    bold_starts = [b[0] for b in bolds]
    scope: dict[int, bool] = {}
    out = []
    for m in NUMBER.finditer(text):
        k = bisect_right(starts, m.start()) - 1
        if k < 0 or m.start() >= us[k].end:
            continue  # code, a heading, a blank line
        u = us[k]
        if LABEL.search(text, max(u.start, m.start() - 5), m.start()):
            continue
        i = bisect_right(bold_starts, m.start()) - 1
        bold = i >= 0 and bolds[i][0] <= m.start() < bolds[i][1] and bolds[i][1] <= u.end
        if k not in scope:
            scope[k] = u.in_scope(text)
        if scope[k] or bold:
            out.append(Token(m.start(), m.end(), m.group(), u.section, bold, page.line_of(m.start())))
    return out


class Spans:
    """Sorted, labelled character spans; ``find(pos)`` is the label of one containing ``pos``."""

    def __init__(self, spans: list[tuple[int, int, str]]):
        self.spans = sorted(spans)
        self.starts = [s[0] for s in self.spans]
        self.reach = []  # running maximum end, so a containing span is found by bisect
        best = -1
        for s in self.spans:
            best = max(best, s[1])
            self.reach.append(best)

    def find(self, pos: int) -> str | None:
        i = bisect_right(self.starts, pos) - 1
        while i >= 0 and self.reach[i] > pos:
            s, e, label = self.spans[i]
            if s <= pos < e:
                return label
            i -= 1
        return None


@dataclass
class Account:
    judged: int = 0
    exempt: int = 0
    unchecked: list = None
    printed: int = 0
    by: dict = None  # how each judged/exempt token was accounted for, counted


def account(page: Page, claim_spans: list, link_spans: list, repeats: dict, givens: dict,
            exempt: dict) -> Account:
    """Attribute every printed number. ``claim_spans``/``link_spans``: (start, end, label);
    ``repeats``: section -> {number text: claim id}; ``givens``: section -> {magnitude: example
    id}; ``exempt``: section -> {number text: reason}."""
    claims, links = Spans(claim_spans), Spans(link_spans)
    acc = Account(unchecked=[], by={})

    def count(kind):
        acc.by[kind] = acc.by.get(kind, 0) + 1

    for t in tokens(page):
        acc.printed += 1
        if claims.find(t.start):
            acc.judged += 1
            count("claim")
            continue
        if t.bold:
            acc.unchecked.append(t)
            continue
        if links.find(t.start):
            acc.judged += 1
            count("link")
            continue
        plain = t.text.replace("−", "")
        if plain in repeats.get(t.section, {}):
            acc.judged += 1
            count("repeat")
            continue
        mag = _magnitude(t.text)
        if mag is not None and mag in givens.get(t.section, {}):
            acc.exempt += 1
            count("given")
            continue
        if t.text in exempt.get(t.section, {}):
            acc.exempt += 1
            count("exempt")
            continue
        acc.unchecked.append(t)
    return acc


def context(page: Page, t: Token, width: int = 30) -> str:
    a = page.text.rfind("\n", 0, t.start) + 1
    b = page.text.find("\n", t.end)
    b = len(page.text) if b < 0 else b
    left = page.text[max(a, t.start - width):t.start]
    right = page.text[t.end:min(b, t.end + width)]
    return f"{left}⟦{t.text}⟧{right}".strip()
