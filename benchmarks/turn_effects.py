"""What disturbs a round: other CPU users, the previous backend's turn, the worker environment.

    .venv/bin/python benchmarks/turn_effects.py [--backends torch,onnxruntime]
        [--bystanders torch-compile,jax] [--workload mlp] [--batch 1] [--blocks 4]
        [--rounds 6] [--round-s 0.1] [--env OMP_WAIT_POLICY=PASSIVE ...]

Runs one group with the study's own machinery (fresh workers per block, random turn order),
exactly ``--blocks`` blocks of ``--rounds`` rounds, with ``--bystanders`` workers started and
left idle beside them (as in `stackpick run`, where every backend's worker lives through a
pass). Around every timed turn it reads /proc: the CPU time the rest of the machine used
during the turn (other processes, idle workers included), in CPU-seconds per second. It prints,
per cell: the spread of round medians inside a block and between blocks (log scale), the
first samples of a turn against the turn's median, and how round medians move with the CPU
the rest of the machine took. ``--env`` adds worker environment variables (e.g. the OpenMP
wait policy) to test what they change.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import time
from typing import Any

import numpy as np

from stackpick.harness import client, environment
from stackpick.harness.plan import plan_study
from stackpick.harness.runner import run_plan
from stackpick.harness.stopping import StopRule
from stackpick.protocol.cells import CellResult
from stackpick.protocol.messages import Sample

TICK = os.sysconf("SC_CLK_TCK")


def _busy() -> float:
    """CPU-seconds the whole machine has been busy (all CPUs)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / TICK  # minus idle and iowait


def _proc_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(parts[11]) + int(parts[12])) / TICK  # utime + stime


TURNS: list[dict[str, Any]] = []
QUIET_S = [0.0]
WORKERS: list[client.WorkerHandle] = []


def _workers_cpu(skip: int) -> float:
    return sum(_proc_cpu(h.proc.pid) for h in WORKERS if h.proc.pid != skip and h.alive)


