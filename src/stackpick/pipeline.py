"""The one orchestrator behind `stackpick bench` and `stackpick run`:

    plan -> execute (worker processes) -> store -> analyse -> advise -> report

`bench` stops after the store; `run` plans from the profile's answers and goes on to advice and
a report. Both share resume, the executor seam (worker processes here, or a Ray cluster's
machines: :mod:`stackpick.harness.study`), progress and Ctrl-C: an interrupted study keeps its
measured blocks and says how to resume. The functions take typed values (parsing what a
user types is :mod:`stackpick.cli`'s). No framework is imported here.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stackpick.analysis.stability import load_warning
from stackpick.errors import Interrupted, StoreError, UserError
from stackpick.harness import cold_start, fingerprint
from stackpick.harness.executor import Timeouts
from stackpick.harness.fleet import ClusterOptions, FleetStudy
from stackpick.harness.plan import StudyPlan, plan_study, scoped
from stackpick.harness.progress import Progress
from stackpick.harness.stopping import StopRule
from stackpick.harness.study import LocalStudy, StudyExecutor
from stackpick.protocol.cells import Cell, CellResult
from stackpick.protocol.conversions import Conversion
from stackpick.protocol.runs import RunNotes
from stackpick.registry import DEVICES, Choice
from stackpick.store import Store

if TYPE_CHECKING:
    from stackpick.advice.model import Advice
    from stackpick.profile import Profile
    from stackpick.usermodel.spec import ModelSpec

DEFAULT_BACKENDS: tuple[Choice, ...] = (("torch", "default"), ("onnxruntime", "default"))
GOAL_TASKS = {"training": ["training"], "inference": ["inference"],
              "both": ["inference", "training"]}
FAMILY_WORKLOADS = {"mlp": ["mlp"], "cnn": ["cnn"], "transformer": ["transformer"],
                    "llm": ["transformer"]}
ProgressFactory = Callable[[int], Any]  # total cells -> a context manager implementing Progress


@dataclass
class BenchOptions:
    """`stackpick bench`'s choices, typed (the CLI parses the flags into these; the plan
    checks the values)."""

    workloads: list[str] = field(default_factory=lambda: ["mlp"])
    backends: list[Choice] | None = None  # None: DEFAULT_BACKENDS, or every path of a model
    tasks: list[str] = field(default_factory=lambda: ["inference"])
    batches: list[int] | None = None  # None: each workload's own
    train_batches: list[int] | None = None
    threads: int | None = None  # None: physical cores
    device: str = "cpu"
    quick: bool = False
    max_time: float | None = None
    timeout: float | None = None
    memory_limit_mb: int = 0
    workload_params: dict[str, dict[str, object]] = field(default_factory=dict)  # sizes
    model: ModelSpec | None = None  # a user's model instead of the reference workloads
    cold_start: bool = True  # fresh-process starts, once per backend variant (harness.cold_start)
    cluster: ClusterOptions | None = None  # --ray: measure on a cluster's machines


@dataclass
class StudyOutcome:
    """What one execution of a plan left in the store."""

    run_id: int
    seconds: float
    interrupted: bool = False


@dataclass
class RunOutcome:
    """`stackpick run`'s result: the stored run, the advice and where the report went."""

    run_id: int
    advice: Advice
    report: Path
    seconds: float
    interrupted: bool = False


# -- checking values ----------------------------------------------------------------------------
def resolve_threads(threads: int | None) -> int:
    if threads is None:
        return fingerprint.physical_cores()
    if threads < 1 or threads > (os.cpu_count() or 1):
        raise UserError(f"--threads {threads} is out of range; use 1..{os.cpu_count()} "
                        "(default: physical cores)")
    return threads


def _positive(value: float, flag: str, unit: str) -> float:
    if not math.isfinite(value) or value <= 0:
        raise UserError(f"{flag} {value} must be a positive number of {unit}")
    return value


def _check_device(device: str) -> None:
    if device not in DEVICES:
        raise UserError(f"--device {device!r} is not valid; use one of {', '.join(DEVICES)}")


# -- planning -----------------------------------------------------------------------------------
def _rule(opts: BenchOptions) -> StopRule:
    rule = StopRule.quick() if opts.quick else StopRule()
    if opts.max_time is not None:
        max_time = _positive(opts.max_time, "--max-time", "seconds per cell")
        rule = StopRule(**{**rule.to_dict(), "max_time_s": max_time})
    return rule


def plan_model(spec: ModelSpec, backends: list[Choice] | None, threads: int, device: str,
               rule: StopRule) -> StudyPlan:
    """Every path out of a user's model (inference at the model's own batch)."""
    from stackpick.harness.model_plan import model_plan

    return model_plan(spec, backends, threads, device, rule)


