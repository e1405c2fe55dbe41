"""The ``run`` command: the whole journey (answers, study, advice, report) in one go."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from stackpick.cli_advice import (
    AskOpt,
    BudgetOpt,
    Db,
    DefaultsOpt,
    ExistingOpt,
    ExpertiseOpt,
    FamilyOpt,
    GoalOpt,
    NeedOpt,
    PriorityOpt,
    ProfileOpt,
    TargetOpt,
    answer_flags,
    resolve_profile,
)
from stackpick.cli_model import InputDtypeOpt, InputShapeOpt, ModelOpt, WeightsOpt
from stackpick.errors import UserError


def run(
    profile: ProfileOpt = None,
    ask: AskOpt = False,
    defaults: DefaultsOpt = False,
    priority: PriorityOpt = None,
    goal: GoalOpt = None,
    target: TargetOpt = None,
    expertise: ExpertiseOpt = None,
    existing: ExistingOpt = None,
    latency_budget: BudgetOpt = None,
    model_family: FamilyOpt = None,
    need: NeedOpt = None,
    quick: Annotated[bool, typer.Option(
        help="A smaller, shorter study (about a minute): less precise.")] = False,
    threads: Annotated[int | None, typer.Option(
        help="Intra-op threads for every backend (default: physical cores).")] = None,
    device: Annotated[str, typer.Option(help="cpu or cuda.")] = "cpu",
    out: Annotated[Path | None, typer.Option(
        "--out", help="Report directory (default: a new stackpick-report-* directory).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out if it exists.")] = False,
    resume: Annotated[int | None, typer.Option(
        help="Finish the missing cells of run ID, then advise and report.")] = None,
    model: ModelOpt = None,
    input_shape: InputShapeOpt = None,
    input_dtype: InputDtypeOpt = None,
    weights: WeightsOpt = None,
    db: Db = None,
) -> None:
    """Answer four questions, measure every framework here (or every path out of your
    --model), get a recommended stack and a report (index.html, report.md, results.json)."""
    from stackpick.cli import _console
    from stackpick.journey import profile_of_run, run_journey
    from stackpick.progress import StudyProgress
    from stackpick.report.terminal import print_compact
    from stackpick.results import load_results
    from stackpick.store import open_store
    from stackpick.usermodel.spec import parse_model

    if device not in ("cpu", "cuda"):
        raise UserError(f"--device {device!r} is not valid; use one of cpu, cuda")
    if not model and (input_shape or input_dtype or weights):
        raise UserError("--input-shape, --input-dtype and --weights need --model")
    spec = parse_model(model, input_shape, input_dtype, weights) if model else None
    flags = answer_flags(priority, goal, target, expertise, existing, latency_budget,
                         model_family, need)
    given = profile is not None or ask or defaults or any(v is not None for v in flags.values())
    if resume is None and not given:
        if not sys.stdin.isatty():
            raise UserError("no answers given: pass --defaults, --profile FILE, --ask at a "
                            "terminal, or flags such as --goal inference --target x86-cpu")
        ask = True
    with open_store(db) as store:
        if resume is not None:
            prof, source = profile_of_run(store, resume)
        else:
            prof, source = resolve_profile(profile, ask, defaults, flags)
        result = run_journey(store, prof, source, quick=quick, threads=threads, device=device,
                             out=out, force=force, resume=resume,
                             progress_factory=StudyProgress, model=spec)
    console = _console()
    with open_store(db) as store:
        print_compact(load_results(store, result.run_id), console)
    console.print()
    console.print(Text(result.advice["summary"], style="bold"))
    console.print(f"report: {result.report}", markup=False)
    console.print(f"run {result.run_id} stored in {store.path}; finished in "
                  f"{result.seconds:.0f} s", markup=False)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
