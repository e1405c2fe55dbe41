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
    costs: tuple[float, float]  # its last block's processes and one round, in seconds

    def workers(self) -> set[tuple[str, str]]: ...
    def run_block(self, block: int) -> None: ...
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
        for g in open_groups:
            g.run_block(block)
        cell_study, pair_study = _spreads(groups)
        still = []
        for g in open_groups:
            d = decide(g.cell_rounds(), rule, cell_study, pair_study)
            if d.stop or block + 1 >= rule.max_blocks or not g.cell_rounds():
                g.finish(d if d.stop else Decision(True, "cap:blocks", d.verdicts,
                                                   d.undecided))
            else:
                g.rounds = next_rounds(g.cell_rounds(), g.costs, rule)
                still.append(g)
        open_groups = still
