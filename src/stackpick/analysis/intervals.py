"""Intervals from rounds and processes, not from pooled samples.

Samples inside a round are consecutive and share the machine's state, and a worker process
keeps its memory layout and thread placement for all its rounds, so neither samples nor rounds
are independent draws of what a rerun would measure. The unit of replication is the process
block: a fresh worker runs a block of consecutive rounds. All work is on the log scale (times
are multiplicative: drift and process offsets scale a time, and a ratio is a difference):

* a round gives one value, the median of its samples;
* a block gives the mean of its rounds' log medians without the slowest and the fastest
  round (its centre: drift and the process's offset land in it, a round the machine ran
  slow does not);
* a cell's estimate is the mean over its blocks, and its variance comes from the spread of the
  block means (df = blocks - 1), moderated towards the study's pooled spread, because two or
  three processes per cell give one or two degrees of freedom;
* a pair's estimate is the mean over blocks of the centre of its paired log ratios (same
  rounds, so drift that hits both cancels), with the same block-level variance.

A floor keeps an interval from being narrower than the within-block round-to-round spread
allows, for when a cell's few block means agree by chance.

A cell borrows only from cells within 10x of its per-call time (pooling.py): a 20 µs
call and a 50 ms training step do not share a process spread. A pair of cells timed in the
same rounds always uses the paired variance: a group's cells share shifts of 10-30% between
blocks here (the machine's state in one pass), which cancel in the paired ratio and would
dominate an unpaired one (docs/statistics.md, "Paired or unpaired").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from stackpick.analysis.distributions import t_quantile
from stackpick.analysis.pooling import (  # re-exported: callers import them from here
    Pool,
    Spread,
    Study,
    class_spread,
    leave_out,
    moderated,
    noise_class,
    pool,
)

MIN_ROUNDS = 6  # rounds (cells) or paired rounds (pairs) before any interval is given
MIN_BLOCKS = 2  # process blocks of one's own, unless the study's pool can stand in
PSEUDO_BLOCKS = 3  # stored runs without process blocks: contiguous batches of rounds


@dataclass(frozen=True)
class CellRounds:
    """One cell's timing as inference sees it: each round's median (ns per call), the process
    block each round ran in, and the round's index within its group (for pairing)."""

    label: str
    medians: tuple[float, ...]
    blocks: tuple[int, ...]
    round_ids: tuple[int, ...]
    processes_known: bool = True

    @classmethod
    def from_samples(cls, label: str, rounds: Sequence[Sequence[float]],
                     blocks: Sequence[int] | None = None,
                     round_ids: Sequence[int] | None = None) -> CellRounds:
        """From per-round samples; rounds with no positive sample are dropped. Without
        ``blocks`` (a run stored before process blocks) contiguous batches stand in."""
        ids = list(round_ids) if round_ids is not None else list(range(len(rounds)))
        keep = [i for i, r in enumerate(rounds) if len(r) and float(np.median(r)) > 0]
        medians = tuple(float(np.median(rounds[i])) for i in keep)
        known = blocks is not None
        if blocks is None:
            n = len(keep)
            nb = min(PSEUDO_BLOCKS, max(n // 2, 1))
            blocks = [k * nb // max(n, 1) for k in range(n)]
            return cls(label, medians, tuple(blocks), tuple(ids[i] for i in keep), False)
        return cls(label, medians, tuple(int(blocks[i]) for i in keep),
                   tuple(ids[i] for i in keep), known)

    @property
    def n_blocks(self) -> int:
        return len(set(self.blocks))


@dataclass(frozen=True)
class Interval:
    """An estimate with a two-sided interval (ns for a cell, time ratio for a pair); ``low``
    and ``high`` are NaN when there was too little data, and ``reason`` says why."""

    estimate: float
    low: float
    high: float
    confidence: float
    rounds: int
    blocks: int
    df: int = 0
    reason: str | None = None
    note: str | None = None
    se: float = math.nan  # standard error of log(estimate)

    @property
    def ok(self) -> bool:
        return self.reason is None

    @property
    def rel_halfwidth(self) -> float:
        """Half the interval's log width, as a fraction (0.03 is about +-3%)."""
        if not self.ok or self.low <= 0:
            return math.inf
        return math.expm1(math.log(self.high / self.low) / 2)


@dataclass(frozen=True)
class _Blocks:
    means: np.ndarray  # one value per block: its centre (a trimmed mean of its rounds)
    sizes: np.ndarray  # rounds in each block
    within_var: float  # pooled round-to-round variance inside blocks
    within_df: int


def centre(values: np.ndarray) -> float:
    """A block's value: the mean of its rounds without the slowest and the fastest (the
    median of three), not the plain mean: a few seconds in which the machine ran slow
    (several backends of a pass 1.1-2.2x slower in the same round, with no other process to
    blame) otherwise move a block of three rounds by a third of that, and a cell's
    block-to-block spread with it."""
    if len(values) < 3:
        return float(np.mean(values))
    return float(np.mean(np.sort(values)[1:-1]))


def _blocks(values: np.ndarray, blocks: Sequence[object]) -> _Blocks:
    """Each block's centre (:func:`centre`), its size, and the round-to-round variance
    inside blocks."""
    index: dict[object, int] = {}
    codes = np.fromiter((index.setdefault(b, len(index)) for b in blocks), dtype=np.intp,
                        count=len(blocks))
    if not len(codes):
        return _Blocks(np.zeros(0), np.zeros(0, dtype=np.intp), 0.0, 0)
    sizes = np.bincount(codes)
    means = np.bincount(codes, weights=values) / sizes
    centres = np.asarray([centre(values[codes == k]) for k in range(len(sizes))])
    wdf = int(len(values) - len(sizes))
    ss = float(((values - means[codes]) ** 2).sum())
    return _Blocks(centres, sizes, ss / wdf if wdf else 0.0, wdf)


def _own_spread(b: _Blocks) -> Spread | None:
    if len(b.means) < 2:
        return None
    return Spread(float(np.var(b.means, ddof=1)), len(b.means) - 1)


def _interval(log_values: np.ndarray, blocks: Sequence[object], spread: Spread | None,
              borrowed: bool, confidence: float, what: str, processes_known: bool) -> Interval:
    """The t interval of the block means' mean with ``spread`` (None: no interval);
    ``borrowed``: the spread came with help from the rest of the study."""
    n = len(log_values)
    b = _blocks(log_values, blocks)
    nb = len(b.means)
    estimate = float(b.means.mean()) if n else math.nan
    reason = None
    if n < MIN_ROUNDS:
        reason = f"{n} {what}, need {MIN_ROUNDS}"
    if reason is None and (spread is None or (nb < MIN_BLOCKS and not borrowed)):
        reason = f"{nb} worker process{'es' if nb != 1 else ''}, need {MIN_BLOCKS}"
    if reason is not None or spread is None:
        return Interval(math.exp(estimate) if n else math.nan, math.nan, math.nan, confidence,
                        n, nb, reason=reason)
    floor = b.within_var * float(np.sum(1.0 / b.sizes)) / nb ** 2
    se = math.sqrt(max(spread.var / nb, floor))
    half = t_quantile(confidence, spread.df) * se
    note = None if processes_known else (
        "one worker process for all rounds: process-to-process variation not sampled")
    return Interval(math.exp(estimate), math.exp(estimate - half), math.exp(estimate + half),
                    confidence, n, nb, spread.df, note=note, se=se)


def cell_spread(cell: CellRounds) -> Spread | None:
    """A cell's own block-to-block spread (None with fewer than two blocks)."""
    if not cell.processes_known:
        return None
    return _own_spread(_blocks(np.log(np.asarray(cell.medians)), cell.blocks))


def cell_interval(cell: CellRounds, study: Study = None,
                  confidence: float = 0.95) -> Interval:
    """Median per call of a cell and the interval that what a rerun in new processes
    estimates should fall in; ``study`` is the study's pooled spread, by noise class (this
    cell included: it is left out here)."""
    logs = np.log(np.asarray(cell.medians, dtype=np.float64))
    own = _own_spread(_blocks(logs, cell.blocks)) if len(logs) else None
    prior = leave_out(class_spread(study, noise_class(cell.medians)), own) if (
        cell.processes_known) else None
    return _interval(logs, cell.blocks, moderated(own, prior), prior is not None, confidence,
                     "rounds", cell.processes_known)


def paired_logs(a: CellRounds, b: CellRounds) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """log(time_b / time_a) for each round both ran, and the pair of blocks it ran in."""
    where = {r: i for i, r in enumerate(a.round_ids)}
    logs, blocks = [], []
    for j, r in enumerate(b.round_ids):
        i = where.get(r)
        if i is not None:
            logs.append(math.log(b.medians[j] / a.medians[i]))
            blocks.append((a.blocks[i], b.blocks[j]))
    return np.asarray(logs, dtype=np.float64), blocks


def pair_spread(a: CellRounds, b: CellRounds) -> Spread | None:
    """The pair's own block-to-block spread of mean log ratios."""
    if not (a.processes_known and b.processes_known):
        return None
    logs, blocks = paired_logs(a, b)
    return _own_spread(_blocks(logs, blocks)) if len(logs) else None


def pair_interval(a: CellRounds, b: CellRounds, study: Spread | None = None,
                  confidence: float = 0.95) -> Interval:
    """time_b / time_a from the rounds both ran, with its interval (> 1: a is faster).
    ``study``: the study's pooled pair spread (this pair included: it is left out)."""
    logs, blocks = paired_logs(a, b)
    known = a.processes_known and b.processes_known
    own = _own_spread(_blocks(logs, blocks)) if len(logs) else None
    prior = leave_out(study, own) if known else None
    return _interval(logs, blocks, moderated(own, prior), prior is not None, confidence,
                     "paired rounds", known)


def study_cell_spread(cells: Iterable[CellRounds]) -> Pool | None:
    """The study's pooled block-to-block spread of cells, by noise class (relative, so cells
    of one class but different speeds pool): each cell's own spread, weighted by its df."""
    return Pool.of((noise_class(c.medians), cell_spread(c)) for c in cells)


def study_pair_spread(groups: Iterable[Sequence[CellRounds]]) -> Spread | None:
    """The study's pooled spread of paired log ratios. A group of C cells in B blocks holds
    (C - 1)(B - 1) independent contrasts, and only those are credited as degrees of freedom."""
    spreads: list[Spread | None] = []
    credited = 0
    for cells in groups:
        for i, a in enumerate(cells):
            spreads.extend(pair_spread(a, b) for b in cells[i + 1:])
        if len(cells) > 1:
            credited += (len(cells) - 1) * max(min(c.n_blocks for c in cells) - 1, 0)
    return pool(spreads, df=credited)


def unpaired_interval(a: Interval, b: Interval, confidence: float = 0.95) -> Interval:
    """b / a from two cell intervals with no rounds in common (two sessions of a resumed
    group, or two runs): the log-scale errors add, and the smaller df is used (conservative
    next to Welch-Satterthwaite). Drift does not cancel here, so it is wider than a pair's."""
    rounds, blocks = min(a.rounds, b.rounds), min(a.blocks, b.blocks)
    estimate = b.estimate / a.estimate if a.estimate > 0 else math.nan
    if not (a.ok and b.ok):
        reason = a.reason if not a.ok else b.reason
        return Interval(estimate, math.nan, math.nan, confidence, rounds, blocks, reason=reason)
    se = math.hypot(a.se, b.se)
    half = t_quantile(confidence, min(a.df, b.df)) * se
    log_est = math.log(estimate)
    note = a.note or b.note
    return Interval(estimate, math.exp(log_est - half), math.exp(log_est + half), confidence,
                    rounds, blocks, min(a.df, b.df), note=note, se=se)
