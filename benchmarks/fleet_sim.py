"""What a fleet study would cost in wall time, from the planner's own per-cell estimates.

    .venv/bin/python benchmarks/fleet_sim.py [--machines 1,10,100] [--failure-rate 0.01]
                                             [--batches 1,8,32,64]

The study is `stackpick run --defaults` on every machine: the three reference workloads, every
real backend, inference and training, the journey stop rule. ``spread`` runs each group once on
the next free machine (a grid too big for one box); ``every-node`` measures every group on every
machine (a per-machine comparison). Nothing is measured and no framework is imported: it
simulates :class:`stackpick.harness.cluster.FleetRun`'s scheduling with
:func:`stackpick.harness.estimate.simulate_fleet`.
"""

from __future__ import annotations

import argparse

from stackpick.cli.choices import parse_backends
from stackpick.harness.estimate import fleet_table
from stackpick.harness.plan import plan_study
from stackpick.harness.stopping import StopRule


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machines", default="1,10,100")
    parser.add_argument("--failure-rate", type=float, default=0.01,
                        help="chance that a group's machine dies while it runs")
    parser.add_argument("--batches", default=None,
                        help="inference batch sizes (default: each workload's own)")
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")] if args.batches else None
    plan = plan_study(["mlp", "cnn", "transformer"], parse_backends("all"),
                      ["inference", "training"], batches, None, 2, "cpu", StopRule.journey())
    sizes = [int(n) for n in args.machines.split(",")]
    print(f"{len(plan.cells)} cells in {len(plan.groups())} groups; machine speeds spread "
          f"lognormal sigma 0.15; {args.failure_rate:.0%} of group attempts lose their machine")
    print("\n".join(fleet_table(plan, sizes, args.failure_rate)))


if __name__ == "__main__":
    main()
