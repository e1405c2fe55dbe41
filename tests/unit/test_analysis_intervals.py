import math

import pytest

from stackpick.analysis.intervals import (
    CellRounds,
    Spread,
    cell_interval,
    pair_interval,
    pool,
    study_cell_spread,
    study_pair_spread,
)


def cell(label, medians, blocks):
    return CellRounds(label, tuple(medians), tuple(blocks), tuple(range(len(medians))))


def test_from_samples_takes_round_medians_and_keeps_blocks():
    c = CellRounds.from_samples("a", [[1.0, 2.0, 30.0], [], [4.0, 4.0]], blocks=[0, 0, 1])
    assert c.medians == (2.0, 4.0) and c.blocks == (0, 1) and c.round_ids == (0, 2)
    assert c.processes_known


def test_runs_stored_without_blocks_get_contiguous_batches_and_a_note():
    c = CellRounds.from_samples("a", [[100.0 + i] for i in range(9)])
    assert not c.processes_known and c.blocks == (0, 0, 0, 1, 1, 1, 2, 2, 2)
    iv = cell_interval(c)
    assert iv.ok and "process-to-process variation not sampled" in iv.note


def test_process_offsets_widen_the_cell_interval_that_pooled_samples_hid():
    quiet = cell("a", [100.0, 100.1, 99.9, 100.0, 100.1, 99.9], [0, 0, 0, 1, 1, 1])
    split = cell("a", [100.0, 100.1, 99.9, 120.0, 120.1, 119.9], [0, 0, 0, 1, 1, 1])
    assert cell_interval(split).rel_halfwidth > 10 * cell_interval(quiet).rel_halfwidth
    lo, hi = cell_interval(split).low, cell_interval(split).high
    assert lo < 100 and hi > 120  # either process's level is a plausible rerun


def test_floor_keeps_agreeing_blocks_from_a_zero_width_interval():
    c = cell("a", [90.0, 110.0, 100.0, 110.0, 90.0, 100.0], [0, 0, 0, 1, 1, 1])
    iv = cell_interval(c)  # block means are equal; the rounds inside them are not
    assert iv.ok and iv.rel_halfwidth > 0.01


def test_study_pool_adds_degrees_of_freedom_without_counting_a_cell_twice():
    cells = [cell(f"c{i}", [100.0, 101.0, 99.0, 103.0, 104.0, 102.0], [0, 0, 0, 1, 1, 1])
             for i in range(6)]
    study = study_cell_spread(cells)
    assert study.near(2.0).df == 6  # all six cells: 100 ns per call
    alone, pooled = cell_interval(cells[0]), cell_interval(cells[0], study)
    assert alone.df == 1
    assert pooled.df == 1 + 4  # own df plus the rest of the study, capped at 4
    assert pooled.rel_halfwidth < alone.rel_halfwidth


def test_one_process_may_borrow_the_study_spread():
    c = cell("a", [100.0] * 6, [0] * 6)
    iv = cell_interval(c, Spread(0.01 ** 2, 10))
    assert iv.ok and iv.blocks == 1 and 0.01 < iv.rel_halfwidth < 0.04


def test_pair_interval_uses_rounds_both_ran_and_cancels_shared_drift():
    drift = [1.0, 1.2, 0.9, 1.1, 1.3, 0.8]
    a = cell("a", [100 * d for d in drift], [0, 0, 0, 1, 1, 1])
    b = cell("b", [200 * d * (1 + 0.01 * (i % 2)) for i, d in enumerate(drift)],
             [0, 0, 0, 1, 1, 1])
    iv = pair_interval(a, b)
    assert iv.ok and iv.rounds == 6
    assert iv.low > 1.85 and iv.high < 2.15  # the drift of +-30% is gone
    short = CellRounds("b", b.medians[:4], b.blocks[:4], (0, 1, 2, 9))
    assert pair_interval(a, short).rounds == 3


def test_pair_pool_credits_only_independent_contrasts():
    blocks = [0, 0, 0, 1, 1, 1]
    group = [cell(x, [m, m * 1.01, m, m * 1.02, m, m * 0.99], blocks)
             for x, m in (("a", 1.0), ("b", 2.0), ("c", 3.0))]
    s = study_pair_spread([group])
    assert s.df == 2 and s.total == 3  # 3 pairs, but (3 - 1)(2 - 1) contrasts


def test_pool_is_weighted_by_degrees_of_freedom():
    s = pool([Spread(1.0, 1), Spread(4.0, 3), None])
    assert s.df == 4 and math.isclose(s.var, 13 / 4)
    assert pool([None]) is None


def test_no_interval_from_nothing():
    iv = cell_interval(cell("a", [], []))
    assert not iv.ok and iv.reason == "0 rounds, need 6" and math.isinf(iv.rel_halfwidth)


@pytest.mark.parametrize("conf", [0.9, 0.99])
def test_higher_confidence_is_wider(conf):
    c = cell("a", [100.0, 101.0, 99.0, 103.0, 104.0, 102.0], [0, 0, 0, 1, 1, 1])
    wider = cell_interval(c, confidence=conf).rel_halfwidth > cell_interval(c).rel_halfwidth
    assert wider is (conf > 0.95)


def test_cells_borrow_only_from_cells_within_ten_times_their_per_call_time():
    quiet = [cell(f"q{i}", [100.0, 100.5, 99.5, 101.0, 101.5, 100.5], [0, 0, 0, 1, 1, 1])
             for i in range(4)]
    slow = [cell(f"s{i}", [1e6, 1.2e6, 0.9e6, 1.4e6, 1.5e6, 1.3e6], [0, 0, 0, 1, 1, 1])
            for i in range(4)]
    study = study_cell_spread(quiet + slow)
    assert study.near(2.0).df == 4 and study.near(6.0).df == 4  # two pools, not one
    assert cell_interval(quiet[0], study).rel_halfwidth < 0.05
    assert cell_interval(slow[0], study).rel_halfwidth > 0.2


def test_block_centres_are_medians_so_one_slow_round_does_not_move_a_block():
    steady = cell("a", [100.0, 101.0, 99.0, 100.0, 101.0, 99.0], [0, 0, 0, 1, 1, 1])
    hit = cell("a", [100.0, 101.0, 190.0, 100.0, 101.0, 99.0], [0, 0, 0, 1, 1, 1])
    assert abs(cell_interval(hit).estimate / cell_interval(steady).estimate - 1) < 0.01