def build_plan(opts: BenchOptions) -> StudyPlan:
    """`stackpick bench`'s plan from its options; one clear UserError per bad value."""
    _check_device(opts.device)
    rule = _rule(opts)
    if opts.model is not None:
        if opts.tasks != ["inference"]:
            raise UserError("--model measures inference only; leave out --task")
        if opts.batches or opts.train_batches:
            raise UserError("--batch does not apply to --model: the batch is the first "
                            "dimension of --input-shape or of the factory's example inputs")
        return plan_model(opts.model, opts.backends, resolve_threads(opts.threads),
                          opts.device, rule)
    return plan_study(opts.workloads, list(opts.backends or DEFAULT_BACKENDS), opts.tasks,
                      opts.batches, opts.train_batches, resolve_threads(opts.threads),
                      opts.device, rule, opts.workload_params, cold_start=opts.cold_start)


def plan_for_profile(profile: Profile, *, quick: bool, threads: int | None,
                     device: str) -> StudyPlan:
    """The study that answers this profile's question on this machine."""
    _check_device(device)
    family = profile.model_family or ""
    workloads = FAMILY_WORKLOADS.get(family) or (["mlp"] if quick else ["mlp", "cnn",
                                                                         "transformer"])
    backends, left_out = scoped(cold_start.profile_backends(profile.targets), quick)
    # batch 1: the latency a serving stack is judged by (bench --batch measures throughput)
    plan = plan_study(workloads, backends, GOAL_TASKS[profile.goal], [1], None,
                      resolve_threads(threads), device,
                      StopRule.quick() if quick else StopRule.journey(),
                      cold_start=cold_start.needs_cold_start(profile.targets))
    return replace(plan, left_out=left_out)


def make_executor(plan: StudyPlan, timeout: float | None = None, memory_limit_mb: int = 0,
                  cluster: ClusterOptions | None = None) -> StudyExecutor:
    """Where ``plan`` is measured: worker processes here, or the cluster's machines."""
    timeouts = Timeouts()
    if timeout is not None:
        t = _positive(timeout, "--timeout", "seconds per request")
        timeouts = Timeouts(t, t, t, t)
    if memory_limit_mb < 0:
        raise UserError(f"--memory-limit {memory_limit_mb} must be >= 0 (MB; 0 = none)")
    if cluster is not None:
        return FleetStudy(cluster, timeouts, memory_limit_mb)
    device = plan.cells[0].device if plan.cells else "cpu"
    return LocalStudy(plan.threads, device, timeouts, memory_limit_mb)


# -- executing ----------------------------------------------------------------------------------
def start_run(store: Store, plan: StudyPlan, kind: str = "bench",
              notes: RunNotes | None = None) -> int:
    """Store a new run of ``plan``: the plan, this machine's fingerprint, and its notes (the
    machine's load, the user's model, what the study leaves out, and ``notes``)."""
    from stackpick.harness.model_plan import model_note

    notes = notes or RunNotes()
    notes.load_warning, notes.model = load_warning(), model_note(plan)
    notes.left_out = dict(plan.left_out)
    return store.create_run(kind, plan.to_record(), fingerprint.collect(plan.threads),
                            " ".join(sys.argv), notes)


def plan_of_run(store: Store, run_id: int) -> StudyPlan:
    """The stored plan of a run to resume (claimed: refused while another process measures
    it); refuses runs with nothing left to measure."""
    run = store.get_run(run_id)
    try:
        plan = StudyPlan.from_record(run.plan)
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"run {run_id}'s plan cannot be read ({exc}); start a new run") from None
    if run.status == "complete" and len(store.done_keys(run_id)) >= len(plan.cells):
        raise UserError(f"run {run_id} is complete: nothing to resume (see: stackpick history)")
    store.claim_run(run_id)
    return plan


def execute(store: Store, run_id: int, plan: StudyPlan, executor: StudyExecutor,
            progress: Progress | None = None) -> int:
    """Measure the cells of ``plan`` not yet stored for ``run_id``; returns cells measured."""
    done = store.done_keys(run_id)
    count = 0

    def save(result: CellResult) -> None:
        nonlocal count
        count += 1
        store.save_result(run_id, result)

    def save_conversion(cell: Cell, conversion: Conversion) -> None:
        store.save_conversion(run_id, cell, conversion)

    status = "interrupted"
    try:  # every finished block is committed too: an interrupt loses only the one in flight
        executor.measure(plan, save, skip=done, progress=progress,
                         emit_conversion=save_conversion, stored=store.blocks(run_id),
                         emit_block=functools.partial(store.save_blocks, run_id))
        status = "complete"
    finally:
        try:
            executor.close()
        finally:  # Ctrl-C while workers close: the run is not left "running"
            store.finish_run(run_id, status)
    return count


def measure(store: Store, plan: StudyPlan, run_id: int, executor: StudyExecutor,
            progress_factory: ProgressFactory | None = None) -> StudyOutcome:
    """Execute the missing cells of ``run_id``; Ctrl-C ends early with ``interrupted``."""
    started = time.perf_counter()
    todo = len(plan.cells) - len(store.done_keys(run_id))
    try:
        with progress_factory(todo) if progress_factory else contextlib.nullcontext() as progress:
            execute(store, run_id, plan, executor, progress)
    except KeyboardInterrupt:
        return StudyOutcome(run_id, time.perf_counter() - started, interrupted=True)
    return StudyOutcome(run_id, time.perf_counter() - started)


