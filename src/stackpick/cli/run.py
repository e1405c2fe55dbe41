"""``stackpick run``: the whole journey (answers, study, advice, report) in one command."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.text import Text

from stackpick.cli import validate
from stackpick.cli.advise import resolve_profile
from stackpick.cli.options import (
    AskOpt,
    Db,
    DefaultsOpt,
    Device,
    EveryNodeOpt,
    Force,
    InputDtypeOpt,
    InputShapeOpt,
    ModelOpt,
    NodesOpt,
    Out,
    ProfileOpt,
    RayOpt,
    Threads,
    WeightsOpt,
    answer_options,
)
from stackpick.cli.output import console
from stackpick.errors import UserError


@answer_options
def run(
    answers: dict[str, object],
    profile: ProfileOpt = None,
    ask: AskOpt = False,
    defaults: DefaultsOpt = False,
    quick: Annotated[bool, typer.Option(
        help="A smaller, shorter study (about 30 s on 2 cores): less precise.")] = False,
    threads: Threads = None,
    device: Device = "cpu",
    out: Out = None,
    force: Force = False,
    resume: Annotated[int | None, typer.Option(
        help="Finish the missing cells of run ID, then advise and report.")] = None,
    model: ModelOpt = None,
    input_shape: InputShapeOpt = None,
    input_dtype: InputDtypeOpt = None,
    weights: WeightsOpt = None,
    ray: RayOpt = None,
    nodes: NodesOpt = None,
    every_node: EveryNodeOpt = False,
    db: Db = None,
) -> None:
    """Answer four questions, measure every framework here (or every path out of your
    --model), get a recommended stack and a report (index.html, report.md, results.json)."""
    from stackpick import pipeline
    from stackpick.advice.summary import summary
    from stackpick.analysis.run_view import load_results
    from stackpick.cli.choices import cluster_options
    from stackpick.harness.progress import StudyProgress
    from stackpick.report.terminal import print_compact
    from stackpick.store import open_store

    if device not in ("cpu", "cuda"):
        raise UserError(f"--device {device!r} is not valid; use one of cpu, cuda")
    validate.run_id(resume, "--resume")
    validate.not_empty(nodes, "--nodes", "cpu-x86")
    spec = validate.model_spec(model, input_shape, input_dtype, weights)
    cluster = cluster_options(ray, nodes, every_node)
    given = profile is not None or ask or defaults or any(v is not None for v in answers.values())
    if resume is None and not given:
        if not sys.stdin.isatty():
            raise UserError("no answers given: pass --defaults, --profile FILE, --ask at a "
                            "terminal, or flags such as --goal inference --target x86-cpu")
        ask = True
    with open_store(db) as store:
        if resume is not None:
            prof, source = pipeline.profile_of_run(store, resume)
        else:
            prof, source = resolve_profile(profile, ask, defaults, answers)
        result = pipeline.run(store, prof, source, quick=quick, threads=threads, device=device,
                              out=out, force=force, resume=resume,
                              progress_factory=StudyProgress, model=spec, cluster=cluster)
        screen = console()
        print_compact(load_results(store, result.run_id), screen)
    screen.print()
    screen.print(Text(summary(result.advice), style="bold"))
    screen.print(f"report: {result.report}", markup=False)
    screen.print(f"run {result.run_id} stored in {store.path}; finished in "
                 f"{result.seconds:.0f} s", markup=False)
