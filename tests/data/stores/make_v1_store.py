"""How tests/data/stores/v1.db was made: with stackpick 0.1.0 at commit 13ca5d7 (schema 1),
before the layout refactor. Kept for provenance; it imports that version's modules, so it does
not run against today's code. Usage (in a checkout of 13ca5d7):

    PYTHONPATH=src python tests/data/stores/make_v1_store.py OUT.db
"""

import sys
from pathlib import Path

from stackpick.measure.plan import plan_study
from stackpick.measure.stopping import StopRule

from stackpick import journey, study
from stackpick.profile import DEFAULT_PROFILE
from stackpick.store import open_store

out = Path(sys.argv[1])
with open_store(out) as store:
    # 1: a bench of two scripted backends (inference, batch 1 and 4)
    opts = study.BenchOptions(backends="fake:latency=20000,fake:latency=50000", batch="1,4",
                              quick=True)
    plan = study.build_plan(opts)
    run_id = study.start_run(store, plan)
    study.execute(store, run_id, plan, study.make_executor(plan, opts))

    # 2: the whole journey with advice stored in the run (fake cells stand in for the study)
    def plan_for(profile, *, quick, threads, device):
        return plan_study(["mlp"], [("fake", "latency=30000"), ("fake", "latency=90000")],
                          journey.GOAL_TASKS[profile.goal], [1], [4], 1, device,
                          StopRule.quick())

    journey.plan_for = plan_for
    journey.run_journey(store, DEFAULT_PROFILE, "defaults", out=out.parent / "v1-report",
                        force=True)

    # 3: a user's PyTorch model: conversion rows (task=convert) and its runtimes
    opts = study.BenchOptions(backends="torch,onnxruntime", quick=True,
                              model="examples/two_inputs.py:build")
    plan = study.build_plan(opts)
    run_id = study.start_run(store, plan)
    study.execute(store, run_id, plan, study.make_executor(plan, opts))
