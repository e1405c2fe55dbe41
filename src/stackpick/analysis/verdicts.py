"""Three-way verdicts on pairs of cells, and a ranking by the statistic the verdicts use.

``faster``: the ratio's interval lies entirely on one side of 1 (either side: a significant
reversal is a win for the other backend, never a tie). ``tie``: the interval includes 1; the
verdict says the largest difference the interval could still hide. ``inconclusive``: too
little data for an interval, or an interval so wide it could hide a 2x difference, and why
("5 paired rounds, need 6").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from stackpick.analysis.intervals import CellRounds, Interval, Spread, centre, pair_interval

FASTER, TIE, INCONCLUSIVE = "faster", "tie", "inconclusive"
# a "tie" that could still hide a 2x difference says nothing: too few processes to bound it
MAX_TIE_HIDDEN = 1.0
VERDICTS = (FASTER, TIE, INCONCLUSIVE)


@dataclass(frozen=True)
class Verdict:
    """``fast`` against ``slow``: ``ratio`` = time_slow / time_fast (>= 1 at the point
    estimate), with its interval [``low``, ``high``] when there is one."""

    fast: str
    slow: str
    verdict: str
    ratio: float
    low: float
    high: float
    rounds: int
    blocks: int
    confidence: float
    reason: str | None = None  # why inconclusive
    note: str | None = None  # a caveat on how the interval was made

    @property
    def hidden(self) -> float | None:
        """For a tie: the largest relative difference the interval still allows (0.08 is
        "within +-8%"); None for other verdicts."""
        if self.verdict != TIE:
            return None
        return max(self.high, 1 / self.low) - 1

    def decided(self, margin: float) -> bool:
        """Faster, or a tie that hides no difference larger than ``margin``."""
        return self.verdict == FASTER or (self.verdict == TIE and (self.hidden or 0) <= margin)

    def interval_text(self) -> str:
        if math.isnan(self.low):
            return f"{self.ratio:.2f}x"
        return f"{self.ratio:.2f}x [{self.low:.2f}, {self.high:.2f}]"

    def sentence(self) -> str:
        if self.verdict == FASTER:
            return f"{self.fast} ran {self.interval_text()} faster than {self.slow}"
        if self.verdict == TIE:
            return (f"{self.fast} and {self.slow}: tie ({self.interval_text()}; any difference "
                    f"is within ±{self.hidden:.0%})")
        return (f"{self.fast} vs {self.slow}: inconclusive ({self.reason}; point estimate "
                f"{self.ratio:.2f}x)")


def judge(a: str, b: str, interval: Interval) -> Verdict:
    """The verdict for ``interval`` of time_b / time_a, oriented so the faster comes first."""
    # The interval is centred (on the log scale) on the estimate, so orienting by the
    # estimate also puts an interval that excludes 1 above it.
    swap = interval.estimate < 1
    fast, slow = (b, a) if swap else (a, b)
    inv = (lambda x: 1 / x) if swap else (lambda x: x)
    ratio = inv(interval.estimate)
    low, high = sorted((inv(interval.low), inv(interval.high))) if interval.ok else (
        math.nan, math.nan)
    reason = interval.reason
    if not interval.ok:
        verdict = INCONCLUSIVE
    elif low > 1:
        verdict = FASTER
    elif max(high, 1 / low) - 1 > MAX_TIE_HIDDEN:
        verdict = INCONCLUSIVE
        reason = (f"[{low:.2f}, {high:.2f}] could hide a 2x difference: {interval.blocks} "
                  "worker processes, more needed")
    else:
        verdict = TIE
    return Verdict(fast, slow, verdict, ratio, low, high, interval.rounds, interval.blocks,
                   interval.confidence, reason, interval.note)


def scores(cells: Sequence[CellRounds]) -> dict[str, float]:
    """Each cell's mean over blocks of its blocks' centres (log round medians), over the
    rounds every cell ran (the statistic of its cell interval); a cell's own rounds when the
    common rounds are too few."""
    common = set.intersection(*(set(c.round_ids) for c in cells)) if cells else set()
    out = {}
    for c in cells:
        keep = [i for i, r in enumerate(c.round_ids) if r in common] or list(range(len(c.medians)))
        logs = np.log(np.asarray([c.medians[i] for i in keep]))
        blocks = [c.blocks[i] for i in keep]
        out[c.label] = float(np.mean([centre(logs[[j for j, b in enumerate(blocks)
                                                   if b == k]])
                                      for k in dict.fromkeys(blocks)]))
    return out


def rank(cells: Sequence[CellRounds]) -> list[CellRounds]:
    """Fastest first: by score, except that a cell whose pair estimates put it ahead of every
    other cell comes first (a pair's estimate is built from per-round ratios, which can
    differ from the difference of two cells' scores in a near tie, and the fastest must never
    be called slower by its own comparisons)."""
    s = scores(cells)
    ordered = sorted(cells, key=lambda c: s[c.label])
    for c in ordered:
        others = [o for o in ordered if o is not c]
        if others and all(pair_interval(c, o).estimate >= 1 for o in others):
            return [c, *[o for o in ordered if o is not c]]
    return ordered


def compare_group(cells: Sequence[CellRounds], study: Spread | None = None,
                  confidence: float = 0.95) -> list[Verdict]:
    """The fastest cell against each of the others (hyperfine style), every backend ranked."""
    if len(cells) < 2:
        return []
    ranked = rank(cells)
    best = ranked[0]
    return [judge(best.label, other.label, pair_interval(best, other, study, confidence))
            for other in ranked[1:]]


def all_pairs(cells: Sequence[CellRounds], study: Spread | None = None,
              confidence: float = 0.95) -> list[Verdict]:
    """A verdict for every pair of cells (what the stop rule needs decided)."""
    return [judge(a.label, b.label, pair_interval(a, b, study, confidence))
            for i, a in enumerate(cells) for b in cells[i + 1:]]
