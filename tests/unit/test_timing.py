from stackpick.worker import timing
from stackpick.worker.timing import WarmupRule


def test_slow_calls_are_timed_singly(fake_clock):
    clock = fake_clock(default=200_000)
    assert timing.calibrate_loops(clock.fn, clock, min_sample_ns=50_000) == 1


def test_fast_calls_are_timed_in_loops(fake_clock):
    clock = fake_clock(default=1_000)
    loops = timing.calibrate_loops(clock.fn, clock, min_sample_ns=50_000)
    assert loops == 50


def test_warm_up_stops_when_windows_agree(fake_clock):
    # two cooling windows (9 µs, then 5 µs per call), then steady 1 µs calls
    clock = fake_clock([9_000] * 5 + [5_000] * 5, default=1_000)
    result = timing.warm_up(clock.fn, 1, WarmupRule(window=5, tolerance=0.05), clock)
    assert result.converged
    assert result.calls == 20  # cold, cooler, then two agreeing steady windows


def test_warm_up_gives_up_at_call_cap(fake_clock):
    drifting = [1_000 * (i + 1) for i in range(1_000)]  # never settles
    clock = fake_clock(drifting)
    result = timing.warm_up(clock.fn, 1, WarmupRule(window=5, max_calls=50), clock)
    assert not result.converged
    assert result.calls == 50


def test_warm_up_gives_up_at_time_cap(fake_clock):
    clock = fake_clock([10**9 * (i % 2 + 1) for i in range(100)])
    result = timing.warm_up(clock.fn, 1, WarmupRule(window=2, max_seconds=3.0), clock)
    assert not result.converged
    assert result.seconds >= 3.0


def test_samples_fill_budget_and_report_per_call_time(fake_clock):
    clock = fake_clock(default=1_000)
    samples = timing.take_samples(clock.fn, 10, budget_s=0.001, max_samples=10_000, clock=clock)
    assert len(samples) == 100  # 1 ms budget / (10 calls x 1 µs)
    assert set(samples) == {1_000.0}


def test_samples_stop_at_max_samples(fake_clock):
    clock = fake_clock(default=1_000)
    samples = timing.take_samples(clock.fn, 1, budget_s=10.0, max_samples=7, clock=clock)
    assert len(samples) == 7


def test_at_least_one_sample_even_when_a_call_outlasts_the_budget(fake_clock):
    clock = fake_clock(default=5 * 10**9)
    assert timing.take_samples(clock.fn, 1, budget_s=0.1, max_samples=100, clock=clock) == [5e9]


def test_a_turn_ends_when_the_runtimes_threads_stop_spinning():
    now = [0.0]
    busy_until = 0.035  # an intra-op pool spinning 35 ms after the last call

    def sleep(s):
        now[0] += s

    def cpu():  # the main thread sleeps; the pool burns one CPU until it gives up
        return min(now[0], busy_until)

    waited = timing.wait_until_quiet(timing.QuietRule(window_s=0.004, max_s=0.3), cpu=cpu,
                                     sleep=sleep, now=lambda: now[0])
    assert 0.035 <= waited < 0.045


def test_the_quiet_wait_is_capped():
    now = [0.0]

    def sleep(s):
        now[0] += s

    waited = timing.wait_until_quiet(timing.QuietRule(max_s=0.05), cpu=lambda: now[0],
                                     sleep=sleep, now=lambda: now[0])
    assert 0.05 <= waited < 0.06


def test_cpu_wait_is_seconds_or_unknown():
    wait = timing.cpu_wait_s()
    assert wait is None or wait >= 0.0
