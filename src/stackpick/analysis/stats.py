"""Statistics: median with a distribution-free CI, LoadGen-gated percentiles, bootstrap ratios."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from stackpick.protocol.cells import Summary

__all__ = ["Summary", "summarize"]

Z95 = 1.959963984540054
P90_MIN_SAMPLES = 64  # MLPerf LoadGen's early-stopping minimum for the 90th percentile
P99_MIN_SAMPLES = 662  # ... and for the 99th
MIN_RATIO_ROUNDS = 6  # paired rounds before one backend may be called faster


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


@dataclass(frozen=True)
class Ratio:
    """How many times faster ``fast`` ran than ``slow``: per-round ratios, bootstrap CI."""

    value: float
    low: float
    high: float
    rounds: int

    @property
    def significant(self) -> bool:
        # With fewer than 6 rounds a percentile bootstrap of the median is about [min, max]
        # and calls a true tie "faster" far more often than 5% of the time.
        return self.rounds >= MIN_RATIO_ROUNDS and (self.low > 1.0 or self.high < 1.0)


def bootstrap_median(values: Sequence[float], resamples: int = 2000, seed: int = 0
                     ) -> tuple[float, float, float]:
    """Median of ``values`` and a percentile-bootstrap 95% interval for it (seeded)."""
    arr = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(arr), size=(resamples, len(arr)))
    medians = np.median(arr[idx], axis=1)
    return float(np.median(arr)), float(np.quantile(medians, 0.025)), float(
        np.quantile(medians, 0.975)
    )


def round_ratio(slow_rounds: Sequence[float], fast_rounds: Sequence[float]) -> Ratio:
    """Ratio slow/fast from per-round medians taken in the same rounds (drift cancels)."""
    pairs = [(s, f) for s, f in zip(slow_rounds, fast_rounds, strict=False) if s > 0 and f > 0]
    if not pairs:
        return Ratio(math.nan, math.nan, math.nan, 0)
    ratios = [s / f for s, f in pairs]
    value, lo, hi = bootstrap_median(ratios)
    return Ratio(value, lo, hi, len(ratios))
