"""Harness overhead per timed call, against a bare loop over the same no-op callable.

    .venv/bin/python benchmarks/harness_overhead.py [--calls N] [--repeats R]

Prints nanoseconds per call for a bare ``for`` loop, for stackpick's sampler timing each call
singly (two clock reads + bookkeeping per call) and in loops of k, and the difference; then the
median a no-op gets when timed, which is the bias the clock reads add inside each sample.
Target: single-call overhead <= 500 ns.
"""

from __future__ import annotations

import argparse
import statistics
import time

from stackpick.worker.timing import take_samples


def noop() -> None:
    return None


def bare_loop(calls: int) -> float:
    t0 = time.perf_counter_ns()
    for _ in range(calls):
        noop()
    return (time.perf_counter_ns() - t0) / calls


def harness(calls: int, loops: int) -> float:
    t0 = time.perf_counter_ns()
    samples = take_samples(noop, loops, budget_s=3600.0, max_samples=calls // loops)
    return (time.perf_counter_ns() - t0) / (len(samples) * loops)


def timed_noop(loops: int) -> float:
    """What the sampler reports for a no-op: the bias its clock reads add to each sample."""
    return statistics.median(take_samples(noop, loops, budget_s=3600.0, max_samples=20_000))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    bare = statistics.median(bare_loop(args.calls) for _ in range(args.repeats))
    single = statistics.median(harness(args.calls, 1) for _ in range(args.repeats))
    looped = statistics.median(harness(args.calls, 100) for _ in range(args.repeats))
    print(f"bare loop            {bare:8.1f} ns/call")
    print(f"stackpick, k=1       {single:8.1f} ns/call   overhead {single - bare:7.1f} ns/call")
    print(f"stackpick, k=100     {looped:8.1f} ns/call   overhead {looped - bare:7.1f} ns/call")
    print(f"no-op as timed, k=1  {timed_noop(1):8.1f} ns/call   (bias inside the timed region)")
    print(f"no-op as timed, k=100{timed_noop(100):8.1f} ns/call")
    verdict = "meets" if single - bare <= 500 else "MISSES"
    print(f"single-call overhead {single - bare:.1f} ns {verdict} the <= 500 ns target")


if __name__ == "__main__":
    main()
