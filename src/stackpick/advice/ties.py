"""Near-ties: is the leader's margin larger than its own uncertainty?

The uncertainty of the margin between two candidates combines, as a root sum of squares, every
criterion's share of it under a ±25% change of its weight (0.25 x the contribution
difference) and the measurement intervals (weight x each side's value half-range). A margin no
larger than that (nor than 1.5% of the leader's total) is a tie, "decided by" the criterion that
gives the leader its largest edge.

Reach on the named targets is meant to dominate: when the runner-up reaches them better (say
natively where the leader needs a plugin) yet trails on the total, the lead must also exceed
the runner-up's reach advantage to be clear; otherwise the pair is a near-tie that says so.
"""

from __future__ import annotations

import math

from stackpick.advice.model import Ranked, Tie
from stackpick.protocol.advice import label

WEIGHT_PERTURBATION = 0.25
TIE_FLOOR = 0.015  # a margin under 1.5% of the leader's total is a tie whatever the spread


def uncertainty(a: Ranked, b: Ranked) -> float:
    """How far the margin ``a.total - b.total`` may move (see the module docstring)."""
    total = 0.0
    for sa, sb in zip(a.scores, b.scores, strict=True):
        diff = sa.contribution - sb.contribution
        total += (WEIGHT_PERTURBATION * diff) ** 2
        total += (sa.weight * sa.spread) ** 2 + (sb.weight * sb.spread) ** 2
    return math.sqrt(total)


def decided_by(a: Ranked, b: Ranked) -> str:
    """The criterion giving ``a`` its largest edge over ``b`` (its id)."""
    edges = [(sa.contribution - sb.contribution, sa.criterion)
             for sa, sb in zip(a.scores, b.scores, strict=True)]
    best = max(edges, key=lambda e: (e[0], e[1]))
    return best[1] if best[0] > 0 else ""


def _separate(a: Ranked, b: Ranked, criterion: str) -> str:
    """What evidence would separate the two."""
    unmeasured = [s.criterion for s in a.scores if s.weight > 0 and s.value is None
                  and s.criterion.startswith("measured_")]
    if unmeasured:
        what = label(unmeasured[0]).lower().removeprefix("measured ")
        return f"measuring {what} on your targets (the caveats give the command)"
    if criterion.startswith("measured_") or criterion == "cold_start":
        return "a longer measurement (more rounds) to narrow the interval, or a latency budget"
    if criterion in ("team_fit",):
        return "your team's expertise in each (answer --expertise)"
    return f"your priorities: a weight change on {label(criterion).lower()} decides it"


def reach_edge(a: Ranked, b: Ranked) -> float:
    """How many points ``b`` gains over ``a`` on reach to the named targets (0: none)."""
    try:
        return max(0.0, b.score("target_reach").contribution
                   - a.score("target_reach").contribution)
    except StopIteration:  # advice stored before the criterion existed
        return 0.0


def _bound(a: Ranked, b: Ranked) -> float:
    """The margin ``a`` needs over ``b`` to be a clear lead."""
    return max(uncertainty(a, b), reach_edge(a, b), TIE_FLOOR * a.total)


def _tied(a: Ranked, b: Ranked) -> bool:
    return a.total - b.total <= _bound(a, b)


def near_tie(ranking: list[Ranked]) -> Tie | None:
    """The leaders within the uncertainty of the first (or of a better-reaching runner-up's
    reach advantage), or None when the lead is clear."""
    if len(ranking) < 2:
        return None
    a = ranking[0]
    tied = [b for b in ranking[1:] if _tied(a, b)]
    if not tied:
        return None
    b = tied[0]
    crit = decided_by(a, b)
    separate = _separate(a, b, crit)
    if reach_edge(a, b) > uncertainty(a, b):
        separate = (f"{b.name} reaches your targets better ({label('target_reach').lower()} "
                    f"+{reach_edge(a, b):.2f}); {separate}")
    return Tie((a.stack, *(t.stack for t in tied)), a.total - b.total, _bound(a, b),
               label(crit) if crit else "catalogue order (identical totals)", separate)
