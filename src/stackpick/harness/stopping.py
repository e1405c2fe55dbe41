"""When to stop sampling a cell: minimum count and duration met, and the median's CI tight
enough — or a cap reached (optimum-benchmark / LoadGen style)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from stackpick.analysis.stats import summarize


@dataclass(frozen=True)
class StopRule:
    min_samples: int = 20
    min_time_s: float = 0.5
    min_rounds: int = 5
    ci_rel: float = 0.02  # the 95% CI of the median within +-2% of it
    max_time_s: float = 6.0
    max_samples: int = 20_000
    round_time_s: float = 0.1  # each backend's turn in one interleaved round

    @classmethod
    def quick(cls) -> StopRule:
        """Fewer, shorter rounds: for --quick and smoke runs."""
        return cls(min_samples=10, min_time_s=0.2, min_rounds=6, ci_rel=0.05, max_time_s=2.0,
                   round_time_s=0.05)

    @classmethod
    def journey(cls) -> StopRule:
        """For `stackpick run`, which measures every backend on every workload: a +-3%
        interval and a 3 s cap per cell keep the whole study within a few minutes."""
        return cls(ci_rel=0.03, max_time_s=3.0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def verdict(self, samples: Sequence[float], elapsed_s: float, rounds: int) -> str | None:
        """None while more samples are needed, else why sampling stops."""
        if len(samples) >= self.max_samples:
            return "cap:samples"
        if elapsed_s >= self.max_time_s:
            return "cap:time"
        if len(samples) < self.min_samples or elapsed_s < self.min_time_s:
            return None
        if rounds < self.min_rounds:
            return None
        if summarize(samples).ci_rel_halfwidth <= self.ci_rel:
            return "converged"
        return None
