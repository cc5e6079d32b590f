"""Ctrl-C and SIGTERM as ordinary events.

:func:`handling` (used by the CLI around every command) installs handlers that

- on the first SIGINT or SIGTERM record it and raise :class:`KeyboardInterrupt` in the main
  thread: the command unwinds (worker pools are terminated on the way, see
  :mod:`nnconf.run.parallel`), nothing is committed, and the exit code is 130 (SIGINT) or 143
  (SIGTERM);
- on a second one end the process at once (``os._exit``) with the same code: no hang, no
  screen of tracebacks. Workers then end themselves (they watch their parent), and the staging
  directory left behind is removed by the next run.

A KeyboardInterrupt can be swallowed where Python cannot raise it (a ``__del__``, a callback:
"Exception ignored in …"). The signal is recorded anyway, and :func:`check` — called before
anything is moved into place — raises again, so an interrupted run never replaces the
previous output. :func:`deferred` blocks the signals for a short critical section (moving a
finished set of files into place) and delivers them afterwards.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received: int | None = None


def received() -> int | None:
    """The signal number of the interrupt received during this command, if any."""
    return _received


def exit_code() -> int:
    return 128 + (_received or signal.SIGINT)


def check() -> None:
    """Raise KeyboardInterrupt if an interrupt arrived, even one swallowed on its way."""
    if _received is not None:
        raise KeyboardInterrupt


def _handler(signum, frame):
    global _received
    if _received is not None:  # the second one: leave now
        os.write(2, b"nnconf: interrupted again; stopping at once\n")
        os._exit(128 + signum)
    _received = signum
    raise KeyboardInterrupt


@contextmanager
def handling():
    """Install the handlers for the duration of a command (main thread only; restored after)."""
    global _received
    _received = None
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in _SIGNALS}
    for s in _SIGNALS:
        signal.signal(s, _handler)
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)


def ignore() -> None:
    """Ignore SIGINT and SIGTERM from now on (the process is about to exit)."""
    if threading.current_thread() is threading.main_thread():
        for s in _SIGNALS:
            signal.signal(s, signal.SIG_IGN)


@contextmanager
def deferred():
    """Hold SIGINT/SIGTERM back for a short critical section; they arrive when it ends."""
    if threading.current_thread() is not threading.main_thread() or sys.platform == "win32":
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
