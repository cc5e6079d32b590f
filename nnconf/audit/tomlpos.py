"""Where each statement of a TOML document stands: a tokenizer that knows TOML's comments,
strings (basic, literal, multi-line) and bracketed values, run on a document ``tomllib`` has
already accepted. It gives the line of every table header and of every key, so the
catalogue's errors name the line of the entry and of the offending key; a ``[[claim]]`` with a
trailing comment, a ``[[claim]]`` inside a multi-line string or an inline array ``claim = [{…}]``
are told apart from the real headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Entry:
    """One table of the document: a header (``[[name]]`` or ``[name]``) or the top level."""
    name: str | None  # None: the top level, before any header
    array: bool
    line: int
    keys: dict[str, int] = field(default_factory=dict)  # first key component -> line


def _skip_string(text: str, i: int, line: int) -> tuple[int, int]:
    """Skip the string starting at ``text[i]``; return the position after it and the line."""
    q = text[i]
    triple = text.startswith(q * 3, i)
    if triple:
        j = i + 3
        while j < len(text):
            if q == '"' and text[j] == "\\":
                line += text[j + 1] == "\n"
                j += 2
                continue
            if text.startswith(q * 3, j):
                j += 3
                while j < len(text) and text[j] == q and text[j - 3:j] == q * 3:
                    j += 1  # up to two quotes may stand before the closing delimiter
                return j, line
            line += text[j] == "\n"
            j += 1
        return j, line
    j = i + 1
    while j < len(text) and text[j] != q and text[j] != "\n":
        j += 2 if (q == '"' and text[j] == "\\") else 1
    return j + 1, line


def _skip_comment(text: str, i: int) -> int:
    j = text.find("\n", i)
    return len(text) if j < 0 else j


def _key(text: str, i: int) -> tuple[str, int]:
    """Read a (possibly dotted, possibly quoted) key up to ``=``; return its first component."""
    start = i
    parts, cur = [], ""
    while i < len(text) and text[i] not in "=\n":
        c = text[i]
        if c in "\"'":
            j, _ = _skip_string(text, i, 0)
            cur += text[i + 1:j - 1]
            i = j
            continue
        if c == ".":
            parts.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    parts.append(cur.strip())
    return (parts[0] if parts else text[start:i].strip()), i


def statements(text: str) -> list[Entry]:
    """The tables of ``text`` in order, the top level first, each with its keys' lines."""
    entries = [Entry(None, False, 1)]
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif c == "#":
            i = _skip_comment(text, i)
        elif c == "[":  # a table header: the only place a statement starts with '['
            array = text.startswith("[[", i)
            j = i + (2 if array else 1)
            name = ""
            while j < n and text[j] != "]":
                if text[j] in "\"'":
                    k, _ = _skip_string(text, j, 0)
                    name += text[j:k]
                    j = k
                else:
                    name += text[j]
                    j += 1
            entries.append(Entry(name.strip(), array, line))
            i = _skip_comment(text, j)  # the rest of the line: ']]', spaces, a comment
        else:
            key, i = _key(text, i)
            entries[-1].keys.setdefault(key, line)
            i, line = _skip_value(text, i + 1, line)
    return entries


def _skip_value(text: str, i: int, line: int) -> tuple[int, int]:
    """Skip a value (after ``=``) to the end of its last line."""
    depth, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            i, line = _skip_string(text, i, line)
        elif c == "#":
            i = _skip_comment(text, i)
        elif c in "[{":
            depth += 1
            i += 1
        elif c in "]}":
            depth -= 1
            i += 1
        elif c == "\n":
            if depth <= 0:
                return i, line
            line += 1
            i += 1
        else:
            i += 1
    return i, line
