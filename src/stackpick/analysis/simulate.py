"""Synthetic timing data with a known truth, for checking the intervals and verdicts.

A study is several groups of cells; each cell runs blocks of rounds, a fresh worker process
per block. A sample (ns per call) is

    true median x process offset x drift(round) x round effect x per-sample noise

with a log-normal process offset per (cell, block) and a per-process noise scale, AR(1) drift
between rounds shared by the group's cells (the machine) plus one per cell, a shift shared by
the samples of one round (they are consecutive, not independent), and right-skewed per-sample
noise (log-normal bulk plus a share of slow samples 1.5-4x). The truth is the median per call
of a typical process on a quiet machine: the centre of what reruns would estimate.

``benchmarks/simulate_coverage.py`` prints the coverage and false-verdict table that
docs/statistics.md quotes; the unit tests run the same checks on fewer studies.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from stackpick.analysis.allocation import next_rounds
from stackpick.analysis.intervals import (
    CellRounds,
    Pool,
    Spread,
    cell_interval,
    pair_interval,
    pool,
    study_cell_spread,
    study_pair_spread,
)
from stackpick.analysis.sequential import SequentialRule, decide
from stackpick.analysis.verdicts import FASTER, judge


@dataclass(frozen=True)
class Scenario:
    """How one group's data is made; every field is a relative (log-scale) size."""

    name: str
    medians_ns: tuple[float, ...] = (1000.0, 1000.0)
    sample_sigma: float = 0.05
    slow_share: float = 0.02  # share of samples 1.5-4x slower (the right tail)
    round_sigma: float = 0.01  # shift shared by the samples of one round
    drift_shared: float = 0.01  # stationary sd of the machine's AR(1) drift over rounds
    drift_cell: float = 0.005  # ... and of each cell's own
    drift_ar: float = 0.8
    process_sigma: float | tuple[float, ...] = 0.03  # per-process offset, per cell if a tuple
    process_scale_sigma: float = 0.3  # per-process factor on the sample noise
    bimodal: float = 0.0  # chance that a process lands in a slow mode (1.6x), ORT-like
    samples_per_round: int = 40
    rounds_per_block: int = 3
    blocks: int = 2
    groups: int = 4  # groups per study (they pool their process spread)
    blocks_apart: bool = False  # blocks run far apart in time (drift restarts per block)
    pass_sigma: float = 0.0  # a shift shared by a group's cells in one block (one pass)

    def truth(self, cell: int) -> float:
        """The true median per call of ``cell`` (the slow tail shifts it a little)."""
        z = _normal_ppf(0.5 / (1 - self.slow_share))
        mean_scale = math.exp(self.process_scale_sigma ** 2 / 2)
        return (self.medians_ns[cell] * math.exp(self.sample_sigma * z * mean_scale)
                * _bimodal_centre(self.bimodal))

    def ratio(self, a: int, b: int) -> float:
        """The true time_b / time_a."""
        return self.truth(b) / self.truth(a)


def _bimodal_centre(p: float) -> float:
    # a rerun's log estimate averages the modes: its centre is exp(p log 1.6)
    return math.exp(p * math.log(1.6))


@functools.lru_cache(maxsize=64)
def _normal_ppf(q: float) -> float:
    lo, hi = -10.0, 10.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2)) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _ar1(rng: np.random.Generator, shape: tuple[int, ...], sd: float, ar: float) -> np.ndarray:
    """Stationary AR(1) series along the last axis."""
    out = np.empty(shape)
    noise = rng.standard_normal(shape)
    out[..., 0] = sd * noise[..., 0]
    step = sd * math.sqrt(1 - ar * ar)
    for t in range(1, shape[-1]):
        out[..., t] = ar * out[..., t - 1] + step * noise[..., t]
    return out


