"""A worker dies with its parent, even while it hangs.

Workers run in their own session (the parent kills a worker's whole process group), so a
terminal's Ctrl-C or a killed parent does not reach them. On Linux the kernel sends SIGKILL
when the parent goes (``prctl(PR_SET_PDEATHSIG)``, armed by the worker itself: a
``preexec_fn`` is unsafe in the parent, which starts workers while other threads run).
The kernel ties the signal to the parent *thread* that started the worker, so the parent
starts workers only from long-lived threads (see LocalExecutor.prestart). Elsewhere a
watchdog thread polls the parent's pid.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

from stackpick.protocol.scratch import PARENT_PID_ENV

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_S = 1.0


def _arm_death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    return False


def _watch(parent: int) -> None:
    while True:
        time.sleep(WATCH_S)
        if os.getppid() != parent:
            os._exit(1)


def die_with_parent() -> None:
    """Arm the parent-death signal (or the watchdog) for the parent named in the environment;
    exit now if that parent is already gone (it died before the signal was armed)."""
    try:
        parent = int(os.environ.get(PARENT_PID_ENV) or 0)
    except ValueError:
        return
    if not parent:
        return
    if not _arm_death_signal():
        threading.Thread(target=_watch, args=(parent,), daemon=True,
                         name="stackpick-parent-watch").start()
    if os.getppid() != parent:
        os._exit(1)
