import math

import pytest

from stackpick.analysis import distributions as d


@pytest.mark.parametrize(("df", "expected"), [(1, 12.7062), (2, 4.3027), (3, 3.1824),
                                              (5, 2.5706), (10, 2.2281), (30, 2.0423),
                                              (1000, 1.9600)])
def test_t_quantile_matches_published_tables(df, expected):
    assert d.t_quantile(0.95, df) == pytest.approx(expected, abs=1e-4)


def test_t_quantile_at_other_levels_and_fractional_df():
    assert d.t_quantile(0.99, 4) == pytest.approx(4.6041, abs=1e-4)
    assert d.t_quantile(0.95, 5.9) == d.t_quantile(0.95, 5)  # rounded down: conservative
    with pytest.raises(ValueError):
        d.t_quantile(0.95, 0.5)


def test_t_cdf_is_a_distribution():
    assert d.t_two_sided_cdf(0.0, 3) == 0.0
    assert d.t_two_sided_cdf(1e9, 7) == pytest.approx(1.0)
    values = [d.t_two_sided_cdf(x / 4, 6) for x in range(1, 40)]
    assert values == sorted(values)


@pytest.mark.parametrize("n", [6, 7, 10, 25, 100])
def test_sign_test_ranks_reach_the_confidence_exactly(n):
    lo, hi = d.sign_test_ranks(n)
    # the interval [x_(lo), x_(hi)] misses the median when at most lo values are below it
    miss = 2 * sum(math.comb(n, k) for k in range(lo + 1)) / 2 ** n
    assert miss <= 0.05
    wider_miss = 2 * sum(math.comb(n, k) for k in range(lo + 2)) / 2 ** n
    assert wider_miss > 0.05  # and it is the narrowest such interval
    assert hi == n - 1 - lo


def test_too_few_values_have_no_sign_test_interval():
    assert d.sign_test_ranks(5) is None
    assert d.sign_test_interval([1.0, 2.0, 3.0, 4.0, 5.0]) is None
    assert d.sign_test_interval([float(v) for v in range(10)]) == (1.0, 8.0)
