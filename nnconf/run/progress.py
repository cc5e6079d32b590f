"""Progress of long stages: a tqdm bar on a terminal, plain lines otherwise.

A bar redraws itself with carriage returns; written into a log file (``nnconf report > run.log
2>&1``) every redraw would stay there. So a bar is drawn only when standard error is a
terminal; otherwise a stage writes a line when it starts, at each quarter, and when it ends.
``enabled=False`` (``--no-progress``) writes nothing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable


class Progress:
    """``update(n)``, ``close()``, and ``wrap(iterable)``; a context manager."""

    def __init__(self, desc: str, total: int | None = None, *, enabled: bool = True,
                 unit: str = "step", stream=None):
        self.desc, self.total, self.unit = desc, total, unit
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.n, self._quarter, self._bar = 0, 0, None
        self._started = time.perf_counter()
        if not enabled:
            return
        if _is_terminal(self.stream):
            from tqdm import tqdm
            self._bar = tqdm(total=total, desc=desc, unit=unit, file=self.stream,
                             dynamic_ncols=True, leave=False)
        else:
            self._line(f"{desc}: started" + (f" ({total} {unit}s)" if total else ""))

    def _line(self, text: str) -> None:
        try:
            print(f"nnconf: {text}", file=self.stream, flush=True)
        except (OSError, ValueError):
            pass

    def update(self, n: int = 1) -> None:
        self.n += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.enabled and self.total:
            quarter = min(3, 4 * self.n // self.total)
            if quarter > self._quarter and self.n < self.total:
                self._quarter = quarter
                self._line(f"{self.desc}: {self.n}/{self.total} {self.unit}s")

    __call__ = update

    def close(self, *, finished: bool = True) -> None:
        """End the stage; the plain line says 'done' only when it ran to its end."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.enabled:
            if finished:
                self._line(f"{self.desc}: done ({self.n} {self.unit}s, "
                           f"{time.perf_counter() - self._started:.1f} s)")
        self.enabled = False

    def wrap(self, iterable: Iterable) -> Iterable:
        try:
            for item in iterable:
                yield item
                self.update()
        except BaseException:
            self.close(finished=False)
            raise
        self.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(finished=exc_type is None)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def wrapper(desc: str, enabled: bool, unit: str = "row"):
    """A function that wraps a sized iterable in a :class:`Progress` (for ``map_tasks``)."""
    def wrap(items):
        total = len(items) if hasattr(items, "__len__") else None
        return Progress(desc, total, enabled=enabled, unit=unit).wrap(items)
    return wrap
