"""Pooling a study's block-level spreads: what one interval borrows from the others.

Two or three worker processes give a cell one or two degrees of freedom of its own, so each
cell's (or pair's) spread is shrunk towards the pooled spread of the rest of the study
(limma's moderated variance), with the pool's weight capped. Cells pool only with cells of a
similar per-call time (within 10x).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

PRIOR_DF_CAP = 4  # at most this much weight (in df) for the study's pooled spread
NEIGHBOURS = 1.0  # cells pool with cells whose per-call time is within 10x (log10 units)


@dataclass(frozen=True)
class Spread:
    """Block-level variance on the log scale with its degrees of freedom."""

    var: float
    df: int
    weight: float = 0.0  # sum of the pooled spreads' df (the credited df may be smaller)

    @property
    def total(self) -> float:
        return self.weight or float(self.df)


@dataclass(frozen=True)
class Pool:
    """A study's spreads with each one's noise key (:func:`noise_class`); what a cell
    borrows is the pool of those within ``NEIGHBOURS`` of its own key."""

    items: tuple[tuple[float, Spread], ...] = ()

    def near(self, key: float) -> Spread | None:
        return pool(s for k, s in self.items if abs(k - key) <= NEIGHBOURS)

    @classmethod
    def of(cls, items: Iterable[tuple[float, Spread | None]]) -> Pool | None:
        """The ``(key, spread)`` items that have a spread (None when none has)."""
        kept = tuple((k, s) for k, s in items if s is not None and s.df > 0)
        return cls(kept) if kept else None

    def merge(self, other: Pool | None) -> Pool:
        """Both pools' items (the simulation's studies grow group by group)."""
        return Pool((*self.items, *(other.items if other else ())))


Study = Pool | Spread | None  # what an interval may borrow: by noise key, or one for all


def noise_class(medians: Sequence[float]) -> float:
    """A cell's noise key: log10 of its median per-call time in ns (4.0: 10 µs, 7.0: 10 ms).
    A cell pools its process spread only with cells within a factor of 10 of its per-call
    time: in one study here the cells of 10-100 ms (training steps, 2-9 samples per round)
    spread 14% between processes, those of 10-100 µs 5%. A window, not fixed decades, so
    that two cells of 990 and 1010 ns are not split apart."""
    if not len(medians):
        return 0.0
    return math.log10(max(float(np.median(medians)), 1.0))


def pool(spreads: Iterable[Spread | None], df: int | None = None) -> Spread | None:
    """The weighted mean of several spreads (each weighted by the df it pools); ``df``
    overrides the credited degrees of freedom (pairs of one group share cells, so they are
    not independent contrasts)."""
    items = [s for s in spreads if s is not None and s.df > 0]
    weight = sum(s.total for s in items)
    if not weight:
        return None
    var = sum(s.var * s.total for s in items) / weight
    credited = sum(s.df for s in items) if df is None else df
    return Spread(var, max(min(credited, int(weight)), 1), float(weight))


def leave_out(study: Spread | None, own: Spread | None) -> Spread | None:
    """The study's pool without this cell's (or pair's) own contribution."""
    if study is None or own is None:
        return study
    weight = study.total - own.df
    df = study.df - own.df
    if weight <= 0 or df <= 0:
        return None
    return Spread(max(study.var * study.total - own.var * own.df, 0.0) / weight, df, weight)


def moderated(own: Spread | None, prior: Spread | None) -> Spread | None:
    """Own spread shrunk towards ``prior`` (the rest of the study's: limma-style moderated
    variance, the prior's weight capped so that one odd cell is not drowned by many quiet
    ones)."""
    if prior is None or prior.df <= 0:
        return own
    d0 = min(prior.df, PRIOR_DF_CAP)
    if own is None:
        return Spread(prior.var, d0)
    return Spread((d0 * prior.var + own.df * own.var) / (d0 + own.df), d0 + own.df)


def class_spread(study: Study, key: float) -> Spread | None:
    """What a cell with noise ``key`` may borrow from ``study`` (its own spread included)."""
    return study.near(key) if isinstance(study, Pool) else study
