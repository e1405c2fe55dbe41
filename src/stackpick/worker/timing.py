"""The timing loop that runs inside a worker: loop calibration, adaptive warm-up, sampling.

Every function takes the clock as an argument (``perf_counter_ns`` in production, a scripted
clock in tests), so the rules are tested deterministically without sleeping.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stackpick.protocol.messages import WarmupRule

__all__ = ["WarmupResult", "WarmupRule", "calibrate_loops", "take_samples", "time_once",
           "warm_up"]

Clock = Callable[[], int]
DEFAULT_CLOCK: Clock = time.perf_counter_ns

# Calls shorter than this are timed in loops of k calls: perf_counter_ns and the loop cost
# ~100 ns, so a sample must be long enough for that to vanish in it.
MIN_SAMPLE_NS = 50_000


@dataclass(frozen=True)
class WarmupResult:
    calls: int
    seconds: float
    converged: bool


def time_once(fn: Callable[[], Any], loops: int, clock: Clock = DEFAULT_CLOCK) -> int:
    """Nanoseconds for ``loops`` calls of ``fn``; the single-call path avoids loop overhead."""
    if loops == 1:
        t0 = clock()
        fn()
        return clock() - t0
    t0 = clock()
    for _ in range(loops):
        fn()
    return clock() - t0


def calibrate_loops(fn: Callable[[], Any], clock: Clock = DEFAULT_CLOCK,
                    min_sample_ns: int = MIN_SAMPLE_NS) -> int:
    """How many calls one sample must hold so it lasts at least ``min_sample_ns``."""
    single = max(min(time_once(fn, 1, clock) for _ in range(3)), 1)
    if single >= min_sample_ns:
        return 1
    loops = -(-min_sample_ns // single)  # ceil division
    # Re-measure with the estimate: a first guess from one tiny call is often too high.
    per_call = max(time_once(fn, loops, clock) // loops, 1)
    return max(1, -(-min_sample_ns // per_call))


def warm_up(fn: Callable[[], Any], loops: int, rule: WarmupRule | None = None,
            clock: Clock = DEFAULT_CLOCK) -> WarmupResult:
    """Run windows of samples until their medians agree, bounded by calls and time."""
    rule = rule or WarmupRule()
    start = clock()
    budget_ns = int(rule.max_seconds * 1e9)
    previous: float | None = None
    windows = calls = 0
    while True:
        window = [time_once(fn, loops, clock) for _ in range(rule.window)]
        calls += rule.window * loops
        windows += 1
        median = statistics.median(window)
        agreed = previous is not None and abs(median - previous) <= rule.tolerance * previous
        elapsed = clock() - start
        if windows >= rule.min_windows and agreed:
            return WarmupResult(calls, elapsed / 1e9, True)
        if calls >= rule.max_calls or elapsed >= budget_ns:
            return WarmupResult(calls, elapsed / 1e9, False)
        previous = median


def take_samples(fn: Callable[[], Any], loops: int, budget_s: float, max_samples: int,
                 clock: Clock = DEFAULT_CLOCK) -> list[float]:
    """Per-call nanoseconds, one value per sample, for about ``budget_s`` (at least one)."""
    samples: list[float] = []
    append = samples.append
    deadline = clock() + int(budget_s * 1e9)
    if loops == 1:
        while True:
            t0 = clock()
            fn()
            t1 = clock()
            append(float(t1 - t0))
            if t1 >= deadline or len(samples) >= max_samples:
                return samples
    while True:
        t0 = clock()
        for _ in range(loops):
            fn()
        t1 = clock()
        append((t1 - t0) / loops)
        if t1 >= deadline or len(samples) >= max_samples:
            return samples
