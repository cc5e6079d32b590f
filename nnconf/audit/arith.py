"""Printed arithmetic, evaluated exactly: the page's own notation (``0.3(1) + 0.7(0.5)``,
``(1 − 0.9¹)``, ``√3.125``, ``10⁻⁸``, ``e^2.0``, ``−log 0.7``, ``σ([0.65, 0.0])``,
``softmax([0.375, 0.15])``, ``[−0.562, 0.562]ᵀ[0.657, 0.500]``, ``[[…], […]][…]ᵀ``).

:func:`parse` returns a :class:`Num` list (a number, a vector or a matrix, flattened row by
row, with the shape) or raises :class:`NotArithmetic` for anything else (a symbol, a
comparison). Each element carries the finest printed precision among the numbers it was
computed from, and the parse records the span of every number token it read. Printed numbers
are exact fractions and + − × / and integer powers keep them exact; exp, log, √, tanh, σ and
softmax are evaluated by mpmath at 50 digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import mpmath

from nnconf.audit.verdicts import DPS

MP = mpmath.MPContext()  # a context of its own at 50 digits: no global precision to set and reset
MP.dps = DPS

SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
TOKEN = re.compile(r"""
    (?P<space>[ \t\n]+|\*\*)
  | (?P<num>\d{1,3}(?:[ \u202f\u2009]\d{3})+(?![\d.])|\d+(?:\.\d+)?(?:e[−-]?\d+)?|½)
  | (?P<sup>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)
  | (?P<func>softmax|σ|sigmoid|log|ln|exp|tanh|e\^|√)
  | (?P<op>[-−+×·*/()\[\],ᵀ^])
  | (?P<other>.)
