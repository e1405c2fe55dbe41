"""Intervals and verdicts for a whole stored study: every cell, every group, all sessions.

The study's pooled process spread (cells and pairs) is computed once over every group and fed
to each interval. Cells of one session (timed in the same interleaved rounds) are compared by
paired rounds; cells of different sessions (a group resumed after an interruption) have no
rounds in common and are compared by their cell intervals, so every backend of a group is
ranked and compared, whichever session measured it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from stackpick.analysis.intervals import (
    CellRounds,
    Interval,
    Spread,
    Study,
    cell_interval,
    pair_interval,
    study_cell_spread,
    study_pair_spread,
    unpaired_interval,
)
from stackpick.analysis.verdicts import Verdict, judge, rank


@dataclass(frozen=True)
class CellInput:
    """One measured cell as the store holds it: per-round samples (ns per call), the process
    block of each round (None for runs stored before blocks) and its timing session."""

    cell_id: int
    label: str
    session: str
    rounds: Sequence[Sequence[float]]
    blocks: Sequence[int] | None = None

    def as_rounds(self) -> CellRounds:
        return CellRounds.from_samples(self.label, self.rounds, self.blocks)


@dataclass(frozen=True)
class PairResult:
    """A verdict and the ids of the cells it is about; ``paired`` is False across sessions."""

    verdict: Verdict
    fast_cell: int
    slow_cell: int
    paired: bool


@dataclass
class GroupStats:
    intervals: dict[int, Interval] = field(default_factory=dict)  # by cell id
    ranking: list[int] = field(default_factory=list)  # cell ids, fastest first
    comparisons: list[PairResult] = field(default_factory=list)


def _rank(inputs: Sequence[CellInput], rounds: Mapping[int, CellRounds],
          intervals: Mapping[int, Interval]) -> list[int]:
    """Fastest first. One session: by the paired statistic the verdicts use. Several: by
    each cell's own estimate (the same statistic when rounds coincide)."""
    if len({c.session for c in inputs}) == 1:
        ids = {rounds[c.cell_id].label: c.cell_id for c in inputs}
        return [ids[r.label] for r in rank([rounds[c.cell_id] for c in inputs])]
    return sorted((c.cell_id for c in inputs), key=lambda i: intervals[i].estimate)


def group_stats(inputs: Sequence[CellInput], cell_study: Study,
                pair_study: Spread | None, pair_confidence: float = 0.95) -> GroupStats:
    """Cell intervals, the ranking, and the fastest cell against each other cell."""
    usable = [c for c in inputs if c.rounds]
    rounds = {c.cell_id: c.as_rounds() for c in usable}
    usable = [c for c in usable if rounds[c.cell_id].medians]
    out = GroupStats({c.cell_id: cell_interval(rounds[c.cell_id], cell_study) for c in usable})
    if not usable:
        return out
    out.ranking = _rank(usable, rounds, out.intervals)
    by_id = {c.cell_id: c for c in usable}
    best = by_id[out.ranking[0]]
    for other in (by_id[i] for i in out.ranking[1:]):
        a, b = rounds[best.cell_id], rounds[other.cell_id]
        paired = best.session == other.session
        iv = (pair_interval(a, b, pair_study, pair_confidence) if paired else
              unpaired_interval(cell_interval(a, cell_study, pair_confidence),
                                cell_interval(b, cell_study, pair_confidence), pair_confidence))
        v = judge(a.label, b.label, iv)
        ids = (best.cell_id, other.cell_id) if v.fast == a.label else (other.cell_id,
                                                                         best.cell_id)
        out.comparisons.append(PairResult(v, ids[0], ids[1], paired))
    return out


def study_stats(groups: Mapping[str, Sequence[CellInput]],
                pair_confidence: float | Mapping[str, float] = 0.95) -> dict[str, GroupStats]:
    """``group_stats`` for every group, with the spreads pooled over the whole study; the
    pair level is one for all or, by group key, the level of the look that stopped it."""
    as_rounds = {k: [c.as_rounds() for c in v if c.rounds] for k, v in groups.items()}
    cell_study = study_cell_spread(c for cells in as_rounds.values() for c in cells)
    sessions = [[r for c, r in zip([c for c in v if c.rounds], as_rounds[k], strict=True)
                 if c.session == s]
                for k, v in groups.items() for s in {c.session for c in v}]
    pair_study = study_pair_spread(sessions)
    def level(key: str) -> float:
        if isinstance(pair_confidence, Mapping):
            return pair_confidence.get(key, 0.95)
        return pair_confidence

    return {k: group_stats(v, cell_study, pair_study, level(k)) for k, v in groups.items()}
