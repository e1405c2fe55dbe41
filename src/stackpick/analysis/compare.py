"""Which backend ran faster within a group, with a bootstrap interval on per-round ratios."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from stackpick.analysis.stats import Ratio, round_ratio


@dataclass(frozen=True)
class Contender:
    """One timed cell as the comparison sees it: a label, its cell id and its rounds."""

    label: str
    cell_id: int
    rounds: Sequence[Sequence[float]]

    @property
    def median(self) -> float:
        return statistics.median(v for r in self.rounds for v in r)

    def round_medians(self) -> list[float]:
        return [statistics.median(r) if r else 0.0 for r in self.rounds]


@dataclass(frozen=True)
class Comparison:
    fast: Contender
    slow: Contender
    ratio: Ratio

    @property
    def verdict(self) -> str:
        return "faster" if self.ratio.significant and self.ratio.low > 1 else "tie"

    def sentence(self) -> str:
        r = self.ratio
        interval = f"{r.value:.2f}x [{r.low:.2f}, {r.high:.2f}]"
        if self.verdict == "faster":
            return f"{self.fast.label} ran {interval} faster than {self.slow.label}"
        return f"{self.fast.label} and {self.slow.label}: tie ({interval}, interval includes 1)"


def compare_group(contenders: Sequence[Contender]) -> list[Comparison]:
    """The fastest contender (by median) against each of the others, hyperfine-style."""
    if len(contenders) < 2:
        return []
    ranked = sorted(contenders, key=lambda c: c.median)
    fastest = ranked[0]
    return [Comparison(fastest, other, round_ratio(other.round_medians(),
                                                   fastest.round_medians()))
            for other in ranked[1:]]
