"""`stackpick run`: answers -> study -> advice -> report, as one library call.

The study is planned from the answers (goal -> tasks, model family -> workloads) and the
installed frameworks; a missing framework still appears, as an `unavailable` cell naming the
extra to install. Ctrl-C keeps what was measured: the advice and a partial report are still
written from it, then :class:`Interrupted` tells how to resume.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stackpick import study
from stackpick.backends.registry import parse_backends
from stackpick.errors import Interrupted, UserError
from stackpick.measure.plan import StudyPlan, plan_study
from stackpick.measure.stopping import StopRule
from stackpick.profile import Profile
from stackpick.store import Store
from stackpick.usermodel.spec import ModelSpec

GOAL_TASKS = {"training": ["training"], "inference": ["inference"],
              "both": ["inference", "training"]}
FAMILY_WORKLOADS = {"mlp": ["mlp"], "cnn": ["cnn"], "transformer": ["transformer"],
                    "llm": ["transformer"]}


@dataclass
class JourneyResult:
    run_id: int
    advice: dict[str, Any]
    report: Path
    seconds: float
    interrupted: bool = False


def plan_for(profile: Profile, *, quick: bool, threads: int | None, device: str) -> StudyPlan:
    """The study that answers this profile's question on this machine."""
    family = profile.model_family or ""
    workloads = FAMILY_WORKLOADS.get(family) or (["mlp"] if quick else ["mlp", "cnn",
                                                                         "transformer"])
    return plan_study(
        workloads,
        parse_backends("all"),
        GOAL_TASKS[profile.goal],
        [1] if quick else None,
        None,
        study.resolve_threads(threads),
        device,
        StopRule.quick() if quick else StopRule.journey(),
    )


def _model_plan(model: ModelSpec, *, quick: bool, threads: int | None,
                device: str) -> StudyPlan:
    """Every path out of the user's model (inference: the model's own batch)."""
    from stackpick.usermodel.planning import model_plan

    return model_plan(model, None, study.resolve_threads(threads), device,
                      StopRule.quick() if quick else StopRule())


def _advise(store: Store, run_id: int, profile: Profile, source: str) -> dict[str, Any]:
    from stackpick.advice import advise
    from stackpick.advice.evidence import from_results
    from stackpick.results import load_results

    advice = advise(profile, evidence=from_results(load_results(store, run_id)), source=source)
    data = advice.to_dict()
    store.update_run_extra(run_id, advice=data)
    return data


def _report(store: Store, run_id: int, advice: dict[str, Any], out: Path | None,
            force: bool) -> Path:
    from stackpick.report.writer import new_report_dir, write_report
    from stackpick.results import load_results

    target = out if out is not None else new_report_dir(Path.cwd(), run_id)
    return write_report(load_results(store, run_id), advice, target, force)


def run_journey(store: Store, profile: Profile, source: str, *, quick: bool = False,
                threads: int | None = None, device: str = "cpu", out: Path | None = None,
                force: bool = False, resume: int | None = None,
                progress_factory: Any = None, model: ModelSpec | None = None) -> JourneyResult:
    """Measure, advise and report; returns where the report went and what was advised.
    With ``model``, the study measures that model's paths instead of the reference workloads."""
    started = time.perf_counter()
    if out is not None and out.exists() and not force:  # refuse before minutes of measuring
        raise UserError(f"report directory {out} already exists; pass --force to overwrite "
                        "it, or leave out --out for a new timestamped directory")
    if resume is not None:
        plan = study.plan_of_run(store, resume)
        run_id = resume
    else:
        plan = (plan_for(profile, quick=quick, threads=threads, device=device) if model is None
                else _model_plan(model, quick=quick, threads=threads, device=device))
        run_id = study.start_run(store, plan, kind="run",
                                 extra={"profile": profile.to_dict(), "profile_source": source})
    executor = study.make_executor(plan, study.BenchOptions())
    interrupted = False
    todo = len(plan.cells) - len(store.done_keys(run_id))
    try:
        if progress_factory is None:
            study.execute(store, run_id, plan, executor)
        else:
            with progress_factory(todo) as progress:
                study.execute(store, run_id, plan, executor, progress)
    except KeyboardInterrupt:
        interrupted = True
    advice = _advise(store, run_id, profile, source)
    report = _report(store, run_id, advice, out, force)
    result = JourneyResult(run_id, advice, report, time.perf_counter() - started, interrupted)
    if interrupted:
        raise Interrupted(
            f"interrupted: {len(store.done_keys(run_id))} measured cells kept in run {run_id}; "
            f"partial report: {report}; finish with: stackpick run --resume {run_id}")
    return result


def profile_of_run(store: Store, run_id: int) -> tuple[Profile, str]:
    """The answers a stored `run` was made with (for --resume)."""
    from stackpick.profile import make_profile

    extra = store.get_run(run_id).extra
    if "profile" not in extra:
        raise UserError(f"run {run_id} was not made by `stackpick run` (it has no answers); "
                        f"resume it with: stackpick bench --resume {run_id}")
    data = {k: v for k, v in extra["profile"].items() if v not in (None, [], {})}
    return make_profile(data), extra.get("profile_source", "stored")
