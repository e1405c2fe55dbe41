"""How a study samples: blocks of interleaved rounds, a fresh worker process per block, and a
sequential rule that stops each group once its verdicts are decided (analysis/sequential.py).

Every interval and verdict is built from blocks (docs/statistics.md), so there is one notion
of "enough": a group stops when every pair is `faster` within ``resolution`` or a tie within
the equivalence margin, or every cell's interval is within ``ci_rel``, or at ``max_blocks``.
A group cannot stop before two blocks of three rounds, which is exactly what a verdict needs;
from the third block on, its rounds per block follow analysis/allocation.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from stackpick.analysis.sequential import SequentialRule


@dataclass(frozen=True)
class StopRule:
    rounds_per_block: int = 3  # the first blocks'; later ones follow the group's allocation
    min_blocks: int = 2
    max_blocks: int = 8
    alpha: float = 0.05  # chance of a false "faster" per pair, over all looks
    equivalence: float = 0.05  # a tie is decided once it hides no more than +-5%
    ci_rel: float = 0.03  # ... or every cell's rerun interval is within +-3%
    round_time_s: float = 0.1  # each backend's turn in one interleaved round
    max_time_s: float = 6.0  # cap on one cell's sampling time (rounds end early past it)
    max_samples: int = 20_000  # per round
    quiet_s: float = 0.3  # after a turn, wait up to this long for its threads to stop spinning
    resolution: float = 0.10  # a faster pair settles once its interval is within +-10%
    spending: str = "linear"  # alpha over the looks: later looks (more blocks) get more
    max_rounds_per_block: int = 8  # the allocation's bound (Kalibera & Jones, see allocation)

    @classmethod
    def quick(cls) -> StopRule:
        """Two blocks, short rounds: for --quick and smoke runs (ties stay wide)."""
        return cls(max_blocks=2, round_time_s=0.05, equivalence=0.10, ci_rel=0.05,
                   max_time_s=2.0, resolution=0.0)

    @classmethod
    def journey(cls) -> StopRule:
        """For `stackpick run`, which measures every backend on every workload: two blocks
        (two processes per backend) of five 70 ms rounds, and a tie within +-10% counts as
        decided; what is still open after them is reported as inconclusive, with why. Five
        rounds: Kalibera & Jones's r* for this study's costs (a pass's processes ~28 s, a
        round of every cell ~4.5 s) and variances (rounds 5-9%, processes 3-4%) came to
        4.1-5.7; the round-to-round variance is the machine's, not the samples' (thousands
        per turn for calls under 1 ms), so shorter turns pay for the extra rounds."""
        return cls(rounds_per_block=5, round_time_s=0.07, max_blocks=2, equivalence=0.10,
                   max_time_s=3.0, resolution=0.0)

    def round_budget_s(self) -> float:
        """One turn's sampling time: ``round_time_s``, shortened so that a cell's rounds at
        the block cap stay within ``max_time_s`` (--max-time)."""
        rounds = self.max_blocks * self.rounds_per_block
        return min(self.round_time_s, self.max_time_s / rounds)

    def sequential(self) -> SequentialRule:
        return SequentialRule(self.rounds_per_block, self.min_blocks, self.max_blocks,
                              self.alpha, self.equivalence, self.ci_rel, self.resolution,
                              self.spending, self.max_rounds())

    def max_rounds(self) -> int:
        """The allocation's bound: ``max_rounds_per_block``, fewer when a cell's rounds at
        the block cap would exceed ``max_time_s``."""
        fit = int(self.max_time_s / (self.max_blocks * self.round_budget_s()))
        return max(self.rounds_per_block, min(self.max_rounds_per_block, fit))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StopRule:
        """A stored rule; keys of older versions (min_rounds, min_samples...) are dropped,
        and a rule stored before the allocation keeps what it did then (no quiet wait, no
        precision target, alpha split evenly over its looks)."""
        names = {f.name for f in fields(cls)}
        old = {"quiet_s": 0.0, "resolution": 0.0, "spending": "even"}
        kept = {k: v for k, v in data.items() if k in names}
        return cls(**{**{k: v for k, v in old.items() if k not in data}, **kept})
