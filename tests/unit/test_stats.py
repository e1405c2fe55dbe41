
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


def test_compare_group_names_fastest_and_says_tie():
    blocks = [0, 0, 0, 1, 1, 1]
    a = Contender("a", 1, [[100.0]] * 6, blocks=blocks)
    b = Contender("b", 2, [[241.0], [230.0], [255.0], [240.0], [242.0], [239.0]], blocks=blocks)
    c = Contender("c", 3, [[99.0], [101.0], [100.0], [102.0], [98.0], [100.5]], blocks=blocks)
    lines = {cmp.slow.label: cmp for cmp in compare_group([a, b, c])}
    assert lines["b"].verdict == "faster"
    assert lines["b"].sentence().startswith(("a ran 2.4", "c ran 2.4"))
    tie_line = lines.get("a") or lines.get("c")
    assert tie_line.verdict == "tie" and "tie" in tie_line.sentence()


def test_stop_rule_reads_old_plans_and_caps_sampling_time():
    old = {"min_samples": 20, "min_time_s": 0.5, "min_rounds": 5, "ci_rel": 0.02,
           "max_time_s": 6.0, "max_samples": 20000, "round_time_s": 0.1}
    rule = StopRule.from_dict(old)
    assert rule.ci_rel == 0.02 and rule.max_blocks == StopRule().max_blocks
    capped = StopRule(max_time_s=0.6, max_blocks=2, rounds_per_block=3)
    assert capped.round_budget_s() == pytest.approx(0.1)  # 6 rounds within 0.6 s
    assert StopRule(max_time_s=0.3, max_blocks=2).round_budget_s() == pytest.approx(0.05)
    seq = StopRule.journey().sequential()
    assert seq.max_blocks == 2 and seq.look_confidence == pytest.approx(0.95)
