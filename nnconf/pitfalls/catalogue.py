"""Loading and strictly validating the pitfalls catalogue (``catalogue.toml`` beside this module).

The catalogue holds the facts of the page's pitfalls table as data: for each row the mistake
and the fix as run (the two arms), and the rule of each symptom and fix test (quantity,
effect, claim, threshold), written before any run. Every problem — unknown key, wrong type,
value out of range, unknown quantity, duplicate id — is one :class:`CatalogueError` naming
``FILE:LINE`` (the line of the offending key, found from the document's structure by
:mod:`.tomlpos`). Nothing is half-loaded.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from nnconf.pitfalls.quantities import QUANTITIES
from nnconf.pitfalls.stats import CLAIMS, EFFECTS
from nnconf.pitfalls.tomlpos import line_of, positions

DEFAULT = Path(__file__).with_name("catalogue.toml")
SCHEMA = "nnconf.pitfalls/1"
EXPERIMENTS = ("training", "shapes", "integer_labels")
INPUTS = ("scaled", "raw", "standardised")
ORDERS = ("shuffled", "sorted", "file")
LABELS = ("integer", "one_hot")
SHAPE_MISTAKES = ("swapped_layer_dims", "unflattened_input", "column_prediction_mse",
                  "transposed_targets", "label_column_ce")
ID = re.compile(r"^[a-z][a-z0-9_]*$")


class CatalogueError(ValueError):
    """The catalogue is malformed; the message is ``FILE:LINE: what is wrong``."""


# field specs: name -> (kind, required); kind is a type, a tuple of allowed strings, or a
# callable check returning an error text or None
def _positive(x):
    return None if x > 0 else "must be > 0"


def _at_least(n):
    return lambda x: None if x >= n else f"must be ≥ {n}"


def _open_unit(x):
    return None if 0 < x < 1 else "must be strictly between 0 and 1"


ARM_FIELDS = {
    "training": {"lr": (float, _positive), "inputs": (INPUTS, None), "bias": (bool, None),
                 "order": (ORDERS, None)},
    "shapes": {"mistakes": (list, lambda v: None if all(m in SHAPE_MISTAKES for m in v) else
                            f"entries must be among {', '.join(SHAPE_MISTAKES)}")},
    "integer_labels": {"labels": (LABELS, None)},
}
SCALE = {"train_samples": (int, _at_least(1)), "eval_samples": (int, _at_least(1)),
         "epochs": (int, _at_least(1)), "seeds": (int, _at_least(1)),
         "batch_size": (int, _at_least(1)), "sizes": (list, None)}
RULE = {"confidence": (float, _open_unit), "min_seeds": (int, _at_least(2))}
ROW_KEYS = {"id", "locate", "experiment", "mistake", "fix", "mistake_arm", "fixed_arm", "symptom",
            "fix_effect", "report", "setting"}
TEST_KEYS = {"quantity", "effect", "claim", "threshold", "params"}
SETTING_KEYS = {"name", "note", "mistake_arm", "fixed_arm"}
TOP_KEYS = {"schema", "section", "scale", "rule", "base", "row"}


@dataclass(frozen=True, kw_only=True)
class Test:
    quantity: str
    effect: str
    claim: str | None = None  # None: reported only
    threshold: float | None = None
    params: dict = field(default_factory=dict)
    line: int = 0


@dataclass(frozen=True, kw_only=True)
class Setting:
    name: str
    note: str
    mistake_arm: dict
    fixed_arm: dict
    line: int = 0


@dataclass(frozen=True, kw_only=True)
class Row:
    id: str
    locate: str
    experiment: str
    mistake: str
    fix: str
    mistake_arm: dict
    fixed_arm: dict
    symptom: tuple
    fix_effect: tuple
    report: tuple = ()
    settings: tuple = ()
    line: int = 0


@dataclass(frozen=True, kw_only=True)
class Catalogue:
    path: str
    sha256: str
    section: str
    scale: dict
    rule: dict
    base: dict
    rows: tuple

    def row(self, row_id: str) -> Row:
        return next(r for r in self.rows if r.id == row_id)


def _type_name(kind) -> str:
    if isinstance(kind, tuple):
        return "one of " + ", ".join(repr(k) for k in kind)
    return {float: "a number", int: "an integer", bool: "true or false", str: "a string",
            list: "an array", dict: "a table"}[kind]


class _Validator:
    def __init__(self, path: Path, text: str):
        self.path, self.pos = path, positions(text)

    def fail(self, where: tuple, msg: str):
        raise CatalogueError(f"{self.path}:{line_of(self.pos, where)}: {msg}")

    def value(self, where: tuple, name: str, v, kind, check=None):
        ok = {float: isinstance(v, int | float) and not isinstance(v, bool),
              int: isinstance(v, int) and not isinstance(v, bool),
              bool: isinstance(v, bool), str: isinstance(v, str), list: isinstance(v, list),
              dict: isinstance(v, dict)}.get(kind) if not isinstance(kind, tuple) else v in kind
        if not ok:
            self.fail(where, f"{name} must be {_type_name(kind)}, found {v!r}")
        if kind is float and not math.isfinite(v):
            self.fail(where, f"{name} must be finite, found {v!r}")
        problem = check(v) if check else None
        if problem:
            self.fail(where, f"{name} {problem}, found {v!r}")
        return float(v) if kind is float else v

    def table(self, where: tuple, name: str, raw, spec: dict, *, required=True) -> dict:
        if not isinstance(raw, dict):
            self.fail(where, f"{name} must be a table, found {raw!r}")
        unknown = sorted(set(raw) - set(spec))
        if unknown:
            self.fail(where + (unknown[0],), f"{name}: unknown key(s) {unknown}; known: {sorted(spec)}")
        out = {}
        for key, (kind, check) in spec.items():
            if key not in raw:
                if required:
                    self.fail(where, f"{name}: missing key {key!r}")
                continue
            out[key] = self.value(where + (key,), f"{name}.{key}", raw[key], kind, check)
        return out

    def keys(self, where: tuple, name: str, raw, known: set, required: tuple):
        if not isinstance(raw, dict):
            self.fail(where, f"{name} must be a table, found {raw!r}")
        unknown = sorted(set(raw) - known)
        if unknown:
            self.fail(where + (unknown[0],), f"{name}: unknown key(s) {unknown}; known: {sorted(known)}")
        for key in required:
            if key not in raw:
                self.fail(where, f"{name}: missing key {key!r}")

    def tables(self, where: tuple, name: str, raw) -> list:
        if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
            self.fail(where, f"{name} must be an array of tables ([[{'.'.join(map(str, where[-1:]))}]])")
        return raw


def _test(v: _Validator, where: tuple, name: str, raw, experiment: str, *, judged: bool) -> Test:
    v.keys(where, name, raw, TEST_KEYS if judged else TEST_KEYS - {"claim", "threshold"},
           ("quantity", "effect", "claim", "threshold") if judged else ("quantity", "effect"))
    q = v.value(where + ("quantity",), f"{name}.quantity", raw["quantity"], str)
    if q not in QUANTITIES:
        v.fail(where + ("quantity",), f"{name}: unknown quantity {q!r}; known: {', '.join(QUANTITIES)}")
    if experiment not in QUANTITIES[q].experiments:
        v.fail(where + ("quantity",), f"{name}: quantity {q!r} measures a "
                                      f"{'/'.join(QUANTITIES[q].experiments)} experiment, not {experiment!r}")
    effect = v.value(where + ("effect",), f"{name}.effect", raw["effect"], EFFECTS)
    params = {}
    if "params" in raw:
        spec = {k: (t, None) for k, (t, _) in QUANTITIES[q].params.items()}
        params = v.table(where + ("params",), f"{name}.params", raw["params"], spec, required=False)
    kw = dict(quantity=q, effect=effect, params=params, line=line_of(v.pos, where))
    if judged:
        kw["claim"] = v.value(where + ("claim",), f"{name}.claim", raw["claim"], CLAIMS)
        kw["threshold"] = v.value(where + ("threshold",), f"{name}.threshold", raw["threshold"], float)
        if effect == "mistake_over_fixed" and kw["threshold"] <= 0:
            v.fail(where + ("threshold",), f"{name}.threshold: a ratio's threshold must be > 0")
    return Test(**kw)


def _arm(v: _Validator, where: tuple, name: str, raw, experiment: str, base: dict | None) -> dict:
    spec = ARM_FIELDS[experiment]
    given = v.table(where, name, raw if raw is not None else {}, spec,
                    required=base is None)
    if experiment == "shapes" and "mistakes" in given:
        given["mistakes"] = list(given["mistakes"])
    return {**(base or {}), **given}


def load(path=None) -> Catalogue:
    """Read and validate a catalogue (default: the bundled ``catalogue.toml``)."""
    path = Path(path or DEFAULT)
    try:
        raw_bytes = path.read_bytes()
        text = raw_bytes.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{path}:1: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise CatalogueError(f"{path}:{m.group(1) if m else 1}: not valid TOML ({exc})") from None
    v = _Validator(path, text)
    v.keys((), "catalogue", doc, TOP_KEYS, ("schema", "section", "scale", "rule", "base", "row"))
    if doc["schema"] != SCHEMA:
        v.fail(("schema",), f"schema must be {SCHEMA!r}, found {doc['schema']!r}")
    section = v.value(("section",), "section", doc["section"], str)
    scale = v.table(("scale",), "scale", doc["scale"], SCALE)
    if not (len(scale["sizes"]) >= 2 and all(isinstance(n, int) and not isinstance(n, bool) and n > 0
                                             for n in scale["sizes"])):
        v.fail(("scale", "sizes"), f"scale.sizes must be ≥ 2 positive integers, found {scale['sizes']!r}")
    rule = v.table(("rule",), "rule", doc["rule"], RULE)
    base = _arm(v, ("base",), "base", doc["base"], "training", None)
    rows_raw = v.tables(("row",), "row", doc["row"])
    if not rows_raw:
        v.fail(("row",), "the catalogue has no [[row]]")
    rows, seen = [], set()
    for i, raw in enumerate(rows_raw):
        where = ("row", i)
        v.keys(where, f"row {raw.get('id', i + 1)!r}", raw, ROW_KEYS,
               ("id", "locate", "experiment", "mistake", "fix", "symptom", "fix_effect"))
        rid = v.value(where + ("id",), "id", raw["id"], str, lambda s: None if ID.match(s) else
                      "must be lower-case letters, digits and '_'")
        if rid in seen:
            v.fail(where + ("id",), f"row id {rid!r} appears twice")
        seen.add(rid)
        exp = v.value(where + ("experiment",), f"{rid}.experiment", raw["experiment"], EXPERIMENTS)
        for key in ("locate", "mistake", "fix"):
            v.value(where + (key,), f"{rid}.{key}", raw[key], str,
                    lambda s: None if s.strip() else "must not be empty")
        row_base = base if exp == "training" else None
        for key in ("mistake_arm", "fixed_arm"):
            if exp != "training" and key not in raw:
                v.fail(where, f"{rid}: a {exp} row needs {key!r}")
        arms = {key: _arm(v, where + (key,), f"{rid}.{key}", raw.get(key), exp, row_base)
                for key in ("mistake_arm", "fixed_arm")}
        tests = {}
        for key, judged in (("symptom", True), ("fix_effect", True), ("report", False)):
            items = v.tables(where + (key,), f"{rid}.{key}", raw.get(key, []))
            if judged and not items:
                v.fail(where + (key,), f"{rid}.{key}: at least one test is needed")
            tests[key] = tuple(_test(v, where + (key, j), f"{rid}.{key}[{j + 1}]", t, exp, judged=judged)
                               for j, t in enumerate(items))
        settings = []
        for j, s in enumerate(v.tables(where + ("setting",), f"{rid}.setting", raw.get("setting", []))):
            sw = where + ("setting", j)
            v.keys(sw, f"{rid}.setting", s, SETTING_KEYS, ("name", "note"))
            settings.append(Setting(
                name=v.value(sw + ("name",), f"{rid}.setting.name", s["name"], str),
                note=v.value(sw + ("note",), f"{rid}.setting.note", s["note"], str),
                mistake_arm=_arm(v, sw + ("mistake_arm",), f"{rid}.setting.mistake_arm",
                                 s.get("mistake_arm"), exp, arms["mistake_arm"]),
                fixed_arm=_arm(v, sw + ("fixed_arm",), f"{rid}.setting.fixed_arm",
                               s.get("fixed_arm"), exp, arms["fixed_arm"]),
                line=line_of(v.pos, sw)))
        rows.append(Row(id=rid, locate=raw["locate"], experiment=exp, mistake=raw["mistake"],
                        fix=raw["fix"], **arms, symptom=tests["symptom"],
                        fix_effect=tests["fix_effect"], report=tests["report"],
                        settings=tuple(settings), line=line_of(v.pos, where)))
    return Catalogue(path=str(path), sha256=hashlib.sha256(raw_bytes).hexdigest(), section=section,
                     scale=scale, rule=rule, base=base, rows=tuple(rows))
