"""Coverage and false verdicts of stackpick's intervals on synthetic data with a known truth.

    .venv/bin/python benchmarks/simulate_coverage.py [--studies N] [--seed S] [--history]

Each scenario is a study of 4 groups of three cells (two tied, one 1.3x slower), made as
stackpick.analysis.simulate describes. For every scenario it prints, per method, how often a
cell's interval covers the true median per call, how often a pair's interval covers the true
ratio, how often a true tie is called "faster", how often the 1.3x gap is found, the median
cell half-width, and for the sequential rules the mean blocks (processes per cell) and rounds
per block. Methods:

  run         two blocks of 5 rounds, 95% (`stackpick run`: one look)
  bench       what `stackpick bench` does: 2-8 blocks, alpha spent linearly over the 7 looks,
              a faster pair settles within +-10%, a tie within +-5%, and from the third block
              on the rounds per block that analysis/allocation.py picks (block 3 s, round
              0.25 s: the costs of a torch + onnxruntime bench here)
  bench 2-4   the rule `stackpick bench` used before: 2-4 blocks of 3 rounds, alpha split
              evenly over 3 looks, no precision target
  naive seq.  the bench rule at 95% per look (what repeated looks do without control)
  previous, sign test (with --history): the methods before process blocks (issue 11)

Unless a scenario says otherwise: 40 samples per round (5% log-normal noise, 2% of samples
1.5-4x slow, a 1% shift shared by a round's samples), drift an AR(1) over rounds (rho 0.8,
its stationary sd the scenario's "drift", shared by the group's cells, plus a third of it per
cell), process offsets log-normal with sd 3% and a per-process noise scale; a group's blocks
follow each other in time unless "blocks apart" (then drift restarts in every block).
"pass shifts": every block of a group also shifts all its cells together by a log-normal 10%
(the machine's state during one pass, as measured in `stackpick run` here).

The tables in docs/statistics.md are this script's output.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from stackpick.analysis.distributions import sign_test_interval
from stackpick.analysis.sequential import SequentialRule
from stackpick.analysis.simulate import (
    Scenario,
    Tally,
    fixed_design,
    group_samples,
    sequential_design,
    with_,
)
from stackpick.harness.stopping import StopRule

BASE = Scenario("base", medians_ns=(1000.0, 1000.0, 1300.0))
DRIFT3 = {"drift_shared": 0.03, "drift_cell": 0.01}
SCENARIOS = [
    with_(BASE, name="quiet: no drift, no process offsets", drift_shared=0.0, drift_cell=0.0,
          process_sigma=0.0, round_sigma=0.0),
    with_(BASE, name="1% drift", process_sigma=0.0),
    with_(BASE, name="3% drift", process_sigma=0.0, **DRIFT3),
    with_(BASE, name="3% drift, blocks apart", process_sigma=0.0, blocks_apart=True, **DRIFT3),
    with_(BASE, name="1% drift + 3% process offsets"),
    with_(BASE, name="3% drift + 3% process offsets", **DRIFT3),
    with_(BASE, name="3% drift + 3% process offsets, blocks apart", blocks_apart=True,
          **DRIFT3),
    with_(BASE, name="process offsets 1%/3%/8% by cell", process_sigma=(0.01, 0.03, 0.08)),
    with_(BASE, name="one group per study (no pool)", groups=1),
    with_(BASE, name="bimodal processes (30% at 1.6x)", bimodal=0.3),
    with_(BASE, name="10% pass shifts + 3% process offsets", pass_sigma=0.10),
]
BENCH = StopRule().sequential()
RUN = StopRule.journey()  # two blocks of five rounds, one look
BEFORE = SequentialRule(rounds_per_block=3, min_blocks=2, max_blocks=4)
COSTS = (3.0, 0.25)  # a bench block's processes and one round (torch + onnxruntime, here)


def _old_pair(ratios: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    idx = rng.integers(0, len(ratios), size=(1000, len(ratios)))
    med = np.median(ratios[idx], axis=1)
    return float(np.quantile(med, 0.025)), float(np.quantile(med, 0.975))


def _pooled_cell(samples: np.ndarray) -> tuple[float, float]:
    flat = np.sort(samples.ravel())
    n, half = len(flat), 1.959964 * math.sqrt(len(flat)) / 2
    return float(flat[max(math.floor(n / 2 - half), 0)]), float(flat[min(math.ceil(n / 2 + half),
                                                                        n - 1)])


def _tally_pairs(t: Tally, sc: Scenario, intervals: dict[tuple[int, int], tuple[float, float]]
                 ) -> None:
    for (i, j), (lo, hi) in intervals.items():
        truth = sc.ratio(i, j)
        t.pairs += 1
        t.pairs_covered += lo <= truth <= hi
        faster = lo > 1 or hi < 1
        if math.isclose(truth, 1.0):
            t.ties += 1
            t.false_faster += faster
        else:
            t.real += 1
            t.found += faster and (lo > 1) == (truth > 1)


def round_level(sc: Scenario, studies: int, seed: int, method: str) -> Tally:
    """The previous method or the sign test, on the same kind of data as ``fixed_design``."""
    data = group_samples(sc, np.random.default_rng(seed), studies)
    rng = np.random.default_rng(seed + 1)
    t = Tally()
    for s in range(studies):
        for g in range(sc.groups):
            cells = data[s, g]  # (cells, rounds, samples)
            med = np.median(cells, axis=-1)
            for i in range(len(cells)):
                lo, hi = (_pooled_cell(cells[i]) if method == "previous"
                          else sign_test_interval(list(med[i])) or (math.nan, math.nan))
                t.cells += 1
                t.cells_covered += lo <= sc.truth(i) <= hi
                t.widths.append(math.expm1(math.log(hi / lo) / 2))
            pairs = {}
            for i in range(len(cells)):
                for j in range(i + 1, len(cells)):
                    ratios = med[j] / med[i]
                    pairs[i, j] = (_old_pair(ratios, rng) if method == "previous"
                                   else sign_test_interval(list(ratios)) or (math.nan, math.nan))
            _tally_pairs(t, sc, pairs)
    return t


def _fmt(row: dict[str, float]) -> str:
    def pct(x: float) -> str:
        return "  n/a" if math.isnan(x) else f"{x:5.1%}"
    blocks = "" if math.isnan(row["mean_blocks"]) else f"{row['mean_blocks']:4.2f}"
    rounds = "" if math.isnan(row["rounds_per_block"]) else f"{row['rounds_per_block']:4.2f}"
    width = "" if math.isnan(row["median_halfwidth"]) else f"±{row['median_halfwidth']:.1%}"
    return (f"{pct(row['cell_coverage'])} | {pct(row['pair_coverage'])} | "
            f"{pct(row['false_faster'])} | {pct(row['power'])} | {width:>6} | {blocks:>4} | "
            f"{rounds:>4}")


def _rows(sc: Scenario, studies: int, seed: int, history: bool) -> list[tuple[str, Tally]]:
    run = with_(sc, rounds_per_block=RUN.rounds_per_block)
    rows = [("run", fixed_design(run, studies, seed)),
            ("bench", sequential_design(sc, BENCH, studies // 2, seed, COSTS)),
            ("bench 2-4", sequential_design(sc, BEFORE, studies // 2, seed)),
            ("naive seq.", sequential_design(sc, _flat(BENCH), studies // 2, seed, COSTS))]
    if history:
        rows = [("previous", round_level(sc, studies, seed, "previous")),
                ("sign test", round_level(sc, studies, seed, "sign")), *rows]
    return rows


def _flat(rule: SequentialRule) -> SequentialRule:
    """``rule`` with its alpha split evenly and 5% at every look."""
    return SequentialRule(**{**rule.to_dict(), "spending": "even",
                             "alpha": 0.05 * rule.looks})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--studies", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--history", action="store_true", help="also the methods before blocks")
    args = ap.parse_args()
    start = time.perf_counter()
    print(f"{args.studies} studies x 4 groups per scenario ({args.studies // 2} for the "
          f"sequential rules), seed {args.seed}")
    print("| scenario | method | cell cover | pair cover | false faster | 1.3x found "
          "| cell ± | blocks | rounds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for sc in SCENARIOS:
        for method, tally in _rows(sc, args.studies, args.seed, args.history):
            print(f"| {sc.name} | {method} | {_fmt(tally.row())} |")
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
