"""The worker's timing rules, with the clock in the page: ``performance.now()``.

The rules are those of ``measure.timing`` (loop calibration, warm-up until two windows'
medians agree, sampling for a time budget); only the clock moves. Chromium coarsens
``performance.now()`` to 5 µs in a cross-origin isolated page (100 µs otherwise), so a sample
here lasts at least 1 ms, where that rounding is at most 0.5 %.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from stackpick.worker.timing import WarmupResult, WarmupRule

MIN_SAMPLE_NS = 1_000_000


class PageTimer:
    """Times the page's model with the page's clock; ``page`` evaluates JavaScript."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def time(self, loops: int, count: int) -> list[float]:
        """``count`` samples of ``loops`` calls each, in nanoseconds, timed in the page."""
        return [float(v) for v in self.page.evaluate(f"stackpick.time({loops}, {count})")]

    def calibrate_loops(self, min_sample_ns: int = MIN_SAMPLE_NS) -> int:
        """How many calls one sample must hold so it lasts at least ``min_sample_ns``."""
        single = max(min(self.time(1, 3)), 1.0)
        if single >= min_sample_ns:
            return 1
        loops = -(-min_sample_ns // int(single))
        per_call = max(self.time(loops, 1)[0] / loops, 1.0)  # the first guess is often high
        return max(1, -(-min_sample_ns // int(per_call)))

    def warm_up(self, loops: int, rule: WarmupRule | None = None) -> WarmupResult:
        """Windows of samples until their medians agree, bounded by calls and time."""
        rule = rule or WarmupRule()
        start = time.perf_counter()
        previous: float | None = None
        windows = calls = 0
        while True:
            median = statistics.median(self.time(loops, rule.window))
            calls += rule.window * loops
            windows += 1
            agreed = previous is not None and abs(median - previous) <= rule.tolerance * previous
            elapsed = time.perf_counter() - start
            if windows >= rule.min_windows and agreed:
                return WarmupResult(calls, elapsed, True)
            if calls >= rule.max_calls or elapsed >= rule.max_seconds:
                return WarmupResult(calls, elapsed, False)
            previous = median

    def take_samples(self, loops: int, budget_s: float, max_samples: int) -> list[float]:
        """Per-call nanoseconds for about ``budget_s`` (at least one sample), from the page."""
        values = self.page.evaluate(
            f"stackpick.sample({loops}, {budget_s * 1000.0!r}, {int(max_samples)})",
            timeout=budget_s + 120.0)
        return [float(v) for v in values]
