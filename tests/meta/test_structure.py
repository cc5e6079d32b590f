"""The package's structure: no import cycles, no private names used across modules, files of
a few hundred lines. Read from the source with ``ast`` (function-level imports count too: a
cycle hidden inside a function is still a cycle)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("reference", "oracles", "nnconf")
PRIVATE_CHECKED = ("reference", "oracles", "nnconf")
MAX_LINES = 400  # the team's rule: split modules rather than grow one past ~350 lines


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports(module: str, path: Path):
    """``(imported module, bound name or None, imported attribute or None)`` for every import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, a.asname or (a.name if "." not in a.name else None), None
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            source = _absolute(module, node, is_package)
            for a in node.names:
                sub = f"{source}.{a.name}"
                if sub in MODULES:
                    yield sub, a.asname or a.name, None
                else:
                    yield source, None, a.name


def _graph() -> dict[str, set[str]]:
    return {m: {target for target, _, _ in _imports(m, p) if target in MODULES and target != m}
            for m, p in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    cycles = _cycles(_graph())
    assert not cycles, f"import cycles: {cycles}"


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# The layers, bottom first. A module may import its own layer and those below it, never one
# above: reference/ and oracles/ know nothing of nnconf; nnconf's packages stack by job.
LAYERS = (
    ("reference",),
    ("oracles",),
    ("nnconf",),  # the package itself: its version only
    ("nnconf.run",),  # work pool, cache, interrupts, output files, progress, provenance
    ("nnconf.sandbox",),  # running untrusted code
    ("nnconf.conformance",),  # declarations, registry, runner, tolerances, planted bugs, exactness
    ("nnconf.mnist",),  # the MNIST data and trainings
    ("nnconf.audit",),  # reading a page and judging its claims
    ("nnconf.pitfalls",),  # the pitfalls' experiments
    ("nnconf.report",),  # the results model, its document, renderers and figures
    ("nnconf.cli",),  # the commands: nothing imports them
)
MAX_TOP_ENTRIES = 10  # `ls nnconf`, __pycache__ included: the tree reads as the architecture


def _layer(module: str, layers=LAYERS) -> int:
    best, found = -1, -1
    for i, prefixes in enumerate(layers):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, found = len(p), i
    return found


def _upward(graph: dict[str, set[str]], layers=LAYERS) -> list[str]:
    """Every import from a module to one in a higher layer (or to a module in no layer)."""
    out = []
    for m, targets in graph.items():
        for t in targets:
            lm, lt = _layer(m, layers), _layer(t, layers)
            if lm < 0 or lt < 0 or lt > lm:
                out.append(f"{m} (layer {lm}) imports {t} (layer {lt})")
    return sorted(out)


def test_imports_flow_down_the_layers():
    up = _upward(_graph())
    assert not up, "imports running up the layers: " + "; ".join(up)


def test_the_layer_check_finds_an_upward_import():
    layers = (("a",), ("b",), ("c",))
    assert _upward({"a.x": {"b.y"}, "b.y": {"a.z"}, "c": {"b.y"}, "a.z": set()}, layers) == [
        "a.x (layer 0) imports b.y (layer 1)"]
    assert _layer("nnconf.audit.page") == 7 and _layer("nnconf.cli.audit") == 10


def test_every_module_has_a_layer():
    assert not [m for m in MODULES if _layer(m) < 0]


def test_the_package_top_stays_small():
    entries = {p.name for p in (ROOT / "nnconf").iterdir()} | {"__pycache__"}
    assert len(entries) <= MAX_TOP_ENTRIES, sorted(entries)
    packages = {p.name for p in (ROOT / "nnconf").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert packages == {prefix[0].split(".")[1] for prefix in LAYERS[3:]}, packages


def test_no_private_names_across_modules():
    found = []
    for module, path in MODULES.items():
        if not module.startswith(PRIVATE_CHECKED):
            continue
        bound = {}
        for target, name, attr in _imports(module, path):
            if target not in MODULES:
                continue
            if attr and attr.startswith("_") and not attr.startswith("__"):
                found.append(f"{module} imports {target}.{attr}")
            if name:
                bound[name] = target
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                found.append(f"{module} uses {bound[node.value.id]}.{node.attr}")
    assert not found, "private names used across modules: " + "; ".join(sorted(set(found)))


def test_files_stay_at_a_few_hundred_lines():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them): {long}"


FRAMEWORKS = ("torch", "jax", "jaxlib", "optax", "sklearn")
# Framework imports outside oracles/ that are not framework *calls* of the suite:
FRAMEWORK_IMPORTS_ALLOWED = {
    "nnconf.mnist.data": "the MNIST loader's fallbacks (fetch_openml, the bundled digits): data, not a computation",
    "nnconf.audit.listings": "the shim injected into the page's own listings run in a subprocess",
    "nnconf.audit.listing_prelude": "that shim itself: it runs inside the sandboxed listing, redirecting the "
                                    "page's own fetch_openml call to the verified local MNIST copy",
}


def test_framework_code_lives_in_oracles():
    found = []
    for module, path in MODULES.items():
        if module.startswith(("oracles", "reference")) or module in FRAMEWORK_IMPORTS_ALLOWED:
            continue
        for target, _, _ in _imports(module, path):
            if target.split(".")[0] in FRAMEWORKS:
                found.append(f"{module} imports {target}")
    assert not found, "framework calls outside oracles/: " + "; ".join(found)
    for module in ("reference.activations", "reference.losses", "reference.mlp", "reference.optim"):
        assert not [t for t, _, _ in _imports(module, MODULES[module]) if t.split(".")[0] in FRAMEWORKS]
