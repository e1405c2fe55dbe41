"""stackpick's median against a plain hand-written timing loop over the same calls.

    .venv/bin/python benchmarks/vs_handloop.py [--cells mlp:1,mlp:64,transformer:1]
        [--backends torch,onnxruntime,jax,tensorflow:xla] [--threads N] [--seconds S]

For each cell, a hand loop (``t0 = perf_counter_ns(); call(); t1``, after a fixed warm-up) runs
in fresh processes with the same thread environment as stackpick's workers, before and after
stackpick measures the same cells; the ratio is stackpick's median over the hand loops' median.
A ratio near 1.00 means the harness adds no bias. The spread of the hand loops themselves shows
how much one process differs from the next (JAX varies most), which bounds what the ratio can
say. Targets: within 10% (issue 2: torch and
onnxruntime on mlp batch 1) and within 15% (issue 3: the wider set).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stackpick.cli.choices import parse_backends
from stackpick.harness.environment import worker_environment
from stackpick.harness.fingerprint import physical_cores
from stackpick.harness.plan import StudyPlan
from stackpick.harness.runner import CellResult, run_plan
from stackpick.protocol.cells import Cell
from stackpick.protocol.group_arrays import build_group_arrays, save_group_arrays
from stackpick.workloads import get_workload

WARMUP_CALLS = 50


def hand_loop(cell: Cell, materials: str, threads: int, seconds: float) -> float:
    """Median ns per call from a plain loop in a fresh process (same env as a worker)."""
    cmd = [sys.executable, __file__, "--hand", json.dumps(cell.to_dict()), "--materials",
           materials, "--threads", str(threads), "--seconds", str(seconds)]
    out = subprocess.run(cmd, env=worker_environment(threads, cell.device), check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def _hand_child(cell_json: str, materials: str, threads: int, seconds: float) -> None:
    from stackpick.protocol.group_arrays import load_group_arrays
    from stackpick.registry import get_spec, load_backend_class
    from stackpick.worker.backends.base import Job

    cell = Cell.from_dict(json.loads(cell_json))
    spec = get_spec(cell.backend)
    backend = load_backend_class(spec)(threads=threads, device=cell.device,
                                       variant=spec.resolve_variant(cell.variant))
    backend.configure()
    m = load_group_arrays(materials)
    job = Job(get_workload(cell.workload), cell.task, cell.batch, m.weights, m.inputs, m.labels)
    call = backend.prepare(job).call
    for _ in range(WARMUP_CALLS):
        call()
    samples = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        t0 = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - t0)
    print(statistics.median(samples))


def stackpick_medians(cells: list[Cell], threads: int) -> dict[str, float]:
    medians: dict[str, float] = {}

    def keep(result: CellResult) -> None:
        flat = [v for r in result.rounds for v in r]
        medians[result.cell.key] = statistics.median(flat) if flat else float("nan")
        if result.status != "ok":
            print(f"  {result.cell.key}: {result.status} {result.reason}", file=sys.stderr)

    run_plan(StudyPlan(cells, threads), keep)
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", default="mlp:1,mlp:64,transformer:1")
    parser.add_argument("--backends", default="torch,onnxruntime,jax,tensorflow:xla")
    parser.add_argument("--threads", type=int, default=physical_cores())
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--hand-runs", type=int, default=2,
                        help="hand-loop processes per cell before, and again after, stackpick")
    parser.add_argument("--hand")
    parser.add_argument("--materials")
    args = parser.parse_args()
    if args.hand:
        _hand_child(args.hand, args.materials, args.threads, args.seconds)
        return
    specs = [(w, int(b)) for w, b in (c.split(":") for c in args.cells.split(","))]
    backends = parse_backends(args.backends)
    cells = [Cell(w, n, v, "inference", b) for w, b in specs for n, v in backends]
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for w, b in specs:
            paths[(w, b)] = str(Path(tmp) / f"{w}-{b}.npz")
            arrays = build_group_arrays(get_workload(w), "inference", b)
            save_group_arrays(arrays, Path(paths[(w, b)]))
        def hand_runs() -> dict[str, list[float]]:
            return {c.key: [hand_loop(c, paths[(c.workload, c.batch)], args.threads,
                                      args.seconds) for _ in range(args.hand_runs)]
                    for c in cells}

        before = hand_runs()
        ours = stackpick_medians(cells, args.threads)
        after = hand_runs()
    print(f"threads={args.threads}; hand loop = median of {2 * args.hand_runs} runs in fresh "
          "processes, before and after stackpick; spread = their min..max over their median")
    print(f"{'cell':44} {'stackpick':>11} {'hand loop':>11} {'ratio':>7}  hand spread")
    for c in cells:
        runs = before[c.key] + after[c.key]
        hand = statistics.median(runs)
        spread = f"{min(runs) / hand:.2f}..{max(runs) / hand:.2f}"
        print(f"{c.key:44} {ours[c.key] / 1e3:9.1f}µs {hand / 1e3:9.1f}µs "
              f"{ours[c.key] / hand:7.3f}  {spread}")

if __name__ == "__main__":
    main()
