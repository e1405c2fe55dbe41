"""Turns whose threads waited for a CPU well beyond their usual share are run again."""

from stackpick.harness.turns import TurnCounts, disturbed, timed_turn
from stackpick.protocol.messages import SampleReply


def reply(wait_share, turn_s=0.1):
    return SampleReply([1.0], 1, wait_s=None if wait_share is None else wait_share * turn_s,
                       turn_s=turn_s)


def test_a_disturbed_turn_is_repeated_and_counted():
    answers = iter([reply(0.5), reply(0.001)])
    counts = TurnCounts(shares=[0.001] * 4)
    got = timed_turn(lambda: next(answers), counts)
    assert got.wait_s == 0.0001 and counts.repeated == 1 and counts.disturbed == 0
    assert "1 timed turns repeated" in counts.warnings()[0]


def test_a_turn_still_disturbed_after_the_repeats_is_kept_with_a_warning():
    counts = TurnCounts(shares=[0.0] * 4)
    got = timed_turn(lambda: reply(0.6), counts, repeats=2)
    assert got.wait_s is not None and counts.repeated == 2 and counts.disturbed == 1
    assert any("kept although" in w for w in counts.warnings())


def test_a_backend_that_waits_on_its_own_threads_is_judged_by_its_usual_share():
    counts = TurnCounts(shares=[0.40, 0.45, 0.35])  # e.g. TensorFlow's two pools on 2 cores
    assert not disturbed(reply(0.5), counts)
    assert disturbed(reply(1.5), counts)


def test_no_report_no_repeat():
    counts = TurnCounts()
    assert timed_turn(lambda: reply(None), counts).wait_s is None
    assert counts.repeated == 0 and counts.warnings() == []
