import numpy as np

from stackpick.analysis.stability import sample_warnings
from stackpick.analysis.stats import summarize


def warnings_for(samples, stop="converged"):
    return sample_warnings(summarize(samples), stop, ci_target=0.02)


def test_rare_spikes_in_many_samples_do_not_warn():
    samples = [100.0] * 5000 + [30_000.0] * 3  # three interrupts: the plain CV is huge
    assert summarize(samples).cv > 1.0
    assert warnings_for(samples) == []


def test_frequent_spikes_warn_as_interference():
    samples = [100.0] * 950 + [500.0] * 50
    (warning,) = warnings_for(samples)
    assert warning.startswith("interference: 5.0% of samples")


def test_broad_noise_warns_with_the_robust_cv():
    rng = np.random.default_rng(0)
    samples = list(100.0 * (1 + 0.3 * rng.standard_normal(2000)).clip(0.6, 1.8))
    assert any(w.startswith("high variation (robust CV") for w in warnings_for(samples))


def test_unconverged_cap_says_what_to_do():
    samples = [100.0, 140.0] * 10
    assert any("raise --max-time" in w and w.startswith("not converged")
               for w in warnings_for(samples, stop="cap:time"))
