import math

from hypothesis import given, settings
from hypothesis import strategies as st

from stackpick.analysis.intervals import CellRounds, Interval, cell_interval, pair_interval
from stackpick.analysis.verdicts import (
    FASTER,
    INCONCLUSIVE,
    TIE,
    VERDICTS,
    compare_group,
    judge,
    rank,
)

BLOCKS = (0, 0, 0, 1, 1, 1)


def cell(label, medians, blocks=BLOCKS):
    return CellRounds(label, tuple(medians), tuple(blocks), tuple(range(len(medians))))


def iv(estimate, low, high, rounds=12):
    return Interval(estimate, low, high, 0.95, rounds, 2, 5)


def test_a_significant_reversal_is_a_win_for_the_other_never_a_tie():
    v = judge("a", "b", iv(0.90, 0.85, 0.95))  # time_b / time_a below 1: b is faster
    assert v.verdict == FASTER and v.fast == "b" and v.slow == "a"
    assert v.ratio > 1 and v.low > 1
    assert "tie" not in v.sentence() and "includes 1" not in v.sentence()


def test_a_tie_says_how_large_a_difference_it_could_hide():
    v = judge("a", "b", iv(1.01, 0.95, 1.08))
    assert v.verdict == TIE
    assert math.isclose(v.hidden, 0.08)
    assert "within ±8%" in v.sentence()


def test_a_tie_that_could_hide_a_2x_difference_is_inconclusive():
    v = judge("a", "b", iv(2.8, 0.01, 500.0))
    assert v.verdict == INCONCLUSIVE and "could hide a 2x difference" in v.reason
    assert "tie" not in v.sentence() and "faster than" not in v.sentence()


def test_too_few_rounds_is_inconclusive_and_says_why():
    a = cell("a", [100.0] * 5, (0, 0, 0, 1, 1))
    b = cell("b", [300.0, 310.0, 290.0, 305.0, 300.0], (0, 0, 0, 1, 1))
    v = judge("a", "b", pair_interval(a, b))
    assert v.verdict == INCONCLUSIVE
    assert v.reason == "5 paired rounds, need 6"
    assert "5 paired rounds, need 6" in v.sentence()


def test_one_process_without_a_study_pool_is_inconclusive():
    a = cell("a", [100.0] * 6, (0,) * 6)
    b = cell("b", [300.0] * 6, (0,) * 6)
    assert pair_interval(a, b).reason == "1 worker process, need 2"
    assert cell_interval(a).reason == "1 worker process, need 2"


def test_a_large_stable_gap_is_faster():
    a = cell("onnxruntime", [27.1, 27.3, 27.0, 28.0, 27.9, 28.2])
    b = cell("torch", [82.8, 83.0, 82.1, 84.0, 83.5, 84.4])
    (v,) = compare_group([b, a])
    assert v.verdict == FASTER and v.fast == "onnxruntime"
    # two processes and no study to pool with: one degree of freedom, t = 12.7
    assert 2.5 < v.low < v.ratio < v.high < 3.5


def test_ranking_uses_the_verdict_statistic_so_the_fastest_never_loses_a_pair():
    # a's pooled median is lower (it is fast in the slow half of the rounds), but round by
    # round b is faster: the ranking must follow the paired statistic.
    a = cell("a", [90.0, 90.0, 90.0, 200.0, 200.0, 200.0])
    b = cell("b", [85.0, 85.0, 85.0, 190.0, 190.0, 190.0])
    assert [c.label for c in rank([a, b])] == ["b", "a"]
    (v,) = compare_group([a, b])
    assert v.fast == "b" and v.ratio >= 1


def test_every_backend_of_a_group_is_ranked():
    cells = [cell(n, [m * (1 + 0.01 * (i % 3)) for i in range(6)])
             for n, m in (("x", 50.0), ("y", 20.0), ("z", 80.0), ("w", 21.0))]
    verdicts = compare_group(cells)
    assert [v.fast for v in verdicts] == ["y", "y", "y"]
    assert {v.slow for v in verdicts} == {"x", "z", "w"}
    assert all(v.ratio >= 1 for v in verdicts)


finite = st.floats(min_value=0.05, max_value=20, allow_nan=False)


@given(finite, finite, finite)
def test_property_no_tie_for_an_interval_that_excludes_1(x, y, z):
    low, est, high = sorted((x, y, z))
    v = judge("a", "b", iv(est, low, high))
    assert v.verdict in VERDICTS
    excludes = low > 1 or high < 1
    assert (v.verdict == FASTER) == excludes
    if "tie" in v.sentence() or "includes 1" in v.sentence():
        assert low <= 1 <= high
    if v.verdict == TIE:
        assert v.hidden <= 1.0
    assert v.ratio >= 1 or math.isclose(v.ratio, 1)


medians = st.lists(st.floats(min_value=1.0, max_value=1e6, allow_nan=False),
                   min_size=6, max_size=12)


@settings(max_examples=60, deadline=None)
@given(medians, medians)
def test_property_verdicts_from_data_agree_with_their_own_interval(ma, mb):
    n = min(len(ma), len(mb))
    blocks = tuple(i * 2 // n for i in range(n))
    a, b = cell("a", ma[:n], blocks), cell("b", mb[:n], blocks)
    for v in compare_group([a, b]):
        if v.verdict == TIE:
            assert v.low <= 1 <= v.high
        elif v.verdict == FASTER:
            assert 1 < v.low <= v.ratio <= v.high
        if v.verdict != FASTER:
            assert "faster than" not in v.sentence()


def test_a_group_says_the_smallest_difference_it_resolves():
    from stackpick.analysis.compare import Comparison, Contender, Ratio, resolution
    from stackpick.analysis.verdicts import Verdict

    def comparison(low, high, verdict="faster"):
        v = Verdict("a", "b", verdict, (low * high) ** 0.5, low, high, 12, 4, 0.9875)
        return Comparison(Contender("a", 1), Contender("b", 2), Ratio(v.ratio, low, high, 12), v)

    r = resolution([comparison(1.9, 2.1), comparison(1.05, 1.25)])
    assert math.isclose(r.relative, math.expm1(math.log(1.25 / 1.05) / 2))
    assert r.sentence().startswith("resolves differences of 9% or more (the widest of its 2")
    assert r.to_dict()["pairs"] == 2 and r.to_dict()["unresolved"] == 0
    none = resolution([comparison(math.nan, math.nan, "inconclusive")])
    assert none.relative is None and "none of its 1 pair has an interval" in none.sentence()
    assert resolution([]) is None
