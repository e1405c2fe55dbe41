import numpy as np

from stackpick.analysis.intervals import CellRounds, cell_interval, unpaired_interval
from stackpick.analysis.study_stats import CellInput, study_stats

BLOCKS = [0, 0, 0, 1, 1, 1]


def rounds(base, seed, n=6, spread=0.01):
    rng = np.random.default_rng(seed)
    return [list(base * np.exp(spread * rng.standard_normal(20))) for _ in range(n)]


def test_every_backend_is_ranked_also_across_sessions_after_a_resume():
    group = [CellInput(1, "torch", "s1", rounds(80.0, 1), BLOCKS),
             CellInput(2, "jax", "s1", rounds(60.0, 2), BLOCKS),
             # measured after the resume, in another session: no rounds in common
             CellInput(3, "onnxruntime", "s2", rounds(27.0, 3), BLOCKS),
             CellInput(4, "tensorflow", "s2", rounds(2000.0, 4), BLOCKS)]
    stats = study_stats({"mlp/inference/b1/cpu": group})["mlp/inference/b1/cpu"]
    assert stats.ranking == [3, 2, 1, 4]
    assert len(stats.comparisons) == 3
    assert all(c.fast_cell == 3 for c in stats.comparisons)
    assert {c.slow_cell for c in stats.comparisons} == {1, 2, 4}
    assert not any(c.paired for c in stats.comparisons if c.slow_cell in (1, 2))
    assert all(c.verdict.verdict == "faster" and c.verdict.ratio > 1
               for c in stats.comparisons)


def test_one_session_is_compared_by_paired_rounds():
    group = [CellInput(1, "a", "s", rounds(100.0, 1), BLOCKS),
             CellInput(2, "b", "s", rounds(101.0, 2), BLOCKS),
             CellInput(3, "c", "s", [], BLOCKS)]  # a failed cell has no rounds
    stats = study_stats({"g": group})["g"]
    assert set(stats.intervals) == {1, 2}
    (cmp,) = stats.comparisons
    assert cmp.paired and cmp.verdict.verdict in ("tie", "faster")


def test_unpaired_interval_is_wider_than_either_cell():
    a = CellRounds("a", (100.0, 101.0, 99.0, 103.0, 104.0, 102.0), tuple(BLOCKS), tuple(range(6)))
    b = CellRounds("b", (200.0, 203.0, 199.0, 206.0, 207.0, 205.0), tuple(BLOCKS), tuple(range(6)))
    ia, ib = cell_interval(a), cell_interval(b)
    u = unpaired_interval(ia, ib)
    assert u.ok and u.low < u.estimate < u.high
    assert u.rel_halfwidth > max(ia.rel_halfwidth, ib.rel_halfwidth)
    short = cell_interval(CellRounds("c", (1.0,) * 3, (0, 0, 1), (0, 1, 2)))
    assert unpaired_interval(ia, short).reason == "3 rounds, need 6"
