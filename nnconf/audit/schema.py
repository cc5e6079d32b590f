"""The catalogue's schema: the fields of each table, their types, and what each kind of claim
needs. ``check_table`` returns the first problem as ``(key or None, message)``; the loader
turns it into ``FILE:LINE: message`` with the line of that key (or of the entry's header)."""

from __future__ import annotations

import re

KINDS = ("number", "prose", "listing", "curve", "formula")
ID = re.compile(r"^[\w.@\-]+$")
VALUE = re.compile(r"^([\w.]+):(\w+)((?:\[\d+\])*)$")


def _str(v):
    return isinstance(v, str) and v != ""


def _int(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _num(v):
    return isinstance(v, int | float) and not isinstance(v, bool)


def _strs(v):
    return isinstance(v, list) and all(_str(x) for x in v)


def _str_or_strs(v):
    return _str(v) or (_strs(v) and len(v) > 0)


def _table(v):
    return isinstance(v, dict)


TYPES = {  # field -> (test, what it must be)
    "id": (lambda v: _str(v) and bool(ID.match(v)), "a non-empty string of letters, digits and . _ @ -"),
    "section": (_str, "a non-empty string"), "kind": (lambda v: v in KINDS, f"one of {', '.join(KINDS)}"),
    "what": (_str, "a non-empty string"), "printed": (_str, "a non-empty string"),
    "locate": (_str, "a non-empty string"), "value": (_str, "a string 'example:quantity[i]'"),
    "slip": (_str, "a non-empty string"), "announced": (_str, "a locate template (the announcement's text)"),
    "precision": (_int, "an integer ≥ 0"), "test": (_str, "a non-empty string"), "args": (_table, "a table"),
    "evidence": (_strs, "an array of registry check ids"), "listing": (_str, "a section id"),
    "epoch": (_int, "an integer ≥ 0"), "quantity": (_str, "a non-empty string"),
    "produces": (lambda v: _table(v) and _str(v.get("file")) and set(v) <= {"file", "dpi"}
                 and (v.get("dpi") is None or _num(v["dpi"])), "a table { file = \"…\", dpi = N }"),
    "expected_block": (lambda v: isinstance(v, bool), "true or false"),
    "sympy": (_str_or_strs, "a transcription (string) or an array of them"),
    "exercise": (_str, "the name of an exercise (nnconf/audit/exercises.py)"),
    "compute": (_str, "a non-empty string"), "inputs": (_table, "a table"),
    "numbers": (lambda v: _strs(v) and len(v) > 0, "a non-empty array of printed numbers (strings)"),
    "reason": (_str, "a non-empty string"),
}

TABLES = {
    "claim": {"id", "section", "kind", "what", "printed", "locate", "value", "slip", "announced",
              "precision", "test", "args", "evidence", "listing", "epoch", "quantity", "produces",
              "expected_block", "sympy", "exercise"},
    "example": {"id", "section", "compute", "inputs"},
    "exempt": {"section", "numbers", "reason"},
}
REQUIRED = {"claim": ("id", "section", "kind", "what"), "example": ("id", "compute", "inputs"),
            "exempt": ("section", "numbers", "reason")}
BY_KIND = {"number": ("locate", "value"), "prose": ("locate",), "listing": ("listing", "locate"),
           "curve": ("locate", "epoch", "quantity"), "formula": ("printed", "locate", "sympy", "quantity")}
STRING_INPUTS = {"activation"}  # example inputs that are names, not numbers


def check_table(kind: str, raw: dict) -> tuple[str | None, str] | None:
    """The first schema problem of one ``[[kind]]`` entry, or None."""
    label = f"{kind} {raw.get('id', '?')!r}" if kind != "exempt" else f"exempt in [{raw.get('section', '?')}]"
    unknown = sorted(set(raw) - TABLES[kind])
    if unknown:
        return unknown[0], f"{label}: unknown field(s) {unknown} (known: {', '.join(sorted(TABLES[kind]))})"
    for key in REQUIRED[kind]:
        if key not in raw:
            return None, f"{label}: missing field {key!r}"
    for key, v in raw.items():
        test, want = TYPES[key]
        if not test(v):
            return key, f"{label}: {key} must be {want}, found {v!r}"
    if kind == "claim":
        for key in BY_KIND[raw["kind"]]:
            if key not in raw:
                return None, f"{label}: a {raw['kind']} claim needs {key!r}"
        if raw["kind"] == "prose" and not (raw.get("test") or raw.get("evidence")):
            return None, f"{label}: a prose claim needs 'test' or 'evidence'"
        if raw["kind"] == "number" and "announced" not in raw and "printed" not in raw:
            return None, (f"{label}: a number claim records its 'printed' text (or is 'announced' "
                          f"and may be missing)")
        if "value" in raw and not VALUE.match(raw["value"]):
            return "value", f"{label}: value {raw['value']!r} must be 'example:quantity[i]'"
    if kind == "example":
        for name, v in raw["inputs"].items():
            if not (_numbers(v) or (name in STRING_INPUTS and _str(v))):
                return "inputs", (f"{label}: input {name!r} must be a number or an array of numbers"
                                  + (" (or a name)" if name in STRING_INPUTS else "") + f", found {v!r}")
    return None


def _numbers(v) -> bool:
    if isinstance(v, list):
        return len(v) > 0 and all(_numbers(x) for x in v)
    return _num(v)
