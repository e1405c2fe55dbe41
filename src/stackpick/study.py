"""`stackpick bench` as a library call: plan, fingerprint, run, store. No framework imports."""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from stackpick.backends.registry import DEVICES, TASKS, parse_backends
from stackpick.errors import UserError
from stackpick.measure import fingerprint
from stackpick.measure.executor import LocalExecutor, Timeouts
from stackpick.measure.plan import StudyPlan, plan_study
from stackpick.measure.runner import CellResult, Progress, run_plan
from stackpick.measure.stability import load_warning
from stackpick.measure.stopping import StopRule
from stackpick.store import Store
from stackpick.workloads import parse_workloads

DEFAULT_BACKENDS = "torch,onnxruntime"


@dataclass
class BenchOptions:
    workload: str = "mlp"
    backends: str | None = None  # None: DEFAULT_BACKENDS, or every path of a --model
    task: str = "inference"
    batch: str | None = None
    train_batch: str | None = None
    threads: int | None = None
    device: str = "cpu"
    quick: bool = False
    max_time: float | None = None
    timeout: float | None = None
    memory_limit_mb: int = 0
    workload_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    model: str | None = None  # --model: file.py:factory, model.onnx or model.keras
    input_shape: list[str] | None = None
    input_dtype: str | None = None
    weights: str | None = None


def parse_int_list(text: str, flag: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UserError(
            f"{flag} {text!r} is not a list of integers; use e.g. {flag} 1,32") from None
    if not values or any(v < 1 for v in values):
        raise UserError(f"{flag} {text!r} needs positive integers, e.g. {flag} 1,32")
    return list(dict.fromkeys(values))


def parse_tasks(text: str) -> list[str]:
    tasks = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in tasks if t not in TASKS]
    if bad or not tasks:
        raise UserError(f"--task {text!r} is not valid; use {', '.join(TASKS)} (comma-separated)")
    return tasks


def resolve_threads(threads: int | None) -> int:
    if threads is None:
        return fingerprint.physical_cores()
    if threads < 1 or threads > (os.cpu_count() or 1):
        raise UserError(f"--threads {threads} is out of range; use 1..{os.cpu_count()} "
                        "(default: physical cores)")
    return threads


def _rule(opts: BenchOptions) -> StopRule:
    rule = StopRule.quick() if opts.quick else StopRule()
    if opts.max_time is not None:
        if not math.isfinite(opts.max_time) or opts.max_time <= 0:
            raise UserError(
                f"--max-time {opts.max_time} must be a positive number of seconds per cell")
        rule = StopRule(**{**rule.to_dict(), "max_time_s": opts.max_time,
                           "min_time_s": min(rule.min_time_s, opts.max_time)})
    return rule


def _model_plan(opts: BenchOptions, rule: StopRule) -> StudyPlan:
    """A user's model: inference at the model's own batch, on the paths its kind allows."""
    from stackpick.usermodel.planning import model_plan
    from stackpick.usermodel.spec import parse_model

    assert opts.model is not None
    if parse_tasks(opts.task) != ["inference"]:
        raise UserError("--model measures inference only; leave out --task")
    if opts.batch or opts.train_batch:
        raise UserError("--batch does not apply to --model: the batch is the first dimension "
                        "of --input-shape or of the factory's example inputs")
    spec = parse_model(opts.model, opts.input_shape, opts.input_dtype, opts.weights)
    return model_plan(spec, opts.backends, resolve_threads(opts.threads), opts.device, rule)


def build_plan(opts: BenchOptions) -> StudyPlan:
    if opts.device not in DEVICES:
        raise UserError(f"--device {opts.device!r} is not valid; use one of {', '.join(DEVICES)}")
    rule = _rule(opts)
    if opts.model:
        return _model_plan(opts, rule)
    if opts.input_shape or opts.input_dtype or opts.weights:
        raise UserError("--input-shape, --input-dtype and --weights need --model")
    return plan_study(
        parse_workloads(opts.workload),
        parse_backends(opts.backends or DEFAULT_BACKENDS),
        parse_tasks(opts.task),
        parse_int_list(opts.batch, "--batch") if opts.batch else None,
        parse_int_list(opts.train_batch, "--train-batch") if opts.train_batch else None,
        resolve_threads(opts.threads),
        opts.device,
        rule,
        opts.workload_params,
    )


def make_executor(plan: StudyPlan, opts: BenchOptions) -> LocalExecutor:
    timeouts = Timeouts()
    if opts.timeout is not None:
        if not math.isfinite(opts.timeout) or opts.timeout <= 0:
            raise UserError(
                f"--timeout {opts.timeout} must be a positive number of seconds per request")
        timeouts = Timeouts(opts.timeout, opts.timeout, opts.timeout, opts.timeout)
    if opts.memory_limit_mb < 0:
        raise UserError(f"--memory-limit {opts.memory_limit_mb} must be >= 0 (MB; 0 = none)")
    device = plan.cells[0].device if plan.cells else "cpu"
    return LocalExecutor(plan.threads, device, timeouts, opts.memory_limit_mb)


def start_run(store: Store, plan: StudyPlan, kind: str = "bench",
              extra: dict[str, Any] | None = None) -> int:
    from stackpick.usermodel.planning import model_info

    fp = fingerprint.collect(plan.threads)
    warning = load_warning()
    notes = {"load_warning": warning} if warning else {}
    return store.create_run(kind, {"json": plan.to_json()}, fp, " ".join(sys.argv),
                            {**notes, **model_info(plan), **(extra or {})})


def plan_of_run(store: Store, run_id: int) -> StudyPlan:
    """The stored plan of a run to resume; refuses runs with nothing left to measure."""
    run = store.get_run(run_id)
    plan = StudyPlan.from_json(run.plan["json"])
    if run.status == "complete" and len(store.done_keys(run_id)) >= len(plan.cells):
        raise UserError(f"run {run_id} is complete: nothing to resume (see: stackpick history)")
    return plan


def execute(store: Store, run_id: int, plan: StudyPlan, executor: LocalExecutor,
            progress: Progress | None = None) -> int:
    """Measure the cells of ``plan`` not yet stored for ``run_id``; returns cells measured."""
    done = store.done_keys(run_id)
    count = 0

    def save(result: CellResult) -> None:
        nonlocal count
        count += 1
        store.save_cell(run_id, result.cell, result.status, result.metrics, result.reason,
                        result.error_tail, result.rounds)

    status = "interrupted"
    try:
        run_plan(plan, save, skip=done, progress=progress, executor=executor)
        status = "complete"
    finally:
        executor.close()
        store.finish_run(run_id, status)
    return count
