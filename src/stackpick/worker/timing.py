"""The timing loop that runs inside a worker: loop calibration, adaptive warm-up, sampling.

Every function takes the clock as an argument (``perf_counter_ns`` in production, a scripted
clock in tests), so the rules are tested deterministically without sleeping.
"""

from __future__ import annotations

import os
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


@dataclass(frozen=True)
class QuietRule:
    """How long a worker waits, after its turn, for its own runtime to go idle.

    Thread pools keep spinning after the work is done (ONNX Runtime's intra-op pool for
    ~35 ms here, libgomp up to GOMP_SPINCOUNT, oneTBB, Eigen's pool in TensorFlow and XLA),
    and inductor's compile workers (child processes) start seconds after torch-compile's
    first compile. On a machine with as many cores as intra-op threads, that takes a core
    from the next backend's turn: measured here, ONNX Runtime's idle worker took 0.27 CPUs
    during torch's turns, and torch's median was 10% slower for it. So a turn ends only when
    the process (all its threads) stops using CPU while its main thread sleeps, and a set-up
    only when its children have too."""

    window_s: float = 0.004
    busy_share: float = 0.1  # quiet: under 10% of one CPU over a window
    max_s: float = 0.3
    # Child processes too (after a set-up: a compile pool starting). Their CPU time comes in
    # 10 ms ticks and an idle pool still ticks now and then, so that needs long windows; a
    # turn watches its own threads only (nanosecond process time).
    children: bool = False


SETUP_QUIET = QuietRule(window_s=0.05, max_s=10.0, children=True)


def tree_cpu(children: bool = True) -> Callable[[], float]:
    """A reader of the CPU seconds used by this process (all threads) and, with
    ``children``, by its child processes at the moment it is made (through psutil)."""
    kids = []
    if children:
        try:
            import psutil

            kids = psutil.Process().children(recursive=True)
        except Exception:  # no psutil, or the process table changed while it was read
            kids = []

    def read() -> float:
        total = time.process_time()
        for child in kids:
            try:
                t = child.cpu_times()
            except Exception:  # it ended meanwhile
                continue
            total += t.user + t.system
        return total
    return read


def wait_until_quiet(rule: QuietRule = QuietRule(), cpu: Callable[[], float] | None = None,
                     sleep: Callable[[float], None] = time.sleep,
                     now: Callable[[], float] = time.perf_counter) -> float:
    """Sleep in windows until the process and its children (the caller sleeps) use less
    than ``busy_share`` of a CPU over one window, at most ``max_s``; returns seconds waited."""
    cpu = cpu or tree_cpu(rule.children)
    start = now()
    while True:
        c0, t0 = cpu(), now()
        sleep(rule.window_s)
        used, elapsed = cpu() - c0, now() - t0
        if used <= rule.busy_share * elapsed or now() - start >= rule.max_s:
            return now() - start


def cpu_wait_s() -> float | None:
    """Seconds this process's threads have spent runnable but waiting for a CPU (Linux's
    per-thread ``schedstat`` run delay, summed over threads); None where the OS does not say.
    Taken around a turn it shows whether something else had the cores the turn needed."""
    total = 0
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return None
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                total += int(f.read().split()[1])
        except (OSError, IndexError, ValueError):  # a thread that ended meanwhile
            continue
    return total / 1e9
