"""Break-even of a compiled variant, from the steady-state gain's interval.

A point-median gain of 0.04 us inside the noise would "pay off after 500,000,001 calls"; the
gain is only a gain when the paired interval of baseline/compiled time excludes 1. Then the
break-even count has a range too: extra up-front time over the largest and the smallest gain
the interval allows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from stackpick.analysis.verdicts import FASTER, TIE, Verdict

PAYS_OFF, NOT_FASTER, SLOWER, INCONCLUSIVE, FREE = (
    "pays off", "not measurably faster", "slower", "inconclusive", "free")


@dataclass(frozen=True)
class BreakEven:
    """Calls after which the compiled variant has earned back its extra up-front time."""

    status: str  # pays off | free | not measurably faster | slower | inconclusive
    calls: float | None = None  # at the point estimate of the gain
    calls_low: float | None = None  # at the largest gain the interval allows
    calls_high: float | None = None  # ... and at the smallest
    gain_s: float | None = None  # point gain per call, seconds
    why: str | None = None

    def text(self) -> str:
        if self.status == PAYS_OFF:
            return (f"pays off after {self.calls:,.0f} calls "
                    f"[{self.calls_low:,.0f}, {self.calls_high:,.0f}]")
        if self.status == FREE:
            return "pays off at once (no extra up-front time)"
        if self.status == SLOWER:
            return "never pays off (slower in steady state)"
        if self.status == NOT_FASTER:
            return f"not measurably faster ({self.why})"
        return f"inconclusive ({self.why})"


def _speedup_text(verdict: Verdict, compiled: str) -> str:
    """The compiled side's speed-up (baseline time / compiled time) with its interval: a
    verdict's own ratio is always >= 1 and would not say which side was ahead."""
    r, lo, hi = verdict.ratio, verdict.low, verdict.high
    if verdict.fast != compiled:
        r, lo, hi = 1 / r, 1 / hi, 1 / lo
    return f"{r:.2f}x [{lo:.2f}, {hi:.2f}]"


def break_even(extra_s: float, baseline_steady_s: float, compiled: str,
               verdict: Verdict) -> BreakEven:
    """Break-even for ``compiled`` given its extra up-front seconds over the baseline, the
    baseline's steady time per call, and the pair's verdict (either orientation)."""
    if verdict.verdict not in (FASTER, TIE):
        return BreakEven(INCONCLUSIVE, why=verdict.reason)
    if verdict.verdict == TIE:
        return BreakEven(NOT_FASTER, why=f"its speed-up's interval includes 1: "
                         f"{_speedup_text(verdict, compiled)}")
    if verdict.fast != compiled:
        return BreakEven(SLOWER)
    # time_baseline / time_compiled = r, so the gain per call is baseline * (1 - 1/r)
    gain = baseline_steady_s * (1 - 1 / verdict.ratio)
    if extra_s <= 0:
        return BreakEven(FREE, 0.0, 0.0, 0.0, gain)
    big = baseline_steady_s * (1 - 1 / verdict.high)
    small = baseline_steady_s * (1 - 1 / verdict.low)
    return BreakEven(PAYS_OFF, math.ceil(extra_s / gain), math.ceil(extra_s / big),
                     math.ceil(extra_s / small), gain)
