"""Command-line option types that check ranges, and an argument parser whose errors are one line.

Every numeric option is checked by argparse itself, before any work starts; a bad value is one
line naming the option (``nnconf mnist: error: argument --batch-size: must be an integer ≥ 1,
got 0``) and exit code 2.
"""

from __future__ import annotations

import argparse
import math
import sys


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (usage is in ``--help``)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def exit(self, status: int = 0, message: str | None = None):
        if message:
            try:
                sys.stderr.write(message)
            except (OSError, ValueError):
                pass
        raise SystemExit(status)


def integer(minimum: int):
    """An integer ≥ ``minimum``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer ≥ {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer ≥ {minimum}, got {value}")
        return value
    parse.__name__ = f"integer ≥ {minimum}"
    return parse


def positive_float(text: str) -> float:
    """A finite number > 0 (learning rates, timeouts)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def non_empty(what: str):
    """A non-empty string (paths: ``''`` is not a directory or a file)."""
    def parse(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"an empty {what} name is not allowed (use '.' for the "
                                             "current directory)" if what == "directory" else
                                             f"an empty {what} name is not allowed")
        return text
    parse.__name__ = what
    return parse


def verdict_list(text: str, known: tuple[str, ...]) -> tuple[str, ...]:
    """``--fail-on``: comma-separated verdicts, each one of ``known`` (else ``ValueError``)."""
    chosen = tuple(v.strip() for v in text.split(",") if v.strip())
    unknown = [v for v in chosen if v not in known]
    if unknown:
        raise ValueError(f"--fail-on: unknown verdict(s) {unknown}; known: {', '.join(known)}")
    return chosen


directory = non_empty("directory")
file = non_empty("file")


class UsageError(Exception):
    """Bad usage: one line on standard error, exit code 2."""
