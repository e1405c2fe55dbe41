"""Where a worker puts its own temporary files (browser profiles, exported models): under the
study's run directory, which the parent removes however the study ends (harness/rundir.py).
The parent names it in the worker's environment; without it, the system's temp directory."""

from __future__ import annotations

import os

RUN_DIR_ENV = "STACKPICK_RUN_DIR"
PARENT_PID_ENV = "STACKPICK_PARENT_PID"  # the worker dies with this process (worker/lifeline)


def scratch_root() -> str | None:
    """The directory for ``tempfile``'s ``dir=`` (None: the system's temp directory)."""
    path = os.environ.get(RUN_DIR_ENV)
    return path if path and os.path.isdir(path) else None
