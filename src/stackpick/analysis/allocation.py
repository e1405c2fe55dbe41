"""How many rounds a process block holds: spend the time where the variance is.

Kalibera & Jones ("Rigorous benchmarking in reasonable time", ISMM 2013) choose the
repetitions at each level of an experiment from the variance each level adds and what a
repetition of it costs. Here there are two levels above the samples: the process block (a
fresh worker per cell: start, build, parity, warm-up, a settling round; ``block_s``) and the
round (one turn per cell; ``round_s``). Over B blocks of r rounds the variance of an estimate
is (σ²_p + σ²_r / r) / B, where σ²_r is the variance of round values inside a block and σ²_p
what a process (and its moment) adds on top. For a fixed time B (block_s + r round_s) it is
least at

    r* = sqrt((block_s / round_s) (σ²_r / σ²_p))

(their r_i with level i the round and i + 1 the process). So rounds are added where they are
cheap next to a process and noisy next to the processes' spread; where processes differ more
than rounds do, the time goes into more processes instead, which is what the sequential rule's
next block is. The variances come from the group's first blocks (the first look); pairs are what
the rule waits for, so the paired log ratios of the group's pairs are used when there are any.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from stackpick.analysis.intervals import CellRounds, paired_logs
from stackpick.analysis.sequential import SequentialRule


@dataclass(frozen=True)
class Levels:
    """Variance components on the log scale, pooled over a group's pairs (or cells)."""

    round_var: float  # within a block, between rounds
    process_var: float  # between blocks, beyond what the rounds explain (floored)
    rounds: float  # mean rounds per block in the data they came from


def _components(series: Sequence[tuple[np.ndarray, Sequence[object]]]) -> Levels | None:
    """One-way ANOVA per series (values by block), pooled: within-block variance, and
    between-block variance of block means less within / rounds per block."""
    within_ss = within_df = between_ss = between_df = 0.0
    sizes: list[int] = []
    for values, blocks in series:
        keys = list(dict.fromkeys(blocks))
        if len(keys) < 2:
            continue
        codes = np.asarray([keys.index(b) for b in blocks])
        means = np.asarray([values[codes == k].mean() for k in range(len(keys))])
        within_ss += float(((values - means[codes]) ** 2).sum())
        within_df += len(values) - len(keys)
        between_ss += float(((means - means.mean()) ** 2).sum())
        between_df += len(keys) - 1
        sizes.extend(int((codes == k).sum()) for k in range(len(keys)))
    if not between_df or not within_df:
        return None
    r = float(np.mean(sizes))
    round_var = within_ss / within_df
    process_var = between_ss / between_df - round_var / r
    return Levels(round_var, max(process_var, round_var / 100, 1e-8), r)


def group_levels(cells: Sequence[CellRounds]) -> Levels | None:
    """The group's variance components: from the paired log ratios of every pair of its
    cells, or from the cells' own log times when it has one cell."""
    if len(cells) == 1:
        c = cells[0]
        return _components([(np.log(np.asarray(c.medians)), c.blocks)])
    series = []
    for i, a in enumerate(cells):
        for b in cells[i + 1:]:
            logs, blocks = paired_logs(a, b)
            if len(logs):
                series.append((logs, blocks))
    return _components(series)


def rounds_per_block(levels: Levels | None, block_s: float, round_s: float,
                     low: int, high: int) -> int:
    """Kalibera & Jones's r* = sqrt((block_s / round_s)(σ²_r / σ²_p)), within [low, high];
    ``low`` without the variances or the costs."""
    if levels is None or block_s <= 0 or round_s <= 0 or high <= low:
        return low
    r = math.sqrt((block_s / round_s) * (levels.round_var / levels.process_var))
    return int(min(max(math.ceil(r), low), high))


def next_rounds(cells: Sequence[CellRounds], costs: tuple[float, float],
                rule: SequentialRule) -> int:
    """Rounds for a group's next block: Kalibera & Jones's r* from its data so far and its last
    block's ``costs`` (processes, one round), at least the rule's rounds per block and at
    most ``rule.max_rounds``."""
    return rounds_per_block(group_levels(cells), costs[0], costs[1], rule.rounds_per_block,
                            rule.max_rounds)
