"""Do a run's intervals cover what a rerun measures? Runs one small study N times, each as a
separate `stackpick bench` invocation (new processes, new store), and prints how often each
run's intervals contain the other runs' estimates.

    .venv/bin/python benchmarks/rerun_coverage.py [--runs 5] [--workload mlp]
        [--backends torch,onnxruntime] [--batch 1] [--extra "--quick"]

For every ordered pair of runs (i, j), i != j: is run j's cell median inside run i's cell
interval, and run j's pair ratio inside run i's pair interval? A correct 95% interval is for
the true value, and a rerun's estimate varies as much as this run's, so it lands inside only
about 83% of the time (normal case: P(|Z| < 1.96 / sqrt 2)); well under 80% means too narrow.
The same intervals widened by sqrt 2 on the log scale (a prediction interval for a rerun's
estimate) should contain about 95%.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import subprocess
import sys
import tempfile
import time
from itertools import permutations
from pathlib import Path
from typing import Any

Estimate = tuple[float, float, float]  # estimate, low, high


def _cell_estimate(cell: dict[str, Any]) -> Estimate | None:
    m = cell.get("metrics") or {}
    iv = m.get("interval")  # per-call median and its rerun interval (issue 11)
    if iv and iv.get("low") is not None:
        return iv["median"], iv["low"], iv["high"]
    lat = m.get("latency_ns")
    if lat:
        return lat["median"], lat["ci_low"], lat["ci_high"]
    return None


def read_run(path: Path) -> tuple[dict[str, Estimate], dict[str, Estimate], dict[str, str]]:
    """Cells by key, pairs by "group: a/b" (ratio time_b / time_a, names sorted), verdicts."""
    doc = json.loads(path.read_text())
    cells: dict[str, Estimate] = {}
    pairs: dict[str, Estimate] = {}
    verdicts: dict[str, str] = {}
    for g in doc["groups"]:
        for c in g["cells"]:
            est = _cell_estimate(c) if c["status"] == "ok" else None
            if est:
                cells[c["key"]] = est
        for cmp in g["comparisons"]:
            a, b = sorted((cmp["fast"], cmp["slow"]))
            r, lo, hi = cmp["ratio"], cmp["low"], cmp["high"]
            if a != cmp["fast"]:  # stored as slow/fast: turn it into b/a
                r, lo, hi = 1 / r, (1 / hi if hi else None), (1 / lo if lo else None)
            key = f"{g['key']}: {b}/{a}"
            pairs[key] = (r, lo, hi)
            verdicts[key] = cmp["verdict"]
    return cells, pairs, verdicts


def bench(i: int, args: argparse.Namespace, tmp: Path) -> tuple[Path, float]:
    out = tmp / f"run{i}.json"
    cmd = [str(Path(sys.executable).with_name("stackpick")), "bench", "--workload",
           args.workload, "--backends", args.backends, "--batch", args.batch,
           "--db", str(tmp / f"run{i}.db"), "--json", str(out), *shlex.split(args.extra)]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=os.environ.copy())
    return out, time.perf_counter() - start


def cover(runs: list[dict[str, Estimate]], widen: float = 1.0) -> tuple[int, int, list[str]]:
    """How many (run i interval, run j estimate) pairs hit, of how many; ``widen`` scales
    each interval's log half-widths around its estimate."""
    hits = total = 0
    misses = []
    for i, j in permutations(range(len(runs)), 2):
        for key, (est, lo, hi) in runs[i].items():
            other = runs[j].get(key)
            if other is None or lo is None or hi is None:
                continue
            total += 1
            lo, hi = est * (lo / est) ** widen, est * (hi / est) ** widen
            if lo <= other[0] <= hi:
                hits += 1
            else:
                misses.append(key)
    return hits, total, misses


def _table(title: str, runs: list[dict[str, Estimate]], unit: float, fmt: str) -> None:
    print(title)
    for key in sorted(set().union(*runs)):
        vals = []
        for r in runs:
            e = r.get(key)
            vals.append("-" if e is None else (
                f"{e[0] / unit:{fmt}} [{e[1] / unit:{fmt}}, {e[2] / unit:{fmt}}]"
                if e[1] is not None else f"{e[0] / unit:{fmt}} [n/a]"))
        print(f"  {key}: " + "; ".join(vals))


def _half(e: Estimate) -> float:
    return math.expm1(math.log(e[2] / e[1]) / 2) if e[1] and e[2] else math.inf


def _widths(cells: list[dict[str, Estimate]], pairs: list[dict[str, Estimate]]) -> None:
    """How wide the intervals are: every cell's half-width, every pair's high / low."""
    halves = sorted(_half(e) for r in cells for e in r.values())
    if halves:
        print(f"cell interval half-widths: median ±{halves[len(halves) // 2]:.1%}, "
              f"widest ±{halves[-1]:.1%}")
    for key in sorted(set().union(*pairs)):
        ratios = [r[key][2] / r[key][1] if key in r and r[key][1] else math.inf
                  for r in pairs]
        print(f"pair interval high/low, {key}: " + ", ".join(f"{x:.2f}" for x in ratios))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workload", default="mlp")
    ap.add_argument("--backends", default="torch,onnxruntime")
    ap.add_argument("--batch", default="1")
    ap.add_argument("--extra", default="", help="more `stackpick bench` flags, quoted")
    ap.add_argument("--keep", type=Path, help="keep each run's store and JSON in this folder")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rerun-") as d:
        where = args.keep or Path(d)
        where.mkdir(parents=True, exist_ok=True)
        results = [bench(i, args, where) for i in range(args.runs)]
        read = [read_run(p) for p, _ in results]
    cells, pairs = [r[0] for r in read], [r[1] for r in read]
    command = (f"stackpick bench --workload {args.workload} --backends {args.backends} "
               f"--batch {args.batch} {args.extra}").rstrip()
    print(f"{args.runs} separate `{command}` runs; wall "
          + ", ".join(f"{s:.0f} s" for _, s in results))
    _table("cell medians, µs per call [interval]:", cells, 1e3, ".2f")
    _table("pair ratios [interval] and verdicts per run:", pairs, 1.0, ".2f")
    for key in sorted(set().union(*(r[2] for r in read))):
        print(f"  {key}: " + ", ".join(r[2].get(key, "-") for r in read))
    _widths(cells, pairs)
    for name, runs in (("cell", cells), ("pair", pairs)):
        for widen, what in ((1.0, "intervals"), (math.sqrt(2), "intervals x sqrt 2")):
            hits, total, _ = cover(runs, widen)
            share = f"{hits / total:.0%}" if total else "n/a"
            print(f"{name} {what} containing another run's estimate: {hits}/{total} ({share})")


if __name__ == "__main__":
    main()
