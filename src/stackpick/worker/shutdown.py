"""How a worker ends: its own clean-ups, then ``os._exit``.

A framework's interpreter shutdown (module teardown, TensorFlow's and inductor's exit hooks)
took about a second per worker here, and the study closes every worker at the end of each
pass. Nothing a worker holds needs a graceful exit (every result is already sent), so it runs
only the clean-ups registered here (a browser page's Chromium and temporary folder) and exits.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import NoReturn

_CLEANUPS: list[Callable[[], None]] = []


def on_exit(fn: Callable[[], None]) -> None:
    """Run ``fn`` when the worker ends (a plain return or a request to stop)."""
    _CLEANUPS.append(fn)


def exit_now(code: int = 0) -> NoReturn:
    """Run the registered clean-ups (newest first), flush, and leave without teardown."""
    for fn in reversed(_CLEANUPS):
        try:
            fn()
        except Exception as exc:  # a failing clean-up must not block the exit
            print(f"stackpick worker: clean-up failed: {exc}", file=sys.stderr)
    sys.stderr.flush()
    os._exit(code)
