import math

import numpy as np

from stackpick.analysis.payoff import FREE, INCONCLUSIVE, NOT_FASTER, PAYS_OFF, SLOWER, break_even
from stackpick.analysis.percentiles import cell_tail, loop_mean_tail
from stackpick.analysis.verdicts import Verdict


def test_p99_of_2_call_means_is_well_below_the_per_call_p99_on_skewed_data():
    rng = np.random.default_rng(0)
    calls = 27_000 * np.exp(0.1 * rng.standard_normal(40_000)) * np.where(
        rng.random(40_000) < 0.03, rng.uniform(1.5, 3, 40_000), 1.0)
    means = calls.reshape(-1, 2).mean(axis=1)
    true_p99 = np.quantile(calls, 0.99)
    assert loop_mean_tail(means, 2).p99 < 0.95 * true_p99  # the "about 8% low"
    hidden = cell_tail(means, loops=2)
    assert hidden.p90 is None and hidden.p99 is None
    assert hidden.basis == "of 2-call means" and "not per call" in hidden.reason
    per_call = cell_tail(means, loops=2, per_call_pass=list(calls[:2000] + 60),
                         clock_overhead_ns=60)
    assert per_call.per_call and abs(per_call.p99 / true_p99 - 1) < 0.05


def test_single_call_samples_give_per_call_tails_once_there_are_enough():
    few = cell_tail([1.0] * 100, loops=1)
    assert few.p90 == 1.0 and few.p99 is None and "p99 needs 662" in few.reason
    assert cell_tail([float(i) for i in range(1000)], loops=1).p99 == 989.0


def v(verdict, ratio, low, high, fast="compiled"):
    return Verdict(fast, "eager", verdict, ratio, low, high, 12, 2, 0.95, reason="r")


def test_break_even_needs_a_gain_whose_interval_excludes_zero():
    # a 0.04 us gain inside the noise used to "pay off after 500,000,001 calls"
    tie = break_even(20.0, 40e-6, "compiled", v("tie", 1.001, 0.98, 1.02))
    assert tie.status == NOT_FASTER and tie.calls is None
    assert "not measurably faster" in tie.text()


def test_break_even_has_a_range_from_the_gain_interval():
    b = break_even(2.0, 100e-6, "compiled", v("faster", 2.0, 1.6, 2.5))
    assert b.status == PAYS_OFF
    assert b.calls_low < b.calls < b.calls_high
    assert b.calls == math.ceil(2.0 / 50e-6)
    assert "pays off after 40,000 calls" in b.text()


def test_break_even_other_cases():
    assert break_even(1.0, 1e-4, "compiled", v("faster", 2, 1.5, 3, fast="eager")).status \
        == SLOWER
    assert break_even(-1.0, 1e-4, "compiled", v("faster", 2, 1.5, 3)).status == FREE
    assert break_even(1.0, 1e-4, "compiled", v("inconclusive", 2, math.nan, math.nan)
                      ).status == INCONCLUSIVE
