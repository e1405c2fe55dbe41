"""Resident memory of the current process: a point reading and a polled peak."""

from __future__ import annotations

import threading
from types import TracebackType

import psutil

_SELF = psutil.Process()


def current_rss() -> int:
    """Resident set size of this process in bytes, now (psutil: the same reading on Linux,
    macOS and Windows, where ``ru_maxrss`` would be a lifetime peak in differing units)."""
    return int(_SELF.memory_info().rss)


class PeakSampler:
    """Polls RSS in a thread while a block runs. Used in a pass separate from timing, since
    polling takes CPU time the timed calls would otherwise have."""

    def __init__(self, interval_s: float = 0.002) -> None:
        self.interval_s = interval_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, current_rss())
            self._stop.wait(self.interval_s)

    def __enter__(self) -> PeakSampler:
        self.peak = current_rss()
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, current_rss())
