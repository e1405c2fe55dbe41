"""Tail percentiles that mean what they say.

A cell whose calls are shorter than the clock can time well is sampled in loops of k calls,
and each sample is then the mean of k calls. The median of such means estimates the median
per call closely, but their p90/p99 do not: averaging k calls pulls the tail in (on skewed
data the p99 of 2-call means is several percent below the per-call p99). So the tails come
from a separate pass of single-call samples (loops = 1), with the clock's own cost per reading
subtracted; without such a pass p90/p99 are withheld, and the percentiles of k-call means are
available only under that name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

P90_MIN_SAMPLES = 64  # MLPerf LoadGen's early-stopping minimum for the 90th percentile
P99_MIN_SAMPLES = 662  # ... and for the 99th

PER_CALL = "per call"


def nearest_rank(sorted_values: Sequence[float], q: float) -> float:
    """The q-quantile by the nearest-rank rule (what LoadGen reports)."""
    rank = max(math.ceil(q * len(sorted_values)), 1)
    return float(sorted_values[rank - 1])


@dataclass(frozen=True)
class Tail:
    """p90 and p99 in ns with what they are percentiles of (``basis``); a value is None when
    there are too few samples for it or no per-call samples at all."""

    p90: float | None
    p99: float | None
    basis: str  # "per call" | "of 2-call means" | ...
    n: int
    reason: str | None = None  # why p90/p99 are missing

    @property
    def per_call(self) -> bool:
        return self.basis == PER_CALL


def _tail(values: Sequence[float], basis: str, offset: float = 0.0) -> Tail:
    ordered = sorted(max(float(v) - offset, 0.0) for v in values)
    n = len(ordered)
    p90 = nearest_rank(ordered, 0.90) if n >= P90_MIN_SAMPLES else None
    p99 = nearest_rank(ordered, 0.99) if n >= P99_MIN_SAMPLES else None
    reason = None if p99 is not None else (
        f"{n} samples; p99 needs {P99_MIN_SAMPLES}" if p90 is not None
        else f"{n} samples; p90 needs {P90_MIN_SAMPLES}")
    return Tail(p90, p99, basis, n, reason)


def cell_tail(samples: Sequence[float], loops: int,
              per_call_pass: Sequence[float] | None = None,
              clock_overhead_ns: float = 0.0) -> Tail:
    """p90/p99 per call for a cell.

    ``samples`` are the timed samples (ns per call; means of ``loops`` calls each). With
    ``loops`` == 1 they are per-call values already. Otherwise the per-call tails come from
    ``per_call_pass`` (single calls, each reading including ``clock_overhead_ns`` that is
    subtracted); without a pass both are None and ``reason`` says so."""
    if loops <= 1:
        return _tail(samples, PER_CALL)
    if per_call_pass:
        return _tail(per_call_pass, PER_CALL, clock_overhead_ns)
    return Tail(None, None, f"of {loops}-call means", len(samples),
                f"timed in loops of {loops}: p90/p99 of {loops}-call means are not per call")


def loop_mean_tail(samples: Sequence[float], loops: int) -> Tail:
    """The percentiles of the k-call means themselves, labelled as such (for a detail view)."""
    return _tail(samples, PER_CALL if loops <= 1 else f"of {loops}-call means")
