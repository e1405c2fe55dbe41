"""Which backend ran faster within a group: the comparisons reports and the advisor read.

Built from analysis/study_stats.py (block-level intervals, three-way verdicts); this module
keeps the shape consumers use: ``fast`` and ``slow`` (label, cell id), ``ratio`` (value = time
slow / time fast at the point estimate, low, high, rounds), ``verdict`` (faster | tie |
inconclusive) and ``sentence()``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from stackpick.analysis.sequential import halfwidth
from stackpick.analysis.study_stats import CellInput, PairResult, study_stats
from stackpick.analysis.verdicts import Verdict


@dataclass(frozen=True)
class Contender:
    """One timed cell as a comparison names it."""

    label: str
    cell_id: int
    rounds: Sequence[Sequence[float]] = ()
    session: str = ""
    blocks: Sequence[int] | None = None


@dataclass(frozen=True)
class Ratio:
    value: float
    low: float
    high: float
    rounds: int


@dataclass(frozen=True)
class Comparison:
    fast: Contender
    slow: Contender
    ratio: Ratio
    result: Verdict
    paired: bool = True

    @property
    def verdict(self) -> str:
        return self.result.verdict

    @property
    def hidden(self) -> float | None:
        return self.result.hidden

    def sentence(self) -> str:
        text = self.result.sentence()
        return text if self.paired else text + " (different sessions: unpaired)"


def from_pair(p: PairResult, by_id: dict[int, Contender]) -> Comparison:
    v = p.verdict
    return Comparison(by_id[p.fast_cell], by_id[p.slow_cell],
                      Ratio(v.ratio, v.low, v.high, v.rounds), v, p.paired)


def compare_group(contenders: Sequence[Contender], pair_confidence: float = 0.95
                  ) -> list[Comparison]:
    """The fastest contender against each of the others (one group, its own pool)."""
    if len(contenders) < 2:
        return []
    by_id = {c.cell_id: c for c in contenders}
    stats = study_stats({"g": [CellInput(c.cell_id, c.label, c.session, c.rounds, c.blocks)
                               for c in contenders]}, pair_confidence)["g"]
    return [from_pair(p, by_id) for p in stats.comparisons]



@dataclass(frozen=True)
class Resolution:
    """The smallest difference a group's study could have told apart: the widest half-width
    of its pair intervals (0.08: a ratio more than 8% away from 1 would have been called
    faster; a smaller one may hide in a tie). ``unresolved``: pairs with no interval."""

    relative: float | None
    pairs: int
    unresolved: int
    confidence: float

    def sentence(self) -> str:
        if self.relative is None:
            return (f"resolves no difference: none of its {self.pairs} pair"
                    f"{'s' if self.pairs != 1 else ''} has an interval yet")
        r = self.relative
        size = f"{r:.0%}" if r < 1 else f"{1 + r:.1f}x" if r < 99 else f"{1 + r:,.0f}x"
        known = self.pairs - self.unresolved
        which = "its pair interval" if known == 1 else f"the widest of its {known} pair intervals"
        text = (f"resolves differences of {size} or more ({which} is "
                f"±{f'{r:.1%}' if r < 1 else size} at {self.confidence:.1%})")
        return text + (f"; {self.unresolved} without an interval" if self.unresolved else "")

    def to_dict(self) -> dict[str, float | int | None]:
        return {"relative": self.relative, "pairs": self.pairs,
                "unresolved": self.unresolved, "confidence": self.confidence}


def resolution(comparisons: Sequence[Comparison]) -> Resolution | None:
    """The group's resolution from its comparisons (None for a group with no pair)."""
    if not comparisons:
        return None
    widths = [halfwidth(c.result) for c in comparisons]
    known = [w for w in widths if math.isfinite(w)]
    level = max(c.result.confidence for c in comparisons)
    return Resolution(max(known) if known else None, len(widths), len(widths) - len(known),
                      level)
