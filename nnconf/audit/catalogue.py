"""Loading and validating the claims catalogue (``claims.toml``).

Every problem is reported as ``FILE:LINE: what is wrong`` (the line of the entry's
``[[claim]]`` or ``[[example]]`` header, or TOML's own line for a syntax error); nothing is
half-loaded.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import examples as E

DEFAULT = Path(__file__).with_name("claims.toml")
SCHEMA = "nnconf.claims/1"
KINDS = ("number", "prose", "listing", "curve")
VALUE = re.compile(r"^([\w.]+):(\w+)((?:\[\d+\])*)$")
REF = re.compile(r"\{([\w.@\-]+)\}")

_CLAIM_KEYS = {"id", "section", "kind", "what", "printed", "locate", "value", "slip", "announced",
               "precision", "test", "args", "evidence", "listing", "epoch", "quantity",
               "produces", "expected_block", "exercise"}
_EXAMPLE_KEYS = {"id", "section", "compute", "inputs"}
_REQUIRED = {"number": ("locate", "value"), "prose": (), "listing": ("listing",),
             "curve": ("locate", "epoch", "quantity")}


class CatalogueError(Exception):
    """The catalogue is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Example:
    id: str
    compute: str
    inputs: dict
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
    announced: bool = False
    precision: int | None = None
    test: str | None = None
    args: dict = field(default_factory=dict)
    evidence: tuple = ()
    listing: str | None = None
    epoch: int | None = None
    quantity: str | None = None
    produces: dict = field(default_factory=dict)
    expected_block: bool = False
    exercise: str | None = None  # a listing claim that calls what the listing defines (exercises.py)

    def refs(self) -> list[str]:
        return REF.findall(self.slip or "")


@dataclass
class Catalogue:
    path: str
    examples: dict[str, Example]
    claims: list[Claim]

    def by_id(self) -> dict[str, Claim]:
        return {c.id: c for c in self.claims}


def _header_lines(text: str, header: str) -> list[int]:
    return [i + 1 for i, line in enumerate(text.splitlines()) if line.strip() == header]


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
    ex_lines = _header_lines(text, "[[example]]")
    examples = {}
    for raw, line in zip(doc.get("example", []), ex_lines, strict=False):
        unknown = set(raw) - _EXAMPLE_KEYS
        if unknown:
            fail(line, f"example {raw.get('id', '?')!r}: unknown field(s) {sorted(unknown)}")
        for key in ("id", "compute", "inputs"):
            if key not in raw:
                fail(line, f"example {raw.get('id', '?')!r}: missing field {key!r}")
        if raw["compute"] not in E.COMPUTE:
            fail(line, f"example {raw['id']!r}: unknown computation {raw['compute']!r} "
                       f"(known: {', '.join(sorted(E.COMPUTE))})")
        if raw["id"] in examples:
            fail(line, f"example id {raw['id']!r} appears twice")
        examples[raw["id"]] = Example(raw["id"], raw["compute"], raw["inputs"], line)

    from . import prose  # the tests' names are checked here, not at audit time

    claims, seen = [], set()
    cl_lines = _header_lines(text, "[[claim]]")
    for raw, line in zip(doc.get("claim", []), cl_lines, strict=False):
        cid = raw.get("id", "?")
        unknown = set(raw) - _CLAIM_KEYS
        if unknown:
            fail(line, f"claim {cid!r}: unknown field(s) {sorted(unknown)}")
        for key in ("id", "section", "kind", "what"):
            if key not in raw:
                fail(line, f"claim {cid!r}: missing field {key!r}")
        if raw["kind"] not in KINDS:
            fail(line, f"claim {cid!r}: kind must be one of {KINDS}, found {raw['kind']!r}")
        for key in _REQUIRED[raw["kind"]]:
            if key not in raw:
                fail(line, f"claim {cid!r}: a {raw['kind']} claim needs {key!r}")
        if raw["kind"] == "prose" and not (raw.get("test") or raw.get("evidence")):
            fail(line, f"claim {cid!r}: a prose claim needs 'test' or 'evidence'")
        if raw.get("test") and raw["test"] not in prose.TESTS:
            fail(line, f"claim {cid!r}: unknown test {raw['test']!r}")
        if raw.get("exercise"):
            from .exercises import EXERCISES
            if raw["kind"] != "listing" or raw["exercise"] not in EXERCISES:
                fail(line, f"claim {cid!r}: exercise {raw['exercise']!r} must be one of "
                           f"{', '.join(sorted(EXERCISES))}, on a listing claim")
        if cid in seen:
            fail(line, f"claim id {cid!r} appears twice")
        seen.add(cid)
        if "value" in raw:
            m = VALUE.match(raw["value"])
            if not m or m.group(1) not in examples:
                fail(line, f"claim {cid!r}: value {raw['value']!r} must be 'example:quantity[i]' "
                           f"with a known example")
        if "locate" in raw and "{}" not in raw["locate"]:
            fail(line, f"claim {cid!r}: locate {raw['locate']!r} has no {{}} for the printed value")
        if raw.get("kind") == "number" and not raw.get("announced") and "printed" not in raw:
            fail(line, f"claim {cid!r}: a number claim records its 'printed' text "
                       f"(or is 'announced' and may be missing)")
        kw = {k: v for k, v in raw.items() if k in _CLAIM_KEYS}
        kw["evidence"] = tuple(kw.get("evidence", ()))
        claims.append(Claim(line=line, **kw))
    ids = {c.id for c in claims}
    for c in claims:
        for ref in c.refs():
            if ref not in ids:
                fail(c.line, f"claim {c.id!r}: slip refers to unknown claim {{{ref}}}")
    cat = Catalogue(str(path), examples, claims)
    cache: dict = {}
    for c in claims:  # every value must exist: compute once and look it up
        if c.value:
            try:
                value_of(cat, c.value, cache)
            except (KeyError, IndexError) as exc:
                fail(c.line, f"claim {c.id!r}: value {c.value!r} not computed by the reference ({exc})")
        if c.exercise:
            from .exercises import EXERCISES
            try:
                EXERCISES[c.exercise].inputs(cat, c.args)
            except (KeyError, IndexError, TypeError) as exc:
                fail(c.line, f"claim {c.id!r}: exercise {c.exercise!r} cannot take its inputs from "
                             f"args {c.args} (missing {exc})")
    return cat


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
