"""Statistics: median with a distribution-free CI, LoadGen-gated percentiles, bootstrap ratios."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from stackpick.protocol.cells import Summary

__all__ = ["Summary", "summarize"]

Z95 = 1.959963984540054
P90_MIN_SAMPLES = 64  # MLPerf LoadGen's early-stopping minimum for the 90th percentile
P99_MIN_SAMPLES = 662  # ... and for the 99th


def median_ci(sorted_values: Sequence[float]) -> tuple[float, float]:
    """95% CI of the median from order statistics (normal approximation to the binomial)."""
    n = len(sorted_values)
    if n < 6:  # too few for the order-statistic interval to exclude the extremes
        return float(sorted_values[0]), float(sorted_values[-1])
    half = Z95 * math.sqrt(n) / 2
    lo = max(math.floor(n / 2 - half), 0)
    hi = min(math.ceil(n / 2 + half), n - 1)
    return float(sorted_values[lo]), float(sorted_values[hi])


def nearest_rank(sorted_values: Sequence[float], q: float) -> float:
    """The q-quantile by the nearest-rank rule (what LoadGen reports)."""
    rank = max(math.ceil(q * len(sorted_values)), 1)
    return float(sorted_values[rank - 1])


def summarize(samples: Sequence[float]) -> Summary:
    if not samples:
        raise ValueError("no samples to summarise")
    values = sorted(float(v) for v in samples)
    n = len(values)
    arr = np.asarray(values)
    lo, hi = median_ci(values)
    median = float(np.median(arr))
    return Summary(
        n=n,
        median=median,
        ci_low=lo,
        ci_high=hi,
        mean=float(arr.mean()),
        stdev=float(arr.std(ddof=1)) if n > 1 else 0.0,
        minimum=values[0],
        maximum=values[-1],
        p90=nearest_rank(values, 0.90) if n >= P90_MIN_SAMPLES else None,
        p99=nearest_rank(values, 0.99) if n >= P99_MIN_SAMPLES else None,
        mad=float(np.median(np.abs(arr - median))),
        slow_fraction=float(np.mean(arr > 2 * median)),
    )
