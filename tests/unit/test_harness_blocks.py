import numpy as np

from stackpick.analysis.intervals import CellRounds
from stackpick.analysis.sequential import SequentialRule
from stackpick.harness.blocks import round_order, run_in_passes


class FakeGroup:
    """Cells with fixed true times; each block adds rounds with a process offset."""

    def __init__(self, name, times, rule, seed):
        self.name, self.times, self.rule = name, times, rule
        self.rng = np.random.default_rng(seed)
        self.meds = {k: [] for k in times}
        self.blocks = {k: [] for k in times}
        self.ran, self.finished = [], []
        self.rounds, self.costs = rule.rounds_per_block, (3.0, 0.25)

    def run_block(self, block):
        self.ran.append(block)
        for k, t in self.times.items():
            offset = np.exp(0.02 * self.rng.standard_normal())
            for _ in range(self.rounds):
                self.meds[k].append(t * offset * np.exp(0.01 * self.rng.standard_normal()))
                self.blocks[k].append(block)

    def cell_rounds(self):
        return [CellRounds(k, tuple(self.meds[k]), tuple(self.blocks[k]),
                           tuple(range(len(self.meds[k])))) for k in self.times]

    def sessions(self):
        return [self.cell_rounds()]

    def finish(self, decision):
        self.finished.append(decision)


def test_round_order_is_random_but_reproducible():
    orders = {tuple(round_order(4, r, "s")) for r in range(30)}
    assert len(orders) > 5
    assert round_order(4, 3, "s") == round_order(4, 3, "s")
    assert sorted(round_order(5, 1, "x")) == [0, 1, 2, 3, 4]


def test_passes_stop_decided_groups_and_cap_the_rest():
    rule = SequentialRule(rounds_per_block=3, min_blocks=2, max_blocks=4, equivalence=0.02,
                          cell_rel=0.0)
    clear = FakeGroup("clear", {"a": 100.0, "b": 300.0}, rule, 1)
    tied = FakeGroup("tied", {"a": 100.0, "b": 100.0}, rule, 2)
    restarts = []
    run_in_passes([clear, tied], rule, lambda: restarts.append(1))
    assert clear.ran == [0, 1] and clear.finished[0].reason == "decided"
    assert tied.ran == list(range(len(tied.ran))) and len(tied.ran) > 2  # a tie takes longer
    assert len(tied.finished) == 1
    assert tied.finished[0].reason in ("cap:blocks", "decided", "narrow")
    assert len(restarts) == len(tied.ran) - 1  # fresh workers before every later pass


def test_a_group_that_never_gets_to_a_verdict_is_capped_once():
    rule = SequentialRule(rounds_per_block=3, min_blocks=2, max_blocks=3, equivalence=0.0,
                          cell_rel=0.0)
    tied = FakeGroup("tied", {"a": 100.0, "b": 100.0}, rule, 3)
    run_in_passes([tied], rule, lambda: None)
    assert tied.ran == [0, 1, 2]
    assert [d.reason for d in tied.finished] == ["cap:blocks"]
