import numpy as np
import pytest

from stackpick.analysis.intervals import CellRounds
from stackpick.analysis.sequential import SequentialRule, complete_blocks, decide


def cell(label, base, blocks, per=3, jitter=0.01):
    rng = np.random.default_rng(sum(map(ord, label)))
    meds = base * np.exp(jitter * rng.standard_normal(blocks * per))
    blk = tuple(b for b in range(blocks) for _ in range(per))
    return CellRounds(label, tuple(float(m) for m in meds), blk, tuple(range(len(meds))))


def test_rule_levels_split_the_error_budget_over_the_looks():
    rule = SequentialRule(min_blocks=2, max_blocks=5, alpha=0.05)
    assert rule.looks == 4 and rule.look_confidence == pytest.approx(0.9875)
    with pytest.raises(ValueError):
        SequentialRule(min_blocks=3, max_blocks=2)


def test_keeps_sampling_until_two_blocks_are_complete():
    rule = SequentialRule()
    cells = [cell("a", 100, 1), cell("b", 300, 1)]
    assert decide(cells, rule).reason == "too-few-blocks"
    partial = CellRounds("a", (*cells[0].medians, 100.0), (0, 0, 0, 1), (0, 1, 2, 3))
    assert complete_blocks([partial], rule) == 1


def test_stops_when_every_pair_is_decided():
    d = decide([cell("a", 100, 2), cell("b", 300, 2), cell("c", 1000, 2)], SequentialRule())
    assert d.stop and d.reason == "decided" and not d.undecided
    assert {v.verdict for v in d.verdicts} == {"faster"}


def test_a_wide_tie_keeps_sampling_and_is_named():
    noisy = [cell("a", 100, 2, jitter=0.2), cell("b", 101, 2, jitter=0.2)]
    d = decide(noisy, SequentialRule(cell_rel=0.001))
    assert not d.stop and d.reason == "continue"
    assert d.undecided in (["a vs b"], ["b vs a"])


def test_the_cap_ends_sampling_with_the_open_pairs_listed():
    noisy = [cell("a", 100, 5, jitter=0.2), cell("b", 101, 5, jitter=0.2)]
    d = decide(noisy, SequentialRule(max_blocks=5, cell_rel=0.001))
    assert d.stop and d.reason == "cap:blocks" and len(d.undecided) == 1


def test_narrow_cells_end_sampling():
    tied = [cell("a", 100, 2, jitter=0.005), cell("b", 100.05, 2, jitter=0.005)]
    d = decide(tied, SequentialRule(equivalence=0.0, cell_rel=0.2))
    assert d.stop and d.reason == "narrow"


def test_linear_spending_gives_later_looks_more_of_alpha_and_still_sums_to_it():
    rule = SequentialRule(min_blocks=2, max_blocks=8, alpha=0.05, spending="linear")
    levels = [rule.confidence_at(b) for b in range(2, 9)]
    assert levels == sorted(levels, reverse=True)  # stricter early, looser late
    assert sum(1 - c for c in levels) == pytest.approx(0.05)
    assert rule.look_confidence == pytest.approx(1 - 0.05 * 7 / 28)
    assert rule.confidence_at(1) == rule.confidence_at(2)  # clamped to the first look
    with pytest.raises(ValueError):
        SequentialRule(spending="quadratic")


def test_a_faster_pair_waits_for_the_resolution_when_one_is_set():
    wide = [cell("a", 100, 4, jitter=0.04), cell("b", 200, 4, jitter=0.04)]
    loose = decide(wide, SequentialRule(cell_rel=0.0))
    strict = decide(wide, SequentialRule(cell_rel=0.0, resolution=0.01))
    assert loose.stop and loose.reason == "decided"
    assert strict.verdicts[0].verdict == "faster" and not strict.stop
    assert strict.undecided  # faster, but not yet within +-1%


def test_narrow_cells_do_not_end_sampling_while_a_pair_is_inconclusive():
    # two processes, nothing to pool with: at the strict first look the pair has no verdict
    tight = [cell("a", 100, 2, jitter=0.003), cell("b", 200, 2, jitter=0.003)]
    rule = SequentialRule(max_blocks=8, cell_rel=0.2, spending="linear", alpha=0.05)
    d = decide(tight, rule)
    assert d.verdicts[0].verdict == "inconclusive" and not d.stop
    assert decide(tight, SequentialRule(cell_rel=0.2)).stop  # 95% at one look: decided
