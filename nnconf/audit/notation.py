"""A catalogue ``slip`` expression written in the page's own notation, for a step that
``nnconf audit --fix`` inserts: ``0.9*{optim.adam.example.m@2} + 0.1*3.0`` becomes
``0.9(0.33) + 0.1(3.0)``, ``{…m@3}/(1 - 0.9**3)`` becomes ``0.597/(1 − 0.9³)``,
``sqrt({…})`` ``√5.085``, ``1e-8`` ``10⁻⁸``.

Each ``{claim-id}`` is replaced by that claim's printed text on the fixed page (an element of
it where the expression indexes it). The result is printed arithmetic that the audit's link
check (``chains.py``, ``arith.py``) reads back, so an inserted line is checked like the page's
own lines.
"""

from __future__ import annotations

import ast
import re

from nnconf.audit.carry import REF
from nnconf.audit.page import numbers

MINUS = "−"
SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
# precedence: sums < products < unary minus < powers < atoms
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5
FUNCTIONS = {"sqrt", "exp", "log", "sigmoid", "softmax", "abs"}


class NotationError(ValueError):
    """The expression uses something the page's notation has no form for here."""


def elements(printed: str):
    """A printed value as nested lists of its number texts (page minus signs kept)."""
    t = printed.strip()
    if t.startswith("[["):
        return [[_page_minus(x) for x in numbers(r)] for r in re.findall(r"\[([^\[\]]*)\]", t)]
    if t.startswith("["):
        return [_page_minus(x) for x in numbers(t)]
    return _page_minus(numbers(t)[0])


def _page_minus(token: str) -> str:
    return token.replace("-", MINUS)


def _literal(text: str) -> str:
    """A number literal of the expression as the page writes it (``1e-8`` -> ``10⁻⁸``)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)[eE]([-+]?\d+)", text)
    if not m:
        return text
    exp = str(int(m.group(2))).translate(SUPERSCRIPT)
    return f"10{exp}" if float(m.group(1)) == 1 else f"{m.group(1)} × 10{exp}"


class _Renderer:
    def __init__(self, source: str, refs: dict[str, str]):
        self.source, self.refs = source, refs
        self.juxtapose = True  # 0.9(0.2); off for a product divided (0.1 × 1.737/√3.125, as printed)

    def render(self, node) -> tuple[str, int, bool]:
        """(text, precedence, is a plain number or an element of a printed value)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
            return _literal(ast.get_source_segment(self.source, node)), ATOM, True
        if isinstance(node, ast.Name) and node.id in self.refs:
            text = self.refs[node.id].strip()
            return text, ATOM, not text.startswith("[")
        if isinstance(node, ast.Subscript):
            return self._element(node), ATOM, True
        if isinstance(node, ast.List):
            return "[" + ", ".join(self.render(e)[0] for e in node.elts) + "]", ATOM, False
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            text, prec, _ = self.render(node.operand)
            return MINUS + (text if prec >= UNARY else f"({text})"), UNARY, False
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS \
                and len(node.args) == 1 and not node.keywords:
            return self._call(node.func.id, node.args[0])
        raise NotationError(f"no page notation for {ast.unparse(node)!r}")

    def _element(self, node) -> str:
        index = []
        while isinstance(node, ast.Subscript):
            if not (isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int)):
                raise NotationError(f"only constant indexes: {ast.unparse(node)!r}")
            index.append(node.slice.value)
            node = node.value
        if not (isinstance(node, ast.Name) and node.id in self.refs):
            raise NotationError(f"an index of something other than a printed value: {ast.unparse(node)!r}")
        value = elements(self.refs[node.id])
        for i in reversed(index):
            if not isinstance(value, list) or i >= len(value):
                raise NotationError(f"index {i} is outside the printed value {self.refs[node.id]!r}")
            value = value[i]
        if isinstance(value, list):
            raise NotationError(f"a row of a printed matrix: {ast.unparse(node)!r}")
        return value

    def _operand(self, node, floor: int, strict: bool = False) -> tuple[str, bool]:
        """An operand, bracketed when its precedence is below ``floor`` (or equal, ``strict``)
        or when it is a negative number standing after an operator."""
        text, prec, atom = self.render(node)
        if prec < floor or (strict and prec == floor) or text.startswith(MINUS):
            return f"({text})", atom
        return text, atom

    def _binop(self, node) -> tuple[str, int, bool]:
        op = node.op
        if isinstance(op, ast.Add | ast.Sub):
            left, _, _ = self.render(node.left)
            right, _ = self._operand(node.right, SUM, strict=isinstance(op, ast.Sub))
            return f"{left} {'+' if isinstance(op, ast.Add) else MINUS} {right}", SUM, False
        if isinstance(op, ast.Mult):
            left, lprec, _ = self.render(node.left)
            if lprec < PRODUCT:
                left = f"({left})"
            right_text, rprec, ratom = self.render(node.right)
            if self.juxtapose and isinstance(node.left, ast.Constant) and ratom:
                return f"{left}({right_text})", PRODUCT, False  # the page's 0.9(0.2), 0.5(−0.038)
            right, _ = self._operand(node.right, PRODUCT)
            return f"{left} × {right}", PRODUCT, False
        if isinstance(op, ast.Div):
            self.juxtapose, was = False, self.juxtapose
            left, lprec, _ = self.render(node.left)
            self.juxtapose = was
            if lprec < PRODUCT:
                left = f"({left})"
            right, _ = self._operand(node.right, POWER)
            return f"{left}/{right}", PRODUCT, False
        if isinstance(op, ast.Pow):
            base, bprec, _ = self.render(node.left)
            if bprec < ATOM or base.startswith(MINUS):
                base = f"({base})"
            exp = node.right
            if isinstance(exp, ast.Constant) and isinstance(exp.value, int) and not isinstance(exp.value, bool):
                return base + str(exp.value).translate(SUPERSCRIPT), POWER, False
            raise NotationError(f"no page notation for the power {ast.unparse(node)!r}")
        raise NotationError(f"no page notation for {ast.unparse(node)!r}")

    def _call(self, name: str, arg) -> tuple[str, int, bool]:
        text, prec, atom = self.render(arg)
        bracketed = text if text.startswith("[") else f"({text})"
        if name == "sqrt":
            return ("√" + text if atom and not text.startswith(MINUS) else f"√({text})"), ATOM, False
        if name == "exp":
            return ("e^" + text if atom and not text.startswith(MINUS) else f"e^({text})"), ATOM, False
        if name == "log":
            return ("log " + text if atom and not text.startswith(MINUS) else f"log({text})"), POWER, False
        if name == "abs":
            return f"|{text}|", ATOM, False
        return ("σ" if name == "sigmoid" else "softmax") + bracketed, ATOM, False


def render(slip: str, printed: dict[str, str]) -> str:
    """``slip`` in the page's notation, each ``{claim-id}`` replaced by ``printed[claim-id]``."""
    names: dict[str, str] = {}

    def sub(m):
        key = f"_r{len(names)}"
        if m.group(1) not in printed:
            raise NotationError(f"no printed value for {{{m.group(1)}}}")
        names[key] = printed[m.group(1)]
        return key

    source = REF.sub(sub, slip)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise NotationError(f"not an expression: {slip!r} ({exc.msg})") from None
    return _Renderer(source, names).render(tree.body)[0]
