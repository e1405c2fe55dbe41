"""Which process owns a run, and whether it is still alive.

A run is "running" only while the process measuring it lives. A parent killed by SIGKILL (or
the machine losing power) cannot write "interrupted", so each run records its owner: pid,
process start time and host. A pid alone is not enough (pids are reused); the start time of
the process now holding that pid tells them apart. On another host nothing can be checked,
and the stored status stands.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass

import psutil

# Start times are read from /proc in clock ticks (Linux) and rounded; the same process reads
# back within a few ms, a different one that reused the pid started seconds apart at least.
SAME_START_S = 1.0


@dataclass(frozen=True)
class Owner:
    pid: int
    started: float  # the process's start time (seconds since the epoch)
    host: str

    @classmethod
    def me(cls) -> Owner:
        pid = os.getpid()
        return cls(pid, psutil.Process(pid).create_time(), platform.node())

    def alive(self) -> bool:
        """False only when this host can tell the owner is gone (dead or its pid reused)."""
        if self.host != platform.node():
            return True
        try:
            process = psutil.Process(self.pid)
            started = process.create_time()
            if process.status() == psutil.STATUS_ZOMBIE:
                return False
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return False
        except psutil.Error:
            return True  # exists, but not ours to inspect
        return abs(started - self.started) < SAME_START_S
