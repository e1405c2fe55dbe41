"""Process blocks over a whole study: the order in which groups get their blocks of rounds.

A group's cells run a block of ``rounds_per_block`` interleaved rounds in one set of worker
processes; the next block runs in fresh ones. The study goes in passes: pass 1 runs block 1 of
every group, pass 2 restarts the workers and runs block 2 of every group still undecided, and
so on. So a process start is paid once per backend and pass (not per group and block), and a
group's blocks lie far apart in time, which is what makes their means independent (strong slow
drift with blocks back to back cut the cell intervals' coverage to 77% in the simulation, see
docs/statistics.md). After every pass each open group is judged by the sequential rule, with
the spread pooled over every group measured so far, and a group that goes on gets the rounds
per block its variances and costs call for (analysis/allocation.py).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from stackpick.analysis.allocation import next_rounds
from stackpick.analysis.intervals import (
    CellRounds,
    Spread,
    Study,
    study_cell_spread,
    study_pair_spread,
)
from stackpick.analysis.sequential import Decision, SequentialRule, decide


class BlockGroup(Protocol):
    """What the scheduler needs of a group (the runner's GroupRun)."""

    rounds: int  # rounds in its next block

    def workers(self) -> set[tuple[str, str]]: ...
    def begin_block(self, block: int) -> None: ...
    def play_round(self, block: int) -> None: ...
    def end_block(self, block: int) -> None: ...
    def cell_rounds(self) -> list[CellRounds]: ...
    def sessions(self) -> list[list[CellRounds]]: ...
    def finish(self, decision: Decision) -> None: ...


def round_order(n: int, round_id: int, seed: str) -> list[int]:
    """A random order of ``n`` turns for one round, reproducible from the group's session and
    the round's index: a fixed A B C order lets whatever follows a heavy backend (cache, memory
    bandwidth, frequency) always hit the same one."""
    order = list(range(n))
    random.Random(f"{seed}:{round_id}").shuffle(order)
    return order


def run_pass(groups: Sequence[BlockGroup], block: int) -> dict[int, tuple[float, float]]:
    """Block ``block`` of every group. From the second pass on, a group's rounds are spread
    over the pass: every group is set up, then round 1 of every group, round 2 of every
    group, ... So a group's block value reflects the machine's state over the whole pass
    instead of the few seconds its rounds took back to back (shifts of 10-30% shared by a
    group's cells for ~10 s were the largest part of a cell's block-to-block spread in
    `stackpick run` here). The first pass goes group by group, because its memory pass
    measures each worker's peak with that group's models alone loaded. Returns, by position
    in ``groups``, what each group's processes took and one of its rounds (seconds)."""
    setup = [0.0] * len(groups)
    rounds = [0.0] * len(groups)

    def play(k: int, g: BlockGroup) -> None:
        start = time.perf_counter()
        g.play_round(block)
        rounds[k] += time.perf_counter() - start

    for k, g in enumerate(groups):
        start = time.perf_counter()
        g.begin_block(block)
        setup[k] = time.perf_counter() - start
        for _ in range(g.rounds if block == 0 else 0):
            play(k, g)
        if block == 0:
            g.end_block(block)
    for i in range(max((g.rounds for g in groups), default=0) if block else 0):
        for k, g in enumerate(groups):
            if i < g.rounds:
                play(k, g)
    for g in groups if block else ():
        g.end_block(block)
    return {k: (setup[k], rounds[k] / max(g.rounds, 1)) for k, g in enumerate(groups)}


def _spreads(groups: Sequence[BlockGroup]) -> tuple[Study, Spread | None]:
    cells = [c for g in groups for c in g.cell_rounds()]
    sessions = [s for g in groups for s in g.sessions()]
    return study_cell_spread(cells), study_pair_spread(sessions)


def run_in_passes(groups: Sequence[BlockGroup], rule: SequentialRule,
                  fresh_workers: Callable[[], None],
                  on_pass: Callable[[int, Sequence[BlockGroup]], None] | None = None) -> None:
    """Blocks in passes over ``groups`` until each is decided or at the cap; every group's
    ``finish`` is called exactly once, with the decision that ended it."""
    open_groups = list(groups)
    for block in range(rule.max_blocks):
        if not open_groups:
            return
        if block:
            fresh_workers()
        if on_pass:
            on_pass(block, open_groups)
        costs = run_pass(open_groups, block)
        cell_study, pair_study = _spreads(groups)
        still = []
        for k, g in enumerate(open_groups):
            d = decide(g.cell_rounds(), rule, cell_study, pair_study)
            if d.stop or block + 1 >= rule.max_blocks or not g.cell_rounds():
                g.finish(d if d.stop else Decision(True, "cap:blocks", d.verdicts,
                                                   d.undecided))
            else:
                g.rounds = next_rounds(g.cell_rounds(), costs[k], rule)
                still.append(g)
        open_groups = still
