import math

import pytest

from stackpick.analysis import stats
from stackpick.analysis.compare import Contender, compare_group
from stackpick.harness.stopping import StopRule


def test_median_ci_brackets_the_median_and_narrows_with_n():
    small = stats.summarize([float(v) for v in range(1, 21)])
    large = stats.summarize([float(v % 20 + 1) for v in range(2000)])
    assert small.ci_low <= small.median <= small.ci_high
    assert (large.ci_high - large.ci_low) <= (small.ci_high - small.ci_low)


def test_tiny_samples_use_the_extremes_as_interval():
    s = stats.summarize([3.0, 1.0, 2.0])
    assert (s.ci_low, s.median, s.ci_high) == (1.0, 2.0, 3.0)


@pytest.mark.parametrize(("n", "p90", "p99"), [(63, False, False), (64, True, False),
                                              (661, True, False), (662, True, True)])
def test_percentiles_only_with_loadgen_minimum_samples(n, p90, p99):
    s = stats.summarize([float(i) for i in range(n)])
    assert (s.p90 is not None) is p90
    assert (s.p99 is not None) is p99


def test_nearest_rank():
    values = [float(i) for i in range(1, 101)]
    assert stats.nearest_rank(values, 0.90) == 90.0
    assert stats.nearest_rank(values, 0.99) == 99.0


def test_bootstrap_is_seeded_and_deterministic():
    values = [1.0, 1.1, 0.9, 1.05, 0.95, 1.2, 0.8]
    assert stats.bootstrap_median(values) == stats.bootstrap_median(values)


def test_clear_ratio_is_significant_and_noisy_one_is_a_tie():
    slow = [2.0, 2.1, 1.9, 2.05, 2.0, 1.95]
    fast = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    clear = stats.round_ratio(slow, fast)
    assert clear.significant and 1.9 < clear.value < 2.1
    noisy = stats.round_ratio([1.2, 0.8, 1.1, 0.9, 1.0, 1.05], fast)
    assert not noisy.significant


def test_ratio_without_rounds_is_nan():
    assert math.isnan(stats.round_ratio([], []).value)


def test_compare_group_names_fastest_and_says_tie():
    a = Contender("a", 1, [[100.0]] * 6)
    b = Contender("b", 2, [[241.0], [230.0], [255.0], [240.0], [242.0], [239.0]])
    c = Contender("c", 3, [[99.0], [101.0], [100.0], [102.0], [98.0], [100.5]])
    lines = {cmp.slow.label: cmp for cmp in compare_group([a, b, c])}
    assert lines["b"].verdict == "faster"
    assert lines["b"].sentence().startswith(("a ran 2.4", "c ran 2.4"))
    tie_line = lines.get("a") or lines.get("c")
    assert tie_line.verdict == "tie" and "tie" in tie_line.sentence()


def test_stop_rule_needs_count_time_rounds_and_tight_ci():
    rule = StopRule(min_samples=10, min_time_s=0.5, min_rounds=3, ci_rel=0.02, max_time_s=5)
    steady = [100.0] * 50
    assert rule.verdict(steady[:5], 1.0, 5) is None  # too few samples
    assert rule.verdict(steady, 0.1, 5) is None  # too little time
    assert rule.verdict(steady, 1.0, 2) is None  # too few rounds
    assert rule.verdict(steady, 1.0, 5) == "converged"
    noisy = [100.0, 200.0] * 25
    assert rule.verdict(noisy, 1.0, 5) is None  # CI too wide
    assert rule.verdict(noisy, 5.0, 5) == "cap:time"
    assert StopRule(max_samples=10).verdict(noisy[:10], 0.0, 0) == "cap:samples"
