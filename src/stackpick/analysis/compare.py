"""Which backend ran faster within a group: the comparisons reports and the advisor read.

Built from analysis/study_stats.py (block-level intervals, three-way verdicts); this module
keeps the shape consumers use: ``fast`` and ``slow`` (label, cell id), ``ratio`` (value = time
slow / time fast at the point estimate, low, high, rounds), ``verdict`` (faster | tie |
inconclusive) and ``sentence()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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

