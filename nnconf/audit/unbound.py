"""A listing that cannot run as printed: the names it uses that nothing binds (a module used
without its import, ``math.exp`` or ``np.random``), found statically with ``ast``, each with
its line in the page. The listing is not run for this: it is a finding before any sandbox."""

from __future__ import annotations

import ast
import builtins


def unbound_names(code: str, first_line: int = 1, bound_before=()) -> list[tuple[str, int]]:
    """``(name, page line)`` of every name the listing loads that it never binds and that is
    not a builtin (nor in ``bound_before``: what earlier listings of its section bind), at its
    first use."""
    tree = ast.parse(code)
    bound = set(dir(builtins)) | set(bound_before)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    seen: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound:
            seen[node.id] = min(seen.get(node.id, 10**9), node.lineno)
    return sorted(((n, first_line + ln - 1) for n, ln in seen.items()), key=lambda t: t[1])


def bound_names(code: str) -> set[str]:
    """The names a listing binds (assignments, imports, definitions)."""
    out = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        elif isinstance(node, ast.alias):
            out.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.add(node.name)
    return out


def section_findings(listings) -> list[tuple[str, int]]:
    """The unbound names of a section's listings ``[(first line, code)]``, read in order: a
    later listing continues the earlier ones (the page's backward pass uses its forward pass's
    variables)."""
    found, bound = [], set()
    for first, code in listings:
        found += unbound_names(code, first, bound)
        bound |= bound_names(code)
    return found
