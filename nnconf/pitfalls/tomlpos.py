"""Line numbers of a TOML document's keys and tables, for ``FILE:LINE`` errors.

:func:`positions` scans the text with a small TOML lexer (strings of all four kinds, comments,
nested arrays and inline tables, dotted and quoted keys, ``[table]`` and ``[[array]]``
headers) and maps each key's *resolved path* to the line where it is written. A resolved
path names array-of-tables elements by index, as the parsed document does::

    [[row]]            ("row", 0)                 -> line of the header
    id = "x"           ("row", 0, "id")           -> line of the key
    [[row.symptom]]    ("row", 0, "symptom", 0)
    [row.fixed_arm]    ("row", 0, "fixed_arm")

Keys inside an inline table or an array value get the line of the key that holds the value.
The document itself is parsed by :mod:`tomllib`; this module only says where things are, so
a validator can point at the line of the offending key (:func:`line_of`).
"""

from __future__ import annotations

BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class _Lexer:
    def __init__(self, text: str):
        self.s, self.i, self.line = text, 0, 1

    def peek(self, n: int = 1) -> str:
        return self.s[self.i:self.i + n]

    def advance(self, n: int = 1) -> None:
        self.line += self.s.count("\n", self.i, self.i + n)
        self.i += n

    def blank(self) -> None:
        """Spaces, tabs and a comment, not newlines."""
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t":
                self.i += 1
            elif c == "#":
                end = self.s.find("\n", self.i)
                self.i = len(self.s) if end < 0 else end
            else:
                return

    def string(self) -> str:
        """One string starting at the cursor; returns its raw content."""
        for quote in ('"""', "'''"):
            if self.peek(3) == quote:
                start = self.i + 3
                end = self.s.find(quote, start)
                while end >= 0 and quote == '"""' and _escaped(self.s, end):
                    end = self.s.find(quote, end + 1)
                end = len(self.s) if end < 0 else end
                while self.s[end + 3:end + 4] == quote[0]:  # up to two quotes end the content
                    end += 1
                self.advance(end + 3 - self.i)
                return self.s[start:end]
        quote, start = self.s[self.i], self.i + 1
        j = start
        while j < len(self.s) and self.s[j] != quote and self.s[j] != "\n":
            j += 2 if quote == '"' and self.s[j] == "\\" else 1
        self.advance(min(j + 1, len(self.s)) - self.i)
        return self.s[start:j]

    def key(self) -> tuple[str, ...]:
        """A dotted key, e.g. ``a."b c".d``."""
        parts = []
        while True:
            self.blank()
            c = self.peek()
            if c in ('"', "'"):
                parts.append(self.string())
            else:
                j = self.i
                while j < len(self.s) and self.s[j] in BARE:
                    j += 1
                parts.append(self.s[self.i:j])
                self.i = j
            self.blank()
            if self.peek() != ".":
                return tuple(parts)
            self.i += 1

    def value(self) -> None:
        """Skip one value (nested arrays and inline tables included)."""
        depth = 0
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in ('"', "'"):
                self.string()
                continue
            if c == "#":
                self.blank()
                continue
            if c in "[{":
                depth += 1
            elif c in "]}":
                depth -= 1
            elif c == "\n" and depth <= 0:
                return
            self.advance()
            if depth <= 0 and c in "]}":
                return


def _escaped(s: str, k: int) -> bool:
    n = 0
    while k - 1 - n >= 0 and s[k - 1 - n] == "\\":
        n += 1
    return n % 2 == 1


def positions(text: str) -> dict[tuple, int]:
    """``{resolved path: line}`` for every table header and key of ``text`` (1-based lines)."""
    lx, out = _Lexer(text), {}
    arrays: dict[tuple, int] = {}  # resolved path of an array of tables -> elements so far
    table: tuple = ()

    def resolve(keys: tuple, last_is_array: bool) -> tuple:
        path: tuple = ()
        for n, k in enumerate(keys):
            path += (k,)
            if n < len(keys) - 1 and path in arrays:
                path += (arrays[path] - 1,)
        if last_is_array:
            index = arrays.get(path, 0)
            arrays[path] = index + 1
            path += (index,)
        return path

    while lx.i < len(lx.s):
        lx.blank()
        c = lx.peek()
        if c == "":
            break
        if c in "\r\n":
            lx.advance()
            continue
        line = lx.line
        if c == "[":
            double = lx.peek(2) == "[["
            lx.i += 2 if double else 1
            keys = lx.key()
            lx.i += 2 if double else 1
            table = resolve(keys, double)
            out.setdefault(table, line)
            lx.blank()
            continue
        keys = lx.key()
        if not keys or keys == ("",):  # not a key: skip the line
            end = lx.s.find("\n", lx.i)
            lx.i = len(lx.s) if end < 0 else end
            continue
        lx.blank()
        if lx.peek() == "=":
            lx.i += 1
            lx.blank()
            lx.value()
        for n in range(1, len(keys) + 1):
            out.setdefault(table + keys[:n], line)
    return out


def line_of(pos: dict[tuple, int], path: tuple) -> int:
    """The line of ``path`` or, when it is not written itself (a default, a key inside an
    inline value), of its nearest written ancestor; 1 when none is."""
    for n in range(len(path), 0, -1):
        if path[:n] in pos:
            return pos[path[:n]]
    return 1
