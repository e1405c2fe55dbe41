"""One cell's share of one finished process block, as the store keeps it until the cell is done.

The runner hands the records of every block it finishes to the store (committed at once), so
an interrupted study loses at most the block in flight; ``--resume`` rebuilds a group from them
and carries on with the next block in fresh workers. The records hold exactly what the runner
keeps of a block (samples, round ids, the process's first call; for the first block also the
setup, memory and per-call passes), so a resumed cell is stored as an uninterrupted one would
be. A cell's records are deleted when the cell itself is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stackpick.protocol.cells import MemoryUse
from stackpick.protocol.extras import ColdStart
from stackpick.protocol.messages import SetupReply, decode, encode


@dataclass
class CellBlock:
    key: str  # the cell's key
    block: int  # 0-based: the first block also carries setup, memory and tail
    session: str  # the group's session: pairs are formed only within one
    next_round: int  # the group's round counter after this block
    rounds: list[list[float]] = field(default_factory=list)  # this block's recorded rounds
    round_ids: list[int] = field(default_factory=list)
    sampling_s: float = 0.0  # sampling time of the cell so far
    first_calls: list[float] = field(default_factory=list)  # per process so far
    setup: SetupReply | None = None  # the first process's setup (block 0)
    memory: MemoryUse | None = None
    tail: tuple[list[float], float] | None = None  # per-call pass and the clock's cost
    cold: ColdStart | None = None
    done: bool = False  # no more blocks for this cell (a late failure, or finished)
    late_failure: str | None = None
    faults: list[str] = field(default_factory=list)  # figures a worker failure left out
    costs: tuple[float, float] = (0.0, 0.0)  # the group's block: processes, one round (s)
    # disturbed turns so far (harness/turns.TurnCounts): repeated, kept, each turn's wait share
    turns_repeated: int = 0
    turns_disturbed: int = 0
    turn_shares: list[float] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return encode(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CellBlock:
        return decode(data, cls)
