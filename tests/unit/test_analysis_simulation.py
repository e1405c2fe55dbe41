"""The statistics against synthetic data with a known truth (drift between rounds and between
processes injected), and the issue's failing cases of the previous method, reproduced."""

import numpy as np
import pytest

from stackpick.analysis.intervals import CellRounds, pair_interval
from stackpick.analysis.sequential import SequentialRule
from stackpick.analysis.simulate import Scenario, fixed_design, sequential_design, with_
from stackpick.analysis.verdicts import FASTER, INCONCLUSIVE, judge

# two tied cells and one 1.3x slower; 3% process offsets, 1% machine drift, skewed samples
BASE = Scenario("tie+gap", medians_ns=(1000.0, 1000.0, 1300.0), groups=3,
                samples_per_round=25)
DRIFT = with_(BASE, name="drift", drift_shared=0.03, drift_cell=0.01)
HETERO = with_(BASE, name="hetero", process_sigma=(0.01, 0.03, 0.06))
# strong drift and no process offsets: blocks must run apart in time for their means to be
# independent (the runner spreads a group's blocks over the study)
APART = with_(DRIFT, name="apart", process_sigma=0.0, blocks_apart=True)


@pytest.mark.parametrize("sc", [BASE, DRIFT, HETERO, APART], ids=lambda s: s.name)
def test_cell_and_pair_intervals_cover_the_truth(sc):
    t = fixed_design(sc, studies=80, seed=11)
    row = t.row()
    assert row["cell_coverage"] >= 0.90, row
    assert row["pair_coverage"] >= 0.90, row
    # a fixed design at 95% calls a true tie faster 5% of the time by construction; 240 tie
    # pairs estimate that to +-1.4%. The product's verdicts go through the sequential rule
    # (stricter per look), which the next test holds to 5%.
    assert row["false_faster"] <= 0.075, row
    assert row["power"] >= 0.8, row  # and a 1.3x gap is still found


def test_sequential_stopping_keeps_false_faster_within_5_percent():
    rule = SequentialRule(rounds_per_block=2, max_blocks=4, equivalence=0.10)
    row = sequential_design(DRIFT, rule, studies=60, seed=5).row()
    assert row["false_faster"] <= 0.05, row
    assert row["pair_coverage"] >= 0.90, row
    assert row["power"] >= 0.8, row


def test_clear_differences_stop_at_the_first_look():
    # the first group of a study has no pool to borrow from (2 df): a 1.5x gap there may take
    # a third block; later groups decide at the first look
    sc = with_(BASE, medians_ns=(1000.0, 2000.0, 3000.0))
    row = sequential_design(sc, SequentialRule(), studies=20, seed=3).row()
    assert row["mean_blocks"] < 2.2 and row["power"] == 1.0


def _old_bootstrap(values, resamples=2000, seed=0):
    """The previous method (measure/stats.py before issue 11): percentile bootstrap of the
    median of per-round ratios, rounds treated as independent."""
    arr = np.asarray(values)
    idx = np.random.default_rng(seed).integers(0, len(arr), size=(resamples, len(arr)))
    med = np.median(arr[idx], axis=1)
    return np.quantile(med, 0.025), np.quantile(med, 0.975)


def test_issue_case_bootstrap_of_5_ratios_is_min_max_and_now_inconclusive():
    ratios = [1.02, 0.97, 1.10, 0.99, 1.05]
    lo, hi = _old_bootstrap(ratios)
    assert (lo, hi) == (min(ratios), max(ratios))
    a = CellRounds("a", (1.0,) * 5, (0, 0, 0, 1, 1), tuple(range(5)))
    b = CellRounds("b", tuple(ratios), (0, 0, 0, 1, 1), tuple(range(5)))
    v = judge("a", "b", pair_interval(a, b))
    assert v.verdict == INCONCLUSIVE and v.reason == "5 paired rounds, need 6"


def test_issue_case_7_rounds_old_method_calls_a_true_tie_faster_about_11_percent():
    rng = np.random.default_rng(7)
    trials = 400
    logs = 0.05 * rng.standard_normal((trials, 7))  # true ratio 1, rounds independent
    old = sum(not (lo <= 1 <= hi) for lo, hi in (_old_bootstrap(np.exp(x), 500, i)
                                                  for i, x in enumerate(logs)))
    assert old / trials > 0.08  # the issue measured 11%
    blocks = (0, 0, 0, 0, 1, 1, 1)
    new = 0
    for x in logs:
        a = CellRounds("a", (1.0,) * 7, blocks, tuple(range(7)))
        b = CellRounds("b", tuple(np.exp(x)), blocks, tuple(range(7)))
        new += judge("a", "b", pair_interval(a, b)).verdict == FASTER
    assert new / trials <= 0.05


def test_issue_case_pooled_sample_interval_misses_a_rerun_under_drift():
    # the previous cell interval: order statistics over all pooled samples. With 1% drift
    # between rounds and thousands of samples it is far too narrow (the issue measured 23%).
    sc = with_(BASE, name="old", medians_ns=(1000.0,), drift_shared=0.01, groups=1,
               process_sigma=0.0, samples_per_round=200)
    from stackpick.analysis.simulate import group_samples

    data = group_samples(sc, np.random.default_rng(2), 200)[:, 0, 0]  # (studies, rounds, n)
    covered = 0
    for study in data:
        flat = np.sort(study.ravel())
        n = len(flat)
        half = 1.96 * np.sqrt(n) / 2
        lo, hi = flat[int(np.floor(n / 2 - half))], flat[int(np.ceil(n / 2 + half))]
        covered += lo <= sc.truth(0) <= hi
    assert covered / len(data) < 0.6
    assert fixed_design(sc, studies=100, seed=2).row()["cell_coverage"] >= 0.90


def test_looking_after_every_block_at_95_percent_would_inflate_false_faster():
    # why the rule splits its 5% over the looks: the same stopping at 95% per look
    rule = SequentialRule(rounds_per_block=2, max_blocks=4, equivalence=0.10)
    naive = SequentialRule(rounds_per_block=2, max_blocks=4, equivalence=0.10,
                           alpha=0.05 * rule.looks)
    sc = with_(DRIFT, medians_ns=(1000.0, 1000.0))
    strict = sequential_design(sc, rule, studies=60, seed=9).row()["false_faster"]
    loose = sequential_design(sc, naive, studies=60, seed=9).row()["false_faster"]
    assert loose > 0.05 and strict <= 0.05 and loose > 2 * strict


def test_the_bench_rule_with_its_allocation_covers_and_holds_false_faster():
    # what `stackpick bench` does: 2-8 blocks, alpha spent linearly, +-10% resolution, and
    # Kalibera & Jones's rounds per block; shifts of 10% shared by a group's cells per block
    from stackpick.harness.stopping import StopRule

    sc = with_(BASE, name="passes", pass_sigma=0.10, groups=2)
    row = sequential_design(sc, StopRule().sequential(), studies=40, seed=4,
                            costs=(3.0, 0.25)).row()
    assert row["cell_coverage"] >= 0.90, row
    assert row["pair_coverage"] >= 0.90, row
    assert row["false_faster"] <= 0.05, row
    assert row["power"] >= 0.9, row
