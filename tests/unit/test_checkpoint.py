"""Blocks as the store keeps them: a cell rebuilt from its stored blocks is the cell that was
measured (so a resumed study is timed, paired and judged as an uninterrupted one)."""

from __future__ import annotations

import json

from stackpick.harness.checkpoint import ActiveCell, usable_blocks
from stackpick.protocol.blocks import CellBlock
from stackpick.protocol.cells import Cell, MemoryUse, Parity, Warmup
from stackpick.protocol.extras import ColdStart, Extras
from stackpick.protocol.messages import SetupReply
from stackpick.protocol.runs import PlanRecord
from stackpick.store import open_store

CELL = Cell("mlp", "fake", "default", "inference", 1)
OTHER = Cell("mlp", "fake", "latency=300", "inference", 1)


def measured(cell: Cell = CELL) -> ActiveCell:
    """A cell after two blocks of three rounds, with everything the first block records."""
    setup = SetupReply(0.01, 0.002, Parity(True, 1e-7, 1e-6, 1e-4, 1e-4),
                       Extras(compile_s=0.5, other={"x": 1}), 100, loops=4, rss_after=200,
                       warmup=Warmup(10, 0.1, True))
    a = ActiveCell(cell, setup, memory=MemoryUse(123, 5), tail=([1.0, 2.0], 0.5),
                   cold=ColdStart(cell.key, 2, "rebuild from weights", total_s=1.5),
                   first_calls=[0.002, 0.001],
                   sampling_s=0.6, faults=["worker failure: something"])
    for block in (0, 1):
        for r in range(3):
            a.rounds.append([float(block * 10 + r)] * 4)
            a.blocks.append(block)
            a.round_ids.append(block * 3 + r)
    return a


def records(a: ActiveCell, session: str = "s1") -> list[CellBlock]:
    """The records as they come back from JSON (the store's form)."""
    return [CellBlock.from_json(json.loads(json.dumps(
        a.block_record(b, session, 3 * (b + 1)).to_json())))
            for b in (0, 1)]


def test_a_cell_rebuilt_from_its_blocks_is_the_cell_measured() -> None:
    a = measured()
    back = ActiveCell.restore(CELL, records(a))
    for name in ("setup", "rounds", "blocks", "round_ids", "sampling_s", "memory", "tail",
                 "first_calls", "cold", "done", "late_failure", "faults"):
        assert getattr(back, name) == getattr(a, name), name


def test_only_the_first_block_carries_the_setup_and_passes() -> None:
    first, second = records(measured())
    assert first.setup is not None and first.memory is not None and first.tail is not None
    assert second.setup is None and second.memory is None and second.cold is None
    assert [len(first.rounds), len(second.rounds)] == [3, 3]


def test_a_group_resumes_only_from_blocks_every_cell_has() -> None:
    both = {CELL.key: records(measured()), OTHER.key: records(measured(OTHER))}
    assert usable_blocks([CELL, OTHER], both) == 2
    assert usable_blocks([CELL, OTHER], {**both, OTHER.key: both[OTHER.key][:1]}) == 1
    assert usable_blocks([CELL, OTHER], {CELL.key: both[CELL.key]}) == 0  # one has none
    assert usable_blocks([CELL], {CELL.key: both[CELL.key][1:]}) == 0  # block 0 missing
    other_session = records(measured(OTHER), session="s2")
    assert usable_blocks([CELL, OTHER], {**both, OTHER.key: other_session}) == 0


def test_the_store_keeps_blocks_until_the_cell_is_stored(tmp_path) -> None:
    with open_store(tmp_path / "s.db") as store:
        run = store.create_run("bench", PlanRecord([], 1), {})
        store.save_blocks(run, CELL.group, records(measured()))
        assert store.block_count(run) == (2, 1)
        assert [b.block for b in store.blocks(run)[CELL.key]] == [0, 1]
        store.save_cell(run, CELL, "ok", {}, rounds=[[1.0]])
        assert store.block_count(run) == (0, 0)  # the same transaction as the cell
