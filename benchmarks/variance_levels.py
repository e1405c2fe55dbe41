"""Where a study's interval width comes from: the variance at each level of one stored run.

    .venv/bin/python benchmarks/variance_levels.py [--db PATH] [--run ID]

For every timed cell (log scale, so figures are relative): samples per round, the spread of
samples inside a round (robust: MAD x 1.4826), of round medians inside a process block
(rounds), and of block means between processes (process), with the first round of every
block apart from the rest (a cold turn after another backend shows there). For every pair of
cells of a group: the paired per-round log ratio's spreads at the same levels, next to what the
two cells' process spreads would give unpaired. Then the study's pooled process spread by noise
class, which is what every interval borrows.
"""

from __future__ import annotations

import argparse
import itertools
import math
from collections import defaultdict

import numpy as np

from stackpick.store import open_store


def _blocks(values: np.ndarray, blocks: list[int]) -> tuple[np.ndarray, float, int]:
    """Block means, the pooled within-block variance and its df."""
    keys = sorted(set(blocks))
    b = np.asarray(blocks)
    means = np.array([values[b == k].mean() for k in keys])
    resid = np.concatenate([values[b == k] - values[b == k].mean() for k in keys])
    df = len(values) - len(keys)
    return means, float((resid ** 2).sum() / df) if df > 0 else math.nan, df


def _sd(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1)) if len(x) > 1 else math.nan


def cell_levels(rounds: list[list[float]], blocks: list[int]) -> dict[str, float]:
    med = np.log([np.median(r) for r in rounds])
    within_round = np.median([1.4826 * np.median(np.abs(np.log(r) - np.log(np.median(r))))
                              for r in rounds if len(r) > 2] or [math.nan])
    means, wvar, _ = _blocks(med, blocks)
    first = [i for i, b in enumerate(blocks) if i == 0 or blocks[i - 1] != b]
    rest = [i for i in range(len(blocks)) if i not in first]
    cold = (float(np.mean(med[first]) - np.mean(med[rest]))
            if rest and len(first) else math.nan)
    return {"samples": float(np.median([len(r) for r in rounds])),
            "per_call_us": float(np.exp(med.mean()) / 1e3), "sample": float(within_round),
            "round": math.sqrt(wvar) if wvar == wvar else math.nan,
            "process": _sd(means), "blocks": len(means), "first_round": cold}


def _fmt(x: float) -> str:
    return "   n/a" if not math.isfinite(x) else f"{x:6.1%}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db")
    ap.add_argument("--run", type=int)
    args = ap.parse_args()
    store = open_store(args.db)
    run_id = args.run or store.latest_run_id()
    groups: dict[str, list[tuple[str, list[list[float]], list[int], list[int]]]] = (
        defaultdict(list))
    for c in store.cells(run_id):
        t = c.metrics.timing
        rounds = store.rounds(c.id) if c.status == "ok" else []
        if not rounds or t is None or not t.blocks:
            continue
        groups[c.group].append((c.label, rounds, list(t.blocks),
                                list(t.round_ids or range(len(rounds)))))
    print(f"run {run_id}: sd on the log scale (0.05 = 5%); 'first' = first round of a block "
          "minus the others")
    print(f"{'cell':58s} {'n/rnd':>6s} {'us':>8s} {'sample':>6s} {'round':>6s} "
          f"{'proc':>6s} {'blk':>3s} {'first':>6s}")
    procs: list[tuple[float, float, int]] = []
    for g, cells in groups.items():
        for label, rounds, blocks, _ in cells:
            lv = cell_levels(rounds, blocks)
            procs.append((lv["samples"], lv["process"], int(lv["blocks"]) - 1))
            print(f"{label:58s} {lv['samples']:6.0f} {lv['per_call_us']:8.1f} "
                  f"{_fmt(lv['sample'])} {_fmt(lv['round'])} {_fmt(lv['process'])} "
                  f"{lv['blocks']:3d} {_fmt(lv['first_round'])}")
        _pairs(g, cells)
    _classes(procs)


def _pairs(group: str, cells: list[tuple[str, list[list[float]], list[int], list[int]]]
           ) -> None:
    for i, (la, ra, ba, ia) in enumerate(cells):
        for lb, rb, bb, ib in cells[i + 1:]:
            where = {r: k for k, r in enumerate(ia)}
            logs, blocks = [], []
            for k, r in enumerate(ib):
                if r in where:
                    j = where[r]
                    logs.append(math.log(np.median(rb[k]) / np.median(ra[j])))
                    blocks.append(ba[j])
            if len(set(blocks)) < 2:
                continue
            means, wvar, _ = _blocks(np.asarray(logs), blocks)
            sa = cell_levels(ra, ba)["process"]
            sb = cell_levels(rb, bb)["process"]
            print(f"  pair {lb.split('/')[-1]}/{la.split('/')[-1]}: ratio "
                  f"{math.exp(np.mean(means)):.3f}  round {_fmt(math.sqrt(wvar))}  "
                  f"process {_fmt(_sd(means))}  unpaired sqrt(a²+b²) "
                  f"{_fmt(math.hypot(sa, sb))}")


def _classes(procs: list[tuple[float, float, int]]) -> None:
    """The pooled process sd by samples per round (what pooling across unlike cells mixes)."""
    print("pooled process sd by samples per round:")
    edges = [0, 10, 100, 1000, math.inf]
    for lo, hi in itertools.pairwise(edges):
        sel = [(s, d) for n, s, d in procs if lo <= n < hi and d > 0 and s == s]
        if sel:
            var = sum(s * s * d for s, d in sel) / sum(d for _, d in sel)
            print(f"  {lo:>5}-{hi:<5} samples/round: {len(sel):3d} cells, "
                  f"process sd {math.sqrt(var):.1%}")
    sel = [(s, d) for _, s, d in procs if d > 0 and s == s]
    if sel:
        var = sum(s * s * d for s, d in sel) / sum(d for _, d in sel)
        print(f"  all: {len(sel)} cells, process sd {math.sqrt(var):.1%}")


if __name__ == "__main__":
    main()
