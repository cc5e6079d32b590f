"""Loading and validating the claims catalogue (``claims.toml``).

The parsed document is checked against a schema (``schema.py``): only ``[[claim]]``,
``[[example]]`` and ``[[exempt]]`` tables, known fields of the right types, a non-empty
catalogue, computable values, known prose tests with valid arguments, known formula
quantities whose transcriptions evaluate. Every problem is one ``FILE:LINE: what is wrong``
(the line of the offending key, else of the entry's header, from ``tomlpos``; TOML's own line
for a syntax error); nothing is half-loaded.
"""

from __future__ import annotations

import inspect
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from nnconf.audit import examples as E
from nnconf.audit import schema as S
from nnconf.audit import tomlpos
from nnconf.audit.carry import MAX_CARRIED, REF
from nnconf.audit.template import TemplateError, compile_template

DEFAULT = Path(__file__).with_name("claims.toml")
SCHEMA = "nnconf.claims/1"
KINDS = S.KINDS
VALUE = S.VALUE


class CatalogueError(Exception):
    """The catalogue is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Example:
    id: str
    compute: str
    inputs: dict
    line: int
    section: str | None = None


@dataclass(frozen=True)
class Exempt:
    section: str
    numbers: tuple
    reason: str
    line: int


@dataclass(frozen=True)
class Claim:
    id: str
    section: str
    kind: str
    what: str
    line: int
    printed: str | None = None
    locate: str | None = None
    value: str | None = None
    slip: str | None = None
    announced: str | None = None
    precision: int | None = None
    test: str | None = None
    args: dict = field(default_factory=dict)
    evidence: tuple = ()
    listing: str | None = None
    epoch: int | None = None
    quantity: str | None = None
    produces: dict = field(default_factory=dict)
    expected_block: bool = False
    sympy: tuple = ()
    exercise: str | None = None  # a listing claim that calls what the listing defines (exercises.py)

    def refs(self) -> list[str]:
        return list(dict.fromkeys(REF.findall(self.slip or "")))


@dataclass
class Catalogue:
    path: str
    examples: dict[str, Example]
    claims: list[Claim]
    exempt: list[Exempt] = field(default_factory=list)

    def by_id(self) -> dict[str, Claim]:
        return {c.id: c for c in self.claims}


def _entries(text: str, doc: dict, fail) -> dict[str, list]:
    """``{table name: [(raw entry, tomlpos.Entry)]}``, refusing anything but arrays of tables."""
    stmts = tomlpos.statements(text)
    top = stmts[0]
    for key, line in top.keys.items():
        if key in S.TABLES:
            fail(line, f"{key} = …: write each {key} as its own [[{key}]] table, not as an inline array")
        if key != "schema":
            fail(line, f"unknown top-level key {key!r} (known: schema, and [[claim]], [[example]], "
                       f"[[exempt]] tables)")
    out: dict[str, list] = {k: [] for k in S.TABLES}
    for e in stmts[1:]:
        if e.name not in S.TABLES or not e.array:
            fail(e.line, f"[{'[' if e.array else ''}{e.name}{']' if e.array else ''}]: only [[claim]], "
                         f"[[example]] and [[exempt]] tables are allowed (write sub-tables inline)")
        out[e.name].append(e)
    result = {}
    for name, entries in out.items():
        raws = doc.get(name, [])
        if len(raws) != len(entries):  # cannot happen for a document tomllib accepted
            fail(1, f"{len(raws)} [[{name}]] entries parsed but {len(entries)} headers found")
        result[name] = list(zip(raws, entries, strict=True))
    return result


def load(path=None) -> Catalogue:
    """Read and validate a catalogue (default: the page's, beside this module)."""
    path = Path(path or DEFAULT)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise CatalogueError(f"{path}:{m.group(1) if m else '?'}: not valid TOML ({exc})") from None

    def fail(line, msg):
        raise CatalogueError(f"{path}:{line}: {msg}")

    if doc.get("schema") != SCHEMA:
        fail(1, f"schema must be {SCHEMA!r}, found {doc.get('schema')!r}")
    tables = _entries(text, doc, fail)
    for name, pairs in tables.items():
        for raw, entry in pairs:
            problem = S.check_table(name, raw)
            if problem:
                key, msg = problem
                fail(entry.keys.get(key, entry.line) if key else entry.line, msg)
    if not tables["claim"]:
        fail(1, "the catalogue has no [[claim]] entries")

    examples, input_lines = {}, {}
    for raw, entry in tables["example"]:
        input_lines[raw["id"]] = entry.keys.get("inputs", entry.line)
        if raw["compute"] not in E.COMPUTE:
            fail(entry.keys["compute"], f"example {raw['id']!r}: unknown computation {raw['compute']!r} "
                                        f"(known: {', '.join(sorted(E.COMPUTE))})")
        if raw["id"] in examples:
            fail(entry.line, f"example id {raw['id']!r} appears twice")
        examples[raw["id"]] = Example(raw["id"], raw["compute"], raw["inputs"], entry.line, raw.get("section"))
    exempt = [Exempt(raw["section"], tuple(raw["numbers"]), raw["reason"], entry.line)
              for raw, entry in tables["exempt"]]
    claims = [_claim(raw, entry, examples, fail) for raw, entry in tables["claim"]]
    _check_ids_and_refs(claims, tables["claim"], fail)
    cat = Catalogue(str(path), examples, claims, exempt)
    cache: dict = {}
    for ex in examples.values():
        try:
            computed(cat, ex.id, cache)
        except Exception as exc:  # noqa: BLE001 (any failure of the computation is the entry's)
            fail(input_lines[ex.id], f"example {ex.id!r}: the reference cannot compute it from these inputs "
                          f"({type(exc).__name__}: {exc})")
    for c, (_, entry) in zip(claims, tables["claim"], strict=True):
        if c.value:
            try:
                value_of(cat, c.value, cache)
            except (KeyError, IndexError, TypeError) as exc:
                fail(entry.keys.get("value", c.line),
                     f"claim {c.id!r}: value {c.value!r} not computed by the reference ({exc})")
        if c.exercise:
            from nnconf.audit.exercises import EXERCISES
            try:
                EXERCISES[c.exercise].inputs(cat, c.args)
            except (KeyError, IndexError, TypeError) as exc:
                fail(entry.keys.get("args", c.line), f"claim {c.id!r}: exercise {c.exercise!r} cannot take "
                                                     f"its inputs from args {c.args} (missing {exc})")
    return cat


def _claim(raw: dict, entry, examples: dict, fail) -> Claim:
    from nnconf.audit import formulas, prose  # the names are checked here, not at audit time

    cid, at = raw["id"], entry.keys.get
    if "value" in raw and VALUE.match(raw["value"]).group(1) not in examples:
        fail(at("value"), f"claim {cid!r}: value {raw['value']!r} names no known example")
    if raw.get("test"):
        if raw["test"] not in prose.TESTS:
            fail(at("test"), f"claim {cid!r}: unknown test {raw['test']!r}")
        problem = _bad_args(prose.TESTS[raw["test"]], raw.get("args", {}))
        if problem:
            fail(at("args", entry.line), f"claim {cid!r}: {problem}")
    for key in ("locate", "announced"):
        if key in raw:
            try:
                compile_template(raw[key].replace("{formula}", raw.get("printed", "")),
                                 need_value=raw["kind"] in ("number", "curve") and key == "locate")
            except TemplateError as exc:
                fail(at(key), f"claim {cid!r}: {exc}")
    if raw.get("exercise"):
        from nnconf.audit.exercises import EXERCISES
        if raw["kind"] != "listing" or raw["exercise"] not in EXERCISES:
            fail(at("exercise"), f"claim {cid!r}: exercise {raw['exercise']!r} must be one of "
                                 f"{', '.join(sorted(EXERCISES))}, on a listing claim")
    if raw["kind"] == "formula":
        if raw["quantity"] not in formulas.QUANTITIES:
            fail(at("quantity"), f"claim {cid!r}: unknown quantity {raw['quantity']!r} "
                                 f"(known: {', '.join(sorted(formulas.QUANTITIES))})")
        problem = formulas.check(raw)
        if problem:
            fail(at("sympy", entry.line), f"claim {cid!r}: {problem}")
    kw = dict(raw)
    kw["evidence"] = tuple(kw.get("evidence", ()))
    sym = kw.get("sympy", ())
    kw["sympy"] = (sym,) if isinstance(sym, str) else tuple(sym)
    return Claim(line=entry.line, **kw)


def _bad_args(fn, args: dict) -> str | None:
    """Why ``fn(ctx, **args)`` cannot be called with these arguments (types from annotations)."""
    sig = inspect.signature(fn)
    try:
        sig.bind(None, **args)
    except TypeError as exc:
        return f"args {args} do not fit {fn.__name__}{sig}: {exc}"
    for name, v in args.items():
        want = sig.parameters[name].annotation
        ok = {"str": isinstance(v, str), "int": isinstance(v, int) and not isinstance(v, bool),
              "float": isinstance(v, int | float) and not isinstance(v, bool)}.get(str(want), True)
        if not ok:
            return f"argument {name!r} of {fn.__name__} must be {want}, found {v!r}"
    return None


def _check_ids_and_refs(claims: list[Claim], pairs: list, fail) -> None:
    seen = set()
    for c in claims:
        if c.id in seen:
            fail(c.line, f"claim id {c.id!r} appears twice")
        seen.add(c.id)
    by_id = {c.id: c for c in claims}
    for c, (_, entry) in zip(claims, pairs, strict=True):
        for ref in c.refs():
            if ref not in by_id:
                fail(entry.keys.get("slip", c.line), f"claim {c.id!r}: slip refers to unknown claim {{{ref}}}")
        if len(c.refs()) > MAX_CARRIED:
            fail(entry.keys.get("slip", c.line), f"claim {c.id!r}: slip names {len(c.refs())} claims, "
                                                 f"at most {MAX_CARRIED}")
    state: dict[str, int] = {}

    def visit(cid, trail):
        if state.get(cid) == 2:
            return
        if state.get(cid) == 1:
            fail(by_id[cid].line, f"claim {cid!r}: slip expressions refer to each other in a cycle "
                                  f"({' -> '.join(trail + [cid])})")
        state[cid] = 1
        for ref in by_id[cid].refs():
            visit(ref, trail + [cid])
        state[cid] = 2

    for c in claims:
        visit(c.id, [])


def dependency_order(cat: Catalogue) -> list[Claim]:
    """The claims with every slip's referents before it (catalogue order otherwise)."""
    by_id, done, out = cat.by_id(), set(), []

    def visit(c):
        if c.id in done:
            return
        done.add(c.id)
        for ref in c.refs():
            visit(by_id[ref])
        out.append(c)

    for c in cat.claims:
        visit(c)
    return out


def computed(cat: Catalogue, example_id: str, cache: dict) -> dict:
    if example_id not in cache:
        ex = cat.examples[example_id]
        cache[example_id] = E.COMPUTE[ex.compute](ex.inputs)
    return cache[example_id]


def value_of(cat: Catalogue, ref: str, cache: dict):
    """The reference's value named by ``example:quantity[i][j]``."""
    m = VALUE.match(ref)
    v = computed(cat, m.group(1), cache)[m.group(2)]
    for i in re.findall(r"\[(\d+)\]", m.group(3)):
        v = v[int(i)]
    return v