def _instrument() -> None:
    original = client.WorkerHandle.call
    init = client.WorkerHandle.__init__

    def track(self: client.WorkerHandle, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        WORKERS.append(self)

    client.WorkerHandle.__init__ = track  # type: ignore[method-assign]

    def call(self: client.WorkerHandle, request: Any, timeout: float) -> Any:
        if not isinstance(request, Sample) or request.per_call:
            return original(self, request, timeout)
        if QUIET_S[0]:
            request = dataclasses.replace(request, quiet_s=QUIET_S[0])
        pid, me = self.proc.pid, os.getpid()
        b0, w0, p0, t0 = _busy(), _proc_cpu(pid), _proc_cpu(me), time.perf_counter()
        i0 = _workers_cpu(pid)
        reply = original(self, request, timeout)
        dt = time.perf_counter() - t0
        idle = _workers_cpu(pid) - i0
        other = _busy() - b0 - (_proc_cpu(pid) - w0) - (_proc_cpu(me) - p0)
        TURNS.append({"backend": self.backend, "other": max(other, 0.0) / dt,
                      "idle_workers": idle / dt, "samples": reply.samples_ns,
                      "quiet_s": reply.quiet_s,
                      "wait": (reply.wait_s or 0.0) / max(reply.turn_s, 1e-9)})
        return reply

    client.WorkerHandle.call = call  # type: ignore[method-assign]


def _env(pairs: list[str]) -> None:
    extra = dict(p.split("=", 1) for p in pairs)
    base = environment.thread_variables

    def thread_variables(threads: int) -> dict[str, str]:
        return {**base(threads), **extra}

    environment.thread_variables = thread_variables  # type: ignore[assignment]


def _pairs(results: list[CellResult]) -> None:
    """Per-block mean of the paired log ratio of the first two cells, and its spread."""
    ok = [r for r in results if r.rounds and r.metrics and r.metrics.timing]
    if len(ok) < 2:
        return
    a, b = ok[0], ok[1]
    ta, tb = a.metrics.timing, b.metrics.timing  # type: ignore[union-attr]
    ia = {r: i for i, r in enumerate(ta.round_ids or [])}
    by_block: dict[int, list[float]] = {}
    for j, r in enumerate(tb.round_ids or []):
        if r in ia:
            i = ia[r]
            by_block.setdefault(ta.blocks[i], []).append(  # type: ignore[index]
                math.log(np.median(b.rounds[j]) / np.median(a.rounds[i])))
    means = [float(np.mean(v)) for _, v in sorted(by_block.items())]
    print(f"pair {b.cell.backend}/{a.cell.backend} by block: "
          + " ".join(f"{math.exp(m):.3f}" for m in means)
          + f"; sd {np.std(means, ddof=1):.1%}")


def _report(results: list[CellResult], rounds: int) -> None:
    by_backend: dict[str, list[dict[str, Any]]] = {}
    for t in TURNS:
        by_backend.setdefault(t["backend"], []).append(t)
    print(f"{'cell':14s} {'round sd':>8s} {'proc sd':>8s} {'first5':>7s} {'first1':>7s} "
          f"{'other>0.2':>9s} {'slow|other':>10s} {'slow|quiet':>10s}")
    _pairs(results)
    for r in results:
        if not r.rounds or r.metrics is None or r.metrics.timing is None:
            print(f"{r.cell.backend:14s} {r.status} {r.reason}")
            continue
        blocks = np.asarray(r.metrics.timing.blocks)
        med = np.log([np.median(x) for x in r.rounds])
        within = np.concatenate([med[blocks == b] - med[blocks == b].mean()
                                 for b in set(blocks)])
        means = [med[blocks == b].mean() for b in sorted(set(blocks))]
        wsd = math.sqrt((within ** 2).sum() / (len(med) - len(means)))
        turns = [t for t in by_backend.get(r.cell.backend, []) if len(t["samples"])]
        # every block starts with one unrecorded settling turn
        recorded = [t for i, t in enumerate(turns) if i % (rounds + 1)]
        first5 = np.median([np.median(t["samples"][:5]) / np.median(t["samples"])
                            for t in recorded])
        first1 = np.median([t["samples"][0] / np.median(t["samples"]) for t in recorded])
        typical = np.median([np.median(t["samples"]) for t in recorded])
        busy = [t for t in recorded if t["other"] > 0.2]
        quiet = [t for t in recorded if t["other"] <= 0.2]

        def slow(ts: list[dict[str, Any]], typical: float = typical) -> str:
            if not ts:
                return "-"
            return f"{np.mean([np.median(t['samples']) > 1.2 * typical for t in ts]):.0%}"
        print(f"{r.cell.backend:14s} {wsd:8.1%} {np.std(means, ddof=1):8.1%} "
              f"{first5:7.2f} {first1:7.2f} {len(busy):4d}/{len(recorded):<4d} "
              f"{slow(busy):>10s} {slow(quiet):>10s}")
        print("   block means (us): " + " ".join(f"{math.exp(m) / 1e3:.1f}" for m in means))
        print("   rounds (us): " + " ".join(
            f"{math.exp(m) / 1e3:.1f}{'*' if t['other'] > 0.2 else ''}({t['wait']:.0%})"
            for m, t in zip(med, recorded, strict=False)))
    print(f"mean CPU taken by the rest of the machine during a turn: "
          f"{np.mean([t['other'] for t in TURNS]):.2f} CPUs ('*': > 0.2), of which the "
          f"other (idle) workers: {np.mean([t['idle_workers'] for t in TURNS]):.2f}")
    for b, ts in by_backend.items():
        print(f"  during {b}'s turns: rest {np.mean([t['other'] for t in ts]):.2f}, idle "
              f"workers {np.mean([t['idle_workers'] for t in ts]):.2f} CPUs; its threads "
              f"busy after its turn: median {np.median([t['quiet_s'] for t in ts]) * 1e3:.0f}"
              f" ms, max {max(t['quiet_s'] for t in ts) * 1e3:.0f} ms; its threads waiting "
              f"for a CPU: median {np.median([t['wait'] for t in ts]):.1%} of the turn, "
              f"p90 {np.quantile([t['wait'] for t in ts], 0.9):.1%}, "
              f"max {max(t['wait'] for t in ts):.1%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", default="torch,onnxruntime")
    ap.add_argument("--bystanders", default="")
    ap.add_argument("--workload", default="mlp")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--blocks", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--round-s", type=float, default=0.1)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--env", nargs="*", default=[])
    ap.add_argument("--quiet-s", type=float, default=0.0,
                    help="after each turn, wait up to this long for the worker's threads")
    args = ap.parse_args()
    QUIET_S[0] = args.quiet_s
    _env(args.env)
    _instrument()
    names = [(b.split(":")[0], b.split(":")[1] if ":" in b else "default")
             for b in args.backends.split(",")]
    rule = StopRule(rounds_per_block=args.rounds, min_blocks=args.blocks,
                    max_blocks=args.blocks, round_time_s=args.round_s, max_time_s=1e9)
    plan = plan_study([args.workload], names, ["inference"], [args.batch], None,
                      args.threads, "cpu", rule)
    results: list[CellResult] = []
    from stackpick.harness.executor import LocalExecutor

    executor = LocalExecutor(args.threads)
    bystanders = [(b.split(":")[0], b.split(":")[1] if ":" in b else "default")
                  for b in args.bystanders.split(",") if b]
    prestart = executor.prestart

    def with_bystanders(keys: Any) -> None:  # started with every pass, left idle
        prestart(set(keys) | set(bystanders))

    executor.prestart = with_bystanders  # type: ignore[method-assign]
    start = time.perf_counter()
    run_plan(plan, results.append, executor=executor)
    executor.close()
    print(f"{args.workload} b{args.batch} {args.backends}, bystanders "
          f"{args.bystanders or 'none'}, env {' '.join(args.env) or 'default'}, quiet "
          f"{args.quiet_s} s: "
          f"{args.blocks} blocks x {args.rounds} rounds, {time.perf_counter() - start:.0f} s")
    _report(results, args.rounds)


if __name__ == "__main__":
    main()