def _drift(sc: Scenario, rng: np.random.Generator, shape: tuple[int, ...], sd: float
           ) -> np.ndarray:
    """Drift over a group's rounds: one AR(1) series, or one per block when blocks run far
    apart (the machine's state at one block says nothing about the next)."""
    r = sc.blocks * sc.rounds_per_block
    if not sc.blocks_apart:
        return _ar1(rng, (*shape, r), sd, sc.drift_ar)
    per_block = _ar1(rng, (*shape, sc.blocks, sc.rounds_per_block), sd, sc.drift_ar)
    return per_block.reshape((*shape, r))


def group_samples(sc: Scenario, rng: np.random.Generator, studies: int) -> np.ndarray:
    """Samples of shape (studies, groups, cells, rounds, samples), in ns per call."""
    c, r, n = len(sc.medians_ns), sc.blocks * sc.rounds_per_block, sc.samples_per_round
    shape = (studies, sc.groups, c)
    psig = np.broadcast_to(np.asarray(sc.process_sigma, dtype=float), (c,))
    offset = rng.standard_normal((*shape, sc.blocks)) * psig[None, None, :, None]
    if sc.bimodal:
        offset += np.log(1.6) * (rng.random((*shape, sc.blocks)) < sc.bimodal)
    scale = np.exp(sc.process_scale_sigma * rng.standard_normal((*shape, sc.blocks)))
    per_round = np.repeat(np.arange(sc.blocks), sc.rounds_per_block)
    drift = _drift(sc, rng, (studies, sc.groups, 1), sc.drift_shared) + _drift(
        sc, rng, shape, sc.drift_cell)
    passes = sc.pass_sigma * rng.standard_normal((studies, sc.groups, 1, sc.blocks))
    level = (np.log(np.asarray(sc.medians_ns))[None, None, :, None] + offset[..., per_round]
             + passes[..., per_round] + drift
             + sc.round_sigma * rng.standard_normal((*shape, r)))
    noise = (sc.sample_sigma * scale[..., per_round][..., None]
             * rng.standard_normal((*shape, r, n)))
    slow = rng.random((*shape, r, n)) < sc.slow_share
    spike = np.where(slow, np.log(rng.uniform(1.5, 4.0, (*shape, r, n))), 0.0)
    return np.exp(level[..., None] + noise + spike)