""", re.X)
MAX_LEN = 400  # longer members are not arithmetic the page prints (and parsing stays linear)


class NotArithmetic(ValueError):
    """The text is not printed arithmetic."""


@dataclass
class Num:
    v: object  # Fraction (exact) or mpmath.mpf (after a transcendental function)
    dec: int  # finest printed decimals among the numbers it comes from


def to_mp(v):
    """A value as an mpmath number."""
    return MP.mpf(v.numerator) / v.denominator if isinstance(v, Fraction) else v


_mp = to_mp


def _op(f):
    """``f`` on two values: exact on two fractions, else in mpmath."""
    def g(a, b):
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return f(a, b)
        return f(_mp(a), _mp(b))
    return g


def _pow(a, b):
    """``a ** b``: exact for a fraction to a small integer power; mpmath otherwise (a huge
    printed exponent such as 10⁹⁹⁹⁹⁹⁹⁹ must not build a huge integer)."""
    if (isinstance(b, Fraction) and b.denominator == 1 and abs(b) <= 64 and isinstance(a, Fraction)
            and (a != 0 or b >= 0)):
        return a ** int(b)
    if _mp(a) == 0 and _mp(b) < 0:
        raise ZeroDivisionError("0 to a negative power")
    return _mp(a) ** _mp(b)


def _fn(f):
    return lambda a: f(_mp(a))


@dataclass
class Value:
    items: list  # Num, row by row
    shape: tuple  # () number, (n,) row vector, (n, 1) column, (r, c) matrix


def _dec(tok: str) -> int:
    return len(tok.split(".")[1].split("e")[0]) if "." in tok else 0


def _tokens(text: str):
    out = []
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "space":
            continue
        if kind == "other":
            raise NotArithmetic(f"{m.group()!r} at {m.start()}")
        out.append((kind, m.group(), m.start(), m.end()))
    return out


class _Parser:
    def __init__(self, text: str):
        if len(text) > MAX_LEN:
            raise NotArithmetic("too long")
        self.toks, self.i, self.spans = _tokens(text), 0, []

    def peek(self, k=0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else (None, None, -1, -1)

    def take(self, want=None):
        t = self.peek()
        if t[0] is None or (want is not None and t[1] != want):
            raise NotArithmetic(f"expected {want!r}, found {t[1]!r}")
        self.i += 1
        return t

    def parse(self) -> Value:
        v = self.expr()
        if self.peek()[0] is not None:
            raise NotArithmetic(f"unexpected {self.peek()[1]!r}")
        return v

    def expr(self) -> Value:
        v = self.term()
        while self.peek()[1] in ("+", "-", "−"):
            op = self.take()[1]
            w = self.term()
            v = _zip(v, w, _op(lambda a, b: a + b) if op == "+" else _op(lambda a, b: a - b))
        return v

    def term(self) -> Value:
        v = self.unary()
        while True:
            kind, tok = self.peek()[:2]
            if tok in ("×", "·", "*", "/"):
                self.take()
                w = self.unary()
                v = _zip(v, w, _op(lambda a, b: a / b) if tok == "/" else _op(lambda a, b: a * b))
            elif tok in ("(", "[") or kind in ("func",):  # juxtaposition: 0.3(1), [..]ᵀ[..], 0·log 0.1
                v = _juxtapose(v, self.unary())
            else:
                return v

    def unary(self) -> Value:
        if self.peek()[1] in ("-", "−"):
            self.take()
            return _map(self.unary(), lambda a: -a)
        if self.peek()[1] == "+":
            self.take()
        return self.power()

    def power(self) -> Value:
        v = self.primary()
        while True:
            kind, tok = self.peek()[:2]
            if kind == "sup":
                self.take()
                if len(tok.translate(SUPER).lstrip("+-")) > 6:
                    raise NotArithmetic(f"exponent {tok} out of range")
                e = Fraction(int(tok.translate(SUPER)))
                v = _map(v, lambda a, e=e: _pow(a, e))
            elif tok == "^":
                self.take()
                e = self.unary()
                v = _zip(v, e, _pow)
            elif tok == "ᵀ":
                self.take()
                v = _transpose(v)
            else:
                return v

    def primary(self) -> Value:
        kind, tok, s, e = self.take()
        if kind == "num":
            self.spans.append((s, e))
            text = "0.5" if tok == "½" else re.sub(r"[ \u202f\u2009]", "", tok).replace("−", "-")
            if self.peek()[0] == "sup":  # 10⁻⁸: the exponent belongs to the number
                _, sup, _, e2 = self.take()
                self.spans[-1] = (s, e2)
                exp = sup.translate(SUPER)
                if len(exp.lstrip("+-")) > 6:
                    raise NotArithmetic(f"exponent {sup} out of range")
                return Value([Num(_pow(Fraction(text), Fraction(int(exp))), _dec(text))], ())
            return Value([Num(Fraction(text), _dec(text))], ())
        if tok == "(":
            v = self.expr()
            self.take(")")
            return v
        if tok == "[":
            items = [self.expr()]
            while self.peek()[1] == ",":
                self.take()
                items.append(self.expr())
            self.take("]")
            if len(items) == 1:
                return items[0]  # [ … ] as brackets: (1/3)[(0 − 0.1)² + …]
            if all(it.shape == () for it in items):
                return Value([it.items[0] for it in items], (len(items),))
            if all(len(it.shape) == 1 and it.shape == items[0].shape for it in items):
                return Value([x for it in items for x in it.items], (len(items), items[0].shape[0]))
            raise NotArithmetic("ragged brackets")
        if kind == "func":
            arg = self.unary() if tok in ("√", "e^", "log", "ln") and self.peek()[1] != "(" else self.primary()
            f = {"log": MP.log, "ln": MP.log, "exp": MP.exp, "e^": MP.exp, "√": MP.sqrt,
                 "tanh": MP.tanh, "σ": lambda a: 1 / (1 + MP.exp(-a)),
                 "sigmoid": lambda a: 1 / (1 + MP.exp(-a))}.get(tok)
            if f is not None:
                return _map(arg, _fn(f))
            if not arg.shape:
                raise NotArithmetic("softmax of a number")
            ex = [MP.exp(_mp(x.v)) for x in arg.items]
            total = MP.fsum(ex)
            dec = max(x.dec for x in arg.items)
            return Value([Num(x / total, dec) for x in ex], arg.shape)
        raise NotArithmetic(f"unexpected {tok!r}")


def _map(v: Value, f) -> Value:
    return Value([Num(f(x.v), x.dec) for x in v.items], v.shape)


def _zip(a: Value, b: Value, f) -> Value:
    if not a.shape or not b.shape:
        if a.shape:
            return Value([Num(f(x.v, b.items[0].v), max(x.dec, b.items[0].dec)) for x in a.items], a.shape)
        return Value([Num(f(a.items[0].v, y.v), max(a.items[0].dec, y.dec)) for y in b.items], b.shape)
    if len(a.items) != len(b.items):
        raise NotArithmetic("shapes differ")
    return Value([Num(f(x.v, y.v), max(x.dec, y.dec)) for x, y in zip(a.items, b.items, strict=True)], a.shape)


def _transpose(v: Value) -> Value:
    if len(v.shape) == 1:
        return Value(v.items, (v.shape[0], 1))
    if len(v.shape) == 2:
        r, c = v.shape
        if c == 1:
            return Value(v.items, (r,))
        return Value([v.items[i * c + j] for j in range(c) for i in range(r)], (c, r))
    return v


def _juxtapose(a: Value, b: Value) -> Value:
    """Product by juxtaposition: scalar times anything, column·row (outer), matrix·column."""
    if not a.shape or not b.shape:
        return _zip(a, b, lambda x, y: x * y)
    ra, ca = a.shape if len(a.shape) == 2 else (1, a.shape[0])
    rb, cb = b.shape if len(b.shape) == 2 else (1, b.shape[0])
    if ca != rb:
        raise NotArithmetic(f"cannot multiply {a.shape} by {b.shape}")
    out = []
    for i in range(ra):
        for j in range(cb):
            terms = [(a.items[i * ca + k], b.items[k * cb + j]) for k in range(ca)]
            total = Fraction(0)
            for x, y in terms:
                total = _op(lambda p, q: p + q)(total, _op(lambda p, q: p * q)(x.v, y.v))
            out.append(Num(total, max(max(x.dec, y.dec) for x, y in terms)))
    return Value(out, (ra, cb) if (ra, cb) != (1, 1) else ())


def parse(text: str) -> tuple[Value, list[tuple[int, int]]]:
    """The value of printed arithmetic ``text`` and the spans of the numbers it read."""
    p = _Parser(text)
    try:
        return p.parse(), p.spans
    except (ZeroDivisionError, ValueError, TypeError, RecursionError) as exc:
        if isinstance(exc, NotArithmetic):
            raise
        raise NotArithmetic(str(exc)) from None
