"""Kalibera & Jones's rounds per block, from the variance at each level and its cost."""

import numpy as np

from stackpick.analysis.allocation import group_levels, next_rounds, rounds_per_block
from stackpick.analysis.intervals import CellRounds
from stackpick.analysis.sequential import SequentialRule


def group(process_sd, round_sd, blocks=4, per=3, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for label, base in (("a", 100.0), ("b", 200.0)):
        offsets = np.repeat(process_sd * rng.standard_normal(blocks), per)
        meds = base * np.exp(offsets + round_sd * rng.standard_normal(blocks * per))
        out.append(CellRounds(label, tuple(meds), tuple(np.repeat(np.arange(blocks), per)),
                              tuple(range(blocks * per))))
    return out


def test_levels_separate_round_noise_from_process_noise():
    noisy_rounds = group_levels(group(0.001, 0.05, blocks=40))
    noisy_processes = group_levels(group(0.05, 0.001, blocks=40))
    assert noisy_rounds.round_var > 10 * noisy_rounds.process_var
    assert noisy_processes.process_var > 10 * noisy_processes.round_var


def test_rounds_go_where_they_are_cheap_and_noisy():
    rounds_noisy = group_levels(group(0.005, 0.05, blocks=20))
    processes_noisy = group_levels(group(0.05, 0.005, blocks=20))
    assert rounds_per_block(rounds_noisy, 3.0, 0.25, 3, 8) >= 6
    assert rounds_per_block(processes_noisy, 3.0, 0.25, 3, 8) == 3
    # a process as cheap as a round: more processes, not more rounds
    assert rounds_per_block(rounds_noisy, 0.01, 1.0, 3, 8) == 3


def test_without_variances_or_costs_the_rule_stands():
    rule = SequentialRule(rounds_per_block=3, max_rounds=8)
    one_block = group(0.01, 0.01, blocks=1)
    assert next_rounds(one_block, (3.0, 0.25), rule) == 3
    assert next_rounds(group(0.005, 0.05, blocks=6), (0.0, 0.0), rule) == 3
    assert SequentialRule(rounds_per_block=4).max_rounds == 4