def as_cells(sc: Scenario, samples: np.ndarray, blocks: int | None = None,
             labels: Sequence[str] | None = None,
             rounds: Sequence[int] | None = None) -> list[CellRounds]:
    """One group's (cells, rounds, samples) array as CellRounds: its first ``blocks``
    blocks, and of block b its first ``rounds[b]`` rounds (all of them by default)."""
    nb = sc.blocks if blocks is None else blocks
    used = list(rounds) if rounds is not None else [sc.rounds_per_block] * nb
    keep = [b * sc.rounds_per_block + i for b in range(len(used)) for i in range(used[b])]
    med = np.median(samples[:, keep, :], axis=-1)
    block_of = tuple(int(k // sc.rounds_per_block) for k in keep)
    names = labels or [f"b{i}" for i in range(samples.shape[0])]
    return [CellRounds(names[i], tuple(float(v) for v in med[i]), block_of, tuple(keep))
            for i in range(samples.shape[0])]


def with_(sc: Scenario, **changes: Any) -> Scenario:
    """A copy of ``sc`` with some fields changed (keeps call sites short)."""
    return replace(sc, **changes)


@dataclass
class Tally:
    """Counts from many simulated studies."""

    cells: int = 0
    cells_covered: int = 0
    pairs: int = 0
    pairs_covered: int = 0
    ties: int = 0  # pairs whose true ratio is 1
    false_faster: int = 0
    real: int = 0  # pairs with a true difference
    found: int = 0  # ... called faster, the right way round
    blocks_used: int = 0
    rounds_used: int = 0
    groups: int = 0
    widths: list[float] = field(default_factory=list)

    def rate(self, part: int, whole: int) -> float:
        return part / whole if whole else math.nan

    def row(self) -> dict[str, float]:
        return {"cell_coverage": self.rate(self.cells_covered, self.cells),
                "pair_coverage": self.rate(self.pairs_covered, self.pairs),
                "false_faster": self.rate(self.false_faster, self.ties),
                "power": self.rate(self.found, self.real),
                "mean_blocks": self.rate(self.blocks_used, self.groups),
                "rounds_per_block": self.rate(self.rounds_used, self.blocks_used),
                "median_halfwidth": float(np.median(self.widths)) if self.widths else math.nan}


def _score_pairs(t: Tally, sc: Scenario, cells: list[CellRounds], study: Spread | None,
                 confidence: float) -> None:
    for i in range(len(cells)):
        for j in range(i + 1, len(cells)):
            iv = pair_interval(cells[i], cells[j], study, confidence)
            truth = sc.ratio(i, j)
            t.pairs += 1
            t.pairs_covered += bool(iv.ok and iv.low <= truth <= iv.high)
            v = judge(cells[i].label, cells[j].label, iv)
            if math.isclose(truth, 1.0):
                t.ties += 1
                t.false_faster += v.verdict == FASTER
            else:
                t.real += 1
                right = cells[i].label if truth > 1 else cells[j].label
                t.found += v.verdict == FASTER and v.fast == right


def _score_cells(t: Tally, sc: Scenario, cells: list[CellRounds], study: Pool | None,
                 confidence: float) -> None:
    for i, c in enumerate(cells):
        iv = cell_interval(c, study, confidence)
        t.cells += 1
        t.cells_covered += bool(iv.ok and iv.low <= sc.truth(i) <= iv.high)
        t.widths.append(iv.rel_halfwidth)


def fixed_design(sc: Scenario, studies: int, seed: int = 0,
                 confidence: float = 0.95) -> Tally:
    """Coverage and verdicts when every group runs all ``sc.blocks`` blocks."""
    data = group_samples(sc, np.random.default_rng(seed), studies)
    t = Tally()
    for s in range(studies):
        groups = [as_cells(sc, data[s, g]) for g in range(sc.groups)]
        cell_study = study_cell_spread(c for g in groups for c in g)
        pair_study = study_pair_spread(groups)
        for cells in groups:
            _score_cells(t, sc, cells, cell_study, confidence)
            _score_pairs(t, sc, cells, pair_study, confidence)
    return t


def sequential_design(sc: Scenario, rule: SequentialRule, studies: int,
                      seed: int = 0, costs: tuple[float, float] | None = None) -> Tally:
    """Verdicts when each group stops by ``rule`` (groups run one after another, and a
    group's look pools the finished groups with its own data so far). With ``costs`` (a
    block's processes and one round, in seconds) each block after the first look gets the
    rounds analysis/allocation.py chooses, as the runner does."""
    per_block = rule.max_rounds if costs else rule.rounds_per_block
    sc = with_(sc, blocks=rule.max_blocks, rounds_per_block=per_block)
    data = group_samples(sc, np.random.default_rng(seed), studies)
    t = Tally()
    for s in range(studies):
        done_cells: Pool | None = None
        done_pairs: Spread | None = None
        for g in range(sc.groups):
            used = [rule.rounds_per_block] * rule.min_blocks
            while True:
                cells = as_cells(sc, data[s, g], len(used), rounds=used)
                cell_study = (done_cells or Pool()).merge(study_cell_spread(cells))
                pair_study = pool([done_pairs, study_pair_spread([cells])])
                if decide(cells, rule, cell_study, pair_study).stop:
                    break
                used.append(next_rounds(cells, costs, rule) if costs else
                            rule.rounds_per_block)
            done_cells, done_pairs = cell_study, pair_study
            _score_cells(t, sc, cells, cell_study, 0.95)
            t.groups += 1
            t.blocks_used += len(used)
            t.rounds_used += sum(used)
            _score_pairs(t, sc, cells, pair_study, rule.confidence_at(len(used)))
    return t
