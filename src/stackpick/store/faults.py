"""What the store does when the disk, the user or a signal gets in the way: one clear line for
a write the disk refuses or a row it cannot read, and Ctrl-C held back during a commit."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_DEFERRED = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                  if hasattr(signal, name))


@contextlib.contextmanager
def ctrl_c_deferred() -> Iterator[None]:
    """Hold Ctrl-C (and SIGTERM or SIGHUP where a handler turns them into an interrupt) back
    until the block is done, then act on it as the handler in place would have: for an update
    that must not be cut in half. Python takes signals in the main thread only, and blocking
    them would not do (another thread of the process receives it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[tuple[int, Any]] = []
    previous: dict[int, Any] = {}
    for sig in _DEFERRED:
        if sig == signal.SIGINT or callable(signal.getsignal(sig)):
            previous[sig] = signal.signal(sig, lambda signum, frame: caught.append(
                (signum, frame)))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if caught:
        handler = previous[caught[0][0]]
        if callable(handler):
            handler(*caught[0])
        elif handler != signal.SIG_IGN:
            raise KeyboardInterrupt


def write_failure(path: Path, exc: sqlite3.Error) -> str:
    """One line for a write the disk refused, saying what to do; committed rows stay."""
    text = str(exc).lower()
    if "full" in text:
        why = "the disk is full; free some space, or pass --db with a file on another disk"
    elif "readonly" in text or "read-only" in text or "unable to open" in text:
        why = ("it is read-only (file, directory or mount); pass --db with a writable file, "
               f"e.g. a copy: cp {path} /tmp/stackpick.db")
    else:
        why = f"{exc}; check the disk and pass --db with another file if it persists"
    return f"cannot write to the store {path}: {why} (everything committed before is kept)"


def unreadable(path: Path, what: str, exc: Exception) -> str:
    """One line for a stored row this version cannot read (e.g. edited by hand)."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return (f"{what} in {path} cannot be read ({first[:200]}); was it edited by hand? "
            "Render another run, or delete that run's rows")


def open_failure(path: Path, exc: sqlite3.Error) -> str:
    """One line for a store that cannot be opened: a disk or permission problem says so, and
    anything else is a file that is not a (sound) SQLite database."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and any(
            w in text for w in ("readonly", "read-only", "unable to open", "full", "disk i/o")):
        return write_failure(path, exc)
    return (f"cannot use {path} as a store ({exc}); it may be corrupt or not a database: "
            "move it aside or pass --db with another file")
