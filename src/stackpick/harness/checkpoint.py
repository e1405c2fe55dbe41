"""A cell while it is measured, and its finished process blocks as stored records.

The runner hands each finished block to the store (:class:`CellBlock`, one per cell); an
interrupted study keeps them, and ``--resume`` rebuilds the cell from them as it was at the end
of its last stored block (same session, same round counter), so the blocks that follow are
timed, paired and judged as in an uninterrupted study.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from stackpick.harness.client import WorkerHandle
from stackpick.harness.turns import TurnCounts
from stackpick.protocol.blocks import CellBlock
from stackpick.protocol.cells import Cell, MemoryUse
from stackpick.protocol.extras import ColdStart
from stackpick.protocol.messages import SetupReply


@dataclass
class ActiveCell:
    cell: Cell
    setup: SetupReply  # the first process's setup (cold: first call, compile)
    handle: WorkerHandle | None = None  # this block's worker
    rounds: list[list[float]] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)
    round_ids: list[int] = field(default_factory=list)
    sampling_s: float = 0.0
    done: bool = False  # no more blocks (failed after it had samples, or finished)
    late_failure: str | None = None  # a failure after the cell had samples
    memory: MemoryUse | None = None
    tail: tuple[list[float], float] | None = None  # per-call pass and the clock's cost
    first_calls: list[float] = field(default_factory=list)  # per process: cold, then warm
    cold: ColdStart | None = None  # fresh-process starts (once per run)
    faults: list[str] = field(default_factory=list)  # figures a worker failure left out
    turns: TurnCounts = field(default_factory=TurnCounts)  # turns repeated (machine busy)

    def block_record(self, block: int, session: str, next_round: int,
                     costs: tuple[float, float] = (0.0, 0.0)) -> CellBlock:
        """This cell's share of block ``block``: its rounds, and the state after it (setup
        and the first block's passes only in the first block's record)."""
        mine = [i for i, b in enumerate(self.blocks) if b == block]
        first = block == 0
        return CellBlock(
            self.cell.key, block, session, next_round,
            rounds=[self.rounds[i] for i in mine], round_ids=[self.round_ids[i] for i in mine],
            sampling_s=self.sampling_s, first_calls=list(self.first_calls),
            setup=self.setup if first else None, memory=self.memory if first else None,
            tail=self.tail if first else None, cold=self.cold if first else None,
            done=self.done, late_failure=self.late_failure, faults=list(self.faults),
            costs=costs, turns_repeated=self.turns.repeated,
            turns_disturbed=self.turns.disturbed, turn_shares=list(self.turns.shares))

    def missing(self, cold_start: bool) -> list[str]:
        """The figures of the first block's passes this cell does not have (``cold_start``:
        whether the study measures cold starts)."""
        out = [] if self.memory and self.memory.peak_rss_bytes else ["peak memory"]
        if cold_start and self.cold is None:
            out.append("cold start")
        if (self.setup.loops or 1) > 1 and self.tail is None:
            out.append("p90/p99 per call")
        return out or ["nothing else"]

    @classmethod
    def restore(cls, cell: Cell, records: Sequence[CellBlock]) -> ActiveCell:
        """The cell as it was after the last of ``records`` (blocks 0, 1, ... in order)."""
        first, last = records[0], records[-1]
        assert first.setup is not None
        a = cls(cell, first.setup, memory=first.memory, tail=first.tail, cold=first.cold,
                sampling_s=last.sampling_s, first_calls=list(last.first_calls),
                done=last.done, late_failure=last.late_failure, faults=list(last.faults),
                turns=TurnCounts(last.turns_repeated, last.turns_disturbed,
                                 list(last.turn_shares)))
        for r in records:
            a.rounds += r.rounds
            a.blocks += [r.block] * len(r.rounds)
            a.round_ids += r.round_ids
        return a


def usable_blocks(cells: Sequence[Cell], stored: dict[str, list[CellBlock]]) -> int:
    """How many leading blocks every cell of a group has stored, in one session (0: the group
    starts afresh, e.g. when a cell has none or a user model's steps would be needed again)."""
    if not cells or any("model" in c.workload_params for c in cells):
        return 0
    counts, sessions = [], set()
    for c in cells:
        records = stored.get(c.key, [])
        n = 0
        while n < len(records) and records[n].block == n:
            n += 1
        if not n or records[0].setup is None:
            return 0
        counts.append(n)
        sessions.add(records[0].session)
    return min(counts) if len(sessions) == 1 else 0