def resume_hint(store: Store, run_id: int, command: str) -> str:
    blocks, cells = store.block_count(run_id)
    partly = f" and {blocks} process blocks of {cells} unfinished cells" if blocks else ""
    return (f"interrupted: {len(store.done_keys(run_id))} measured cells{partly} kept in run "
            f"{run_id}; finish with: stackpick {command} --resume {run_id}")


def bench(store: Store, opts: BenchOptions, resume: int | None = None,
          progress_factory: ProgressFactory | None = None) -> StudyOutcome:
    """`stackpick bench`: plan (or the stored plan of ``resume``), measure, store."""
    if resume is not None:
        plan, run_id = plan_of_run(store, resume), resume
        print(f"resuming run {resume} with its stored plan (workload, backend, batch, "
              "thread and timing flags come from that run)", file=sys.stderr)
        executor = make_executor(plan, opts.timeout, opts.memory_limit_mb, opts.cluster)
    else:
        plan = build_plan(opts)
        executor = make_executor(plan, opts.timeout, opts.memory_limit_mb, opts.cluster)
        plan = executor.prepare(plan)
        run_id = start_run(store, plan)
    outcome = measure(store, plan, run_id, executor, progress_factory)
    if outcome.interrupted:
        raise Interrupted(resume_hint(store, run_id, "bench"))
    return outcome


# -- the whole journey: answers -> study -> advice -> report -------------------------------------
def advise_run(store: Store, run_id: int, profile: Profile, source: str) -> Advice:
    """Advice for ``profile`` from the stored run's evidence, saved with the run."""
    from stackpick.advice import advise
    from stackpick.advice.evidence import from_results
    from stackpick.analysis.run_view import load_results

    advice = advise(profile, evidence=from_results(load_results(store, run_id)), source=source)
    notes = store.get_run(run_id).notes
    notes.advice = advice
    store.save_notes(run_id, notes)
    return advice


def write_run_report(store: Store, run_id: int, out: Path | None, force: bool) -> Path:
    """index.html, report.md and results.json for a stored run (with the advice stored with
    it, if any); returns index.html."""
    from stackpick.analysis.run_view import load_results
    from stackpick.report.writer import new_report_dir, write_report

    results = load_results(store, run_id)
    target = out if out is not None else new_report_dir(Path.cwd(), run_id)
    return write_report(results, target, force)


def run(store: Store, profile: Profile, source: str, *, quick: bool = False,
        threads: int | None = None, device: str = "cpu", out: Path | None = None,
        force: bool = False, resume: int | None = None,
        progress_factory: ProgressFactory | None = None,
        model: ModelSpec | None = None, cluster: ClusterOptions | None = None) -> RunOutcome:
    """`stackpick run`: measure (the reference workloads, or ``model``'s paths), advise and
    report. Ctrl-C still advises and writes a partial report, then raises Interrupted."""
    started = time.perf_counter()
    if out is not None and out.exists() and not force:  # refuse before minutes of measuring
        raise UserError(f"report directory {out} already exists; pass --force to overwrite "
                        "it, or leave out --out for a new timestamped directory")
    if resume is not None:
        plan, run_id = plan_of_run(store, resume), resume
        executor = make_executor(plan, cluster=cluster)
    else:
        if model is None:
            plan = plan_for_profile(profile, quick=quick, threads=threads, device=device)
        else:
            _check_device(device)
            rule = StopRule.quick() if quick else StopRule()
            plan = plan_model(model, None, resolve_threads(threads), device, rule)
        executor = make_executor(plan, cluster=cluster)
        plan = executor.prepare(plan)
        run_id = start_run(store, plan, kind="run",
                           notes=RunNotes(profile=profile.to_dict(), profile_source=source))
    outcome = measure(store, plan, run_id, executor, progress_factory)
    advice = advise_run(store, run_id, profile, source)
    report = write_run_report(store, run_id, out, force)
    result = RunOutcome(run_id, advice, report, time.perf_counter() - started,
                        outcome.interrupted)
    if outcome.interrupted:
        raise Interrupted(f"{resume_hint(store, run_id, 'run')}; partial report: {report}")
    return result


def profile_of_run(store: Store, run_id: int) -> tuple[Profile, str]:
    """The answers a stored `run` was made with (for --resume)."""
    from stackpick.profile import make_profile

    notes = store.get_run(run_id).notes
    if notes.profile is None:
        raise UserError(f"run {run_id} was not made by `stackpick run` (it has no answers); "
                        f"resume it with: stackpick bench --resume {run_id}")
    data = {k: v for k, v in notes.profile.items() if v not in (None, [], {})}
    return make_profile(data), notes.profile_source or "stored"
