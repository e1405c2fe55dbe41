"""When a group has measured enough: stop on the decision, not on a fixed round count.

Looks happen only at the end of a process block (that is when the block-level spread, the
basis of every interval, gains a degree of freedom). Looking again after every block and
stopping at the first "faster" would call a true tie faster far more often than 5% of the time,
so each look uses a stricter level: the error budget ``alpha`` is split over the looks the cap
allows (Bonferroni), evenly or in proportion to the look's index ("linear": later looks, with
more blocks behind them, get more of it). The intervals at those levels are repeated
confidence intervals (Jennison & Turnbull): together they cover at every look with at least
1 - alpha, so the one reported when sampling stops, whenever and why ever it stops, is still
a (1 - alpha) interval. That is what lets the rule also wait for precision: with
``resolution`` set, a "faster" pair is settled only once its interval is within that much.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from stackpick.analysis.intervals import CellRounds, Spread, Study, cell_interval
from stackpick.analysis.verdicts import FASTER, INCONCLUSIVE, Verdict, all_pairs

SPENDING = ("even", "linear")


@dataclass(frozen=True)
class SequentialRule:
    """Blocks of rounds, a fresh worker per block and cell; stop when decided or capped."""

    rounds_per_block: int = 3
    min_blocks: int = 2
    max_blocks: int = 5
    alpha: float = 0.05  # overall chance of a false "faster" per pair, over all looks
    equivalence: float = 0.05  # a tie is decided once it hides no more than +-5%
    cell_rel: float = 0.03  # ... or every cell's interval is within +-3%
    resolution: float = 0.0  # > 0: a faster pair settles only within +-resolution
    spending: str = "even"  # how alpha is split over the looks: even, or linear in the look
    max_rounds: int = 0  # the allocation's bound on rounds per block (0: rounds_per_block)

    def __post_init__(self) -> None:
        if not 1 <= self.min_blocks <= self.max_blocks or self.rounds_per_block < 1:
            raise ValueError(f"inconsistent sequential rule: {self}")
        if self.spending not in SPENDING:
            raise ValueError(f"spending {self.spending!r}: use one of {SPENDING}")
        if not self.max_rounds:
            object.__setattr__(self, "max_rounds", self.rounds_per_block)

    @property
    def looks(self) -> int:
        """How many times the rule may look (once per block from ``min_blocks`` on)."""
        return self.max_blocks - self.min_blocks + 1

    def confidence_at(self, blocks: int) -> float:
        """The level of the look made after ``blocks`` blocks (clamped to the looks the rule
        makes): 1 - alpha / looks when even (0.9875 for 5% over 4 looks); 1 - alpha * k /
        (1 + ... + looks) at the k-th look when linear."""
        k = min(max(blocks - self.min_blocks + 1, 1), self.looks)
        if self.spending == "even":
            return 1 - self.alpha / self.looks
        return 1 - self.alpha * k / (self.looks * (self.looks + 1) / 2)

    @property
    def look_confidence(self) -> float:
        """The level of the last look (every look's, when alpha is split evenly)."""
        return self.confidence_at(self.max_blocks)

    def settled(self, v: Verdict) -> bool:
        """Faster (within ``resolution`` when set), or a tie within the equivalence margin."""
        if not v.decided(self.equivalence):
            return False
        return not self.resolution or v.verdict != FASTER or halfwidth(v) <= self.resolution

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    """Whether a group stops now, why, and the verdicts at this look."""

    stop: bool
    reason: str  # decided | narrow | cap:blocks | continue | too-few-blocks
    verdicts: list[Verdict] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)  # "a vs b" for pairs still open


def complete_blocks(cells: Sequence[CellRounds], rule: SequentialRule) -> int:
    """Blocks every cell has finished (a block is done after ``rounds_per_block`` rounds)."""
    if not cells:
        return 0
    per = [sum(1 for b in set(c.blocks)
               if c.blocks.count(b) >= rule.rounds_per_block) for c in cells]
    return min(per)


def decide(cells: Sequence[CellRounds], rule: SequentialRule,
           cell_study: Study = None, pair_study: Spread | None = None) -> Decision:
    """Look at a group's live cells after a block: stop when every pair is settled (faster,
    within ``resolution`` when set, or a tie within the equivalence margin), or every cell
    interval is narrow enough, or the block cap is reached; else keep sampling. ``*_study``
    are the study's pooled spreads."""
    blocks = complete_blocks(cells, rule)
    if blocks < rule.min_blocks:
        return Decision(False, "too-few-blocks")
    verdicts = all_pairs(cells, pair_study, rule.confidence_at(blocks))
    open_pairs = [f"{v.fast} vs {v.slow}" for v in verdicts if not rule.settled(v)]
    if blocks >= rule.max_blocks:
        return Decision(True, "cap:blocks", verdicts, open_pairs)
    if not open_pairs:
        return Decision(True, "decided", verdicts)
    # Narrow cells end sampling only once no pair is left without a verdict: at an early,
    # strict look a pair on one or two df can be inconclusive while both cells (pooled, at
    # 95%) are within +-3%.
    widths = [cell_interval(c, cell_study).rel_halfwidth for c in cells]
    if widths and max(widths) <= rule.cell_rel and all(
            v.verdict != INCONCLUSIVE for v in verdicts):
        return Decision(True, "narrow", verdicts, open_pairs)
    return Decision(False, "continue", verdicts, open_pairs)


def halfwidth(v: Verdict) -> float:
    """A verdict's interval as +-x on the log scale (0.08: about +-8%); inf without one."""
    if math.isnan(v.low) or v.low <= 0:
        return math.inf
    return math.expm1(math.log(v.high / v.low) / 2)
