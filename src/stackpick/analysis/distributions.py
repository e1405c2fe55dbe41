"""Exact small-sample quantiles with no scipy: Student's t for integer degrees of freedom and
the order-statistic (sign-test) interval of a median.

scipy.stats would give the same numbers but costs about half a second to import; these need
only the closed forms below (Abramowitz & Stegun 26.7.3 for t, the binomial for ranks).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

MAX_EXACT_DF = 400  # beyond this the t quantile is the normal one to 4 digits


def t_two_sided_cdf(t: float, df: int) -> float:
    """P(|T| < t) for Student's t with integer ``df`` >= 1 (A&S 26.7.3)."""
    if t <= 0:
        return 0.0
    theta = math.atan(t / math.sqrt(df))
    s, c2 = math.sin(theta), math.cos(theta) ** 2
    if df % 2 == 0:  # sin(theta) * (1 + c2/2 + 1*3 c2^2/(2*4) + ...), df/2 terms
        term = total = 1.0
        for k in range(1, df // 2):
            term *= c2 * (2 * k - 1) / (2 * k)
            total += term
        return s * total
    if df == 1:
        return 2 * theta / math.pi
    term = total = math.cos(theta)  # odd df: 2/pi (theta + sin cos (1 + 2/3 c2 + ...))
    for k in range(1, (df - 1) // 2):
        term *= c2 * (2 * k) / (2 * k + 1)
        total += term
    return 2 / math.pi * (theta + s * total)


def _normal_quantile(p: float) -> float:
    """Upper quantile z with P(Z > z) = p, by bisection on erfc (exact to 1e-12)."""
    lo, hi = 0.0, 40.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(mid / math.sqrt(2)) > p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@functools.lru_cache(maxsize=1024)
def t_quantile(confidence: float, df: float) -> float:
    """The t value whose two-sided interval has ``confidence`` (0.95 -> 2.571 at df=5).
    A fractional ``df`` is rounded down (conservative); ``df`` < 1 is an error."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    dfi = math.floor(df)
    if dfi < 1:
        raise ValueError(f"t quantile needs at least 1 degree of freedom, got {df}")
    if dfi > MAX_EXACT_DF:
        return _normal_quantile((1 - confidence) / 2)
    lo, hi = 0.0, 1.0
    while t_two_sided_cdf(hi, dfi) < confidence:
        hi *= 2
    for _ in range(80):
        mid = (lo + hi) / 2
        if t_two_sided_cdf(mid, dfi) < confidence:
            lo = mid
        else:
            hi = mid
    return hi


def sign_test_ranks(n: int, confidence: float = 0.95) -> tuple[int, int] | None:
    """0-based ranks (lo, hi) of the sorted values that bracket the median with at least
    ``confidence`` (exact binomial, p = 1/2); None when n is too small for any interval
    short of [min, max] to reach it (n < 6 at 95%)."""
    tail = (1 - confidence) / 2
    cumulative, k = 0.0, -1
    # largest k with P(Bin(n, 1/2) <= k) <= tail: the interval is [x_(k+1), x_(n-k)] 1-based
    while True:
        nxt = cumulative + math.comb(n, k + 1) / 2 ** n
        if nxt > tail:
            break
        cumulative, k = nxt, k + 1
    if k < 0:
        return None
    return k, n - 1 - k


def sign_test_interval(values: Sequence[float], confidence: float = 0.95
                       ) -> tuple[float, float] | None:
    """Exact distribution-free interval of the median of independent ``values``; None when
    there are too few values for one (the caller says "inconclusive", not [min, max])."""
    ranks = sign_test_ranks(len(values), confidence)
    if ranks is None:
        return None
    ordered = sorted(values)
    return float(ordered[ranks[0]]), float(ordered[ranks[1]])
