"""Coverage and false verdicts of stackpick's intervals on synthetic data with a known truth.

    .venv/bin/python benchmarks/simulate_coverage.py [--studies N] [--seed S]

Each scenario is a study of 4 groups of three cells (two tied, one 1.3x slower), two worker
processes per cell of 3 rounds each (see stackpick.analysis.simulate for how samples are made).
For every scenario it prints, per method, how often a cell's 95% interval covers the true
median per call, how often a pair's interval covers the true ratio, how often a true tie is
called "faster", and how often the 1.3x gap is found. Methods:

  previous    order statistics over all pooled samples (cells), percentile bootstrap of the
              median per-round ratio (pairs), "faster" from 6 rounds (the code before issue 11)
  sign test   exact order-statistic interval over round medians / per-round ratios
  blocks      process-block means, t interval, spread pooled over the study (95%, fixed)
  sequential  blocks, with the stop rule looking after every block (2..5 blocks, 5% spent
              over 4 looks); what the product reports
  naive seq.  the same stop rule at 95% per look (what repeated looks do without control)

Unless a scenario says otherwise: 40 samples per round (5% log-normal noise, 2% of samples
1.5-4x slow, a 1% shift shared by a round's samples), drift an AR(1) over rounds (rho 0.8,
its stationary sd the scenario's "drift", shared by the group's cells, plus a third of it per
cell), process offsets log-normal with sd 3% and a per-process noise scale; a group's blocks
follow each other in time unless "blocks apart" (then drift restarts in every block).

The table in docs/statistics.md is this script's output.
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
]
RULE = SequentialRule(rounds_per_block=3, min_blocks=2, max_blocks=5)


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
    width = "" if math.isnan(row["median_halfwidth"]) else f"±{row['median_halfwidth']:.1%}"
    return (f"{pct(row['cell_coverage'])} | {pct(row['pair_coverage'])} | "
            f"{pct(row['false_faster'])} | {pct(row['power'])} | {width:>6} | {blocks:>4}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--studies", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    naive = SequentialRule(rounds_per_block=3, min_blocks=2, max_blocks=5,
                           alpha=0.05 * RULE.looks)  # 95% at every look
    start = time.perf_counter()
    print(f"{args.studies} studies x 4 groups per scenario, seed {args.seed}")
    print("| scenario | method | cell cover | pair cover | false faster | 1.3x found "
          "| cell ± | blocks |")
    print("|---|---|---|---|---|---|---|---|")
    for sc in SCENARIOS:
        rows = [("previous", round_level(sc, args.studies, args.seed, "previous").row()),
                ("sign test", round_level(sc, args.studies, args.seed, "sign").row()),
                ("blocks", fixed_design(sc, args.studies, args.seed).row()),
                ("sequential", sequential_design(sc, RULE, args.studies // 2, args.seed).row()),
                ("naive seq.", sequential_design(sc, naive, args.studies // 2, args.seed).row())]
        for method, row in rows:
            print(f"| {sc.name} | {method} | " + _fmt(row).replace(" | ", " | ") + " |")
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
