"""One measured standing of one stack in one group, which stacks a backend measures, and how a
measured gap becomes points (shared by the evidence and scoring modules).

A standing is a ratio: how many times worse than the best stack in its group the stack measured
(1.0: the best, or a tie), with the interval the statistics give it. Measured criteria score
it on a log scale, so each doubling costs the same: a stack ``r`` times slower than the best
scores ``1 - log2(r) / S``, where ``S`` is the largest gap measured in scope (in doublings,
at least 1, at most :data:`CAP_DOUBLINGS`), and the criterion weighs ``per doubling x S``:
a 7.8x gap moves 2.96 doublings' worth of points, a 1.1x gap 0.14 of one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from stackpick.advice.model import Reason
from stackpick.knowledge.stacks import STACKS
from stackpick.registry import lookup

CAP_DOUBLINGS = 3.0  # beyond 8x a gap scores no worse: the stack is simply out of the running


@dataclass(frozen=True)
class GroupValue:
    """A stack's standing in one group: ``ratio`` >= 1 times worse than the best (time, memory
    or size), ``low``/``high`` its interval (None: exact)."""

    workload: str
    ratio: float
    reason: Reason
    device_class: str = "x86-cpu"
    low: float | None = None
    high: float | None = None
    group: str = ""  # the group's key (workload/task/batch/device)
    verdict: str = ""  # the statistics' word on it: faster, tie, inconclusive ("": not a test)

    @property
    def value(self) -> float:
        """The linear standing (best / own, in (0, 1]): footprint and cold start."""
        return 1.0 / self.ratio


def stacks_for(backend: str, task: str) -> list[str]:
    """Stacks whose serving runtime (inference) or training path ran ``backend``, as its spec
    says (``serves``, ``trains``), in catalogue order."""
    spec = lookup(backend)
    if spec is None:  # a backend this installation does not know speaks for no stack
        return []
    ids = spec.serves if task == "inference" else spec.trains
    return [s.id for s in STACKS if s.id in ids]


def doublings(ratio: float) -> float:
    return math.log2(max(ratio, 1.0))


def scale_of(groups: Iterable[GroupValue]) -> float:
    """``S``: the largest gap in ``groups`` in doublings, within [1, CAP_DOUBLINGS]."""
    return min(CAP_DOUBLINGS, max([1.0, *(doublings(g.ratio) for g in groups)]))


def log_value(ratio: float, scale: float) -> float:
    """A ratio's value on the log scale of ``scale`` doublings (1: the best, 0: ``2**scale``
    times worse or more)."""
    return 1.0 - min(doublings(ratio), scale) / scale


def log_span(g: GroupValue, scale: float) -> tuple[float, float]:
    """The lowest and highest value the ratio's interval allows."""
    worst = g.ratio if g.high is None else max(g.high, g.ratio)
    best = g.ratio if g.low is None else min(g.low, g.ratio)
    return log_value(worst, scale), log_value(best, scale)
