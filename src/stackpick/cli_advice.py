"""Commands ``advise``, ``kb`` and ``profile init``, registered on the main Typer app.

No framework is imported here: advising reads the profile, the packaged facts and the store.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stackpick.errors import UserError
from stackpick.profile_questions import cli_help

if TYPE_CHECKING:
    from rich.console import Console

    from stackpick.profile import Profile

Db = Annotated[Path | None, typer.Option(
    "--db", envvar="STACKPICK_DB",
    help="SQLite store (default: ~/.local/share/stackpick/stackpick.db).")]
Json = Annotated[str | None, typer.Option(
    "--json", help="Also write JSON to FILE ('-' for stdout).")]


def _console() -> Console:
    from stackpick.cli import _console as console

    return console()


def _write_json(target: str, data: object) -> None:
    from stackpick.cli import write_json

    write_json(target, data)


ProfileOpt = Annotated[Path | None, typer.Option(
    "--profile", help="YAML profile (write an example with: stackpick profile init).")]
AskOpt = Annotated[bool, typer.Option("--ask", help="Ask the questions at the terminal.")]
DefaultsOpt = Annotated[bool, typer.Option(
    "--defaults", help="Use the default profile: balanced, both, x86-cpu, no expertise, "
                       "existing none.")]
# Flag help comes from the questions table (profile_questions.QUESTIONS).
PriorityOpt = Annotated[str | None, typer.Option(help=cli_help("priority"))]
GoalOpt = Annotated[str | None, typer.Option(help=cli_help("goal"))]
TargetOpt = Annotated[list[str] | None, typer.Option("--target", help=cli_help("targets"))]
TrainOnOpt = Annotated[list[str] | None, typer.Option("--train-on", help=cli_help("train_on"))]
ExpertiseOpt = Annotated[list[str] | None, typer.Option(
    "--expertise", help=cli_help("expertise"))]
ExistingOpt = Annotated[str | None, typer.Option(help=cli_help("existing"))]
BudgetOpt = Annotated[float | None, typer.Option(
    "--latency-budget", help=cli_help("latency_budget_ms"))]
FamilyOpt = Annotated[str | None, typer.Option("--model-family", help=cli_help("model_family"))]
NeedOpt = Annotated[list[str] | None, typer.Option("--need", help=cli_help("needs"))]
AllowUnknownOpt = Annotated[bool, typer.Option(
    "--allow-unknown", help="Keep stacks whose reach to a mandatory target no source states "
                            "(ruled out as 'unknown: verify' by default).")]
NoMeasurementsOpt = Annotated[bool, typer.Option(
    "--no-measurements", help="Advise from facts and answers only (ignore the store).")]


def _joined(values: list[str] | None) -> str | None:
    """Repeated / comma flags as one string; an explicitly empty one stays '' (an error)."""
    return None if values is None else ",".join(values)


def answer_flags(priority: str | None, goal: str | None, target: list[str] | None,
                 expertise: list[str] | None, existing: str | None,
                 latency_budget: float | None, model_family: str | None,
                 need: list[str] | None, train_on: list[str] | None = None
                 ) -> dict[str, object]:
    """The answer flags as profile fields (None where not given)."""
    return {"priority": priority, "goal": goal, "targets": _joined(target),
            "expertise": ",".join(expertise or []) or None, "existing": existing,
            "latency_budget_ms": latency_budget, "model_family": model_family,
            "needs": ",".join(need or []) or None, "train_on": ",".join(train_on or []) or None}


def advise(
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
    train_on: TrainOnOpt = None,
    allow_unknown: AllowUnknownOpt = False,
    no_measurements: NoMeasurementsOpt = False,
    run: Annotated[int | None, typer.Option(
        "--run", help="Use this stored run as evidence (default: the latest).")] = None,
    db: Db = None,
    json_out: Json = None,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Every stack's breakdown and the time taken.")] = False,
) -> None:
    """Recommend a stack from your answers, sourced facts and stored measurements."""
    started = time.perf_counter()
    from stackpick.advice import advise as run_advice
    from stackpick.advice import load_evidence
    from stackpick.advice.render import print_advice

    flags = answer_flags(priority, goal, target, expertise, existing, latency_budget,
                         model_family, need, train_on)
    prof, source = resolve_profile(profile, ask, defaults, flags)
    if no_measurements and run is not None:
        raise UserError("--no-measurements and --run exclude each other; drop one")
    evidence = None if no_measurements else load_evidence(db, run)
    advice = run_advice(prof, evidence=evidence, source=source, allow_unknown=allow_unknown)
    if json_out:
        _write_json(json_out, advice.to_dict())
    if json_out != "-":
        console = _console()
        print_advice(advice, console, verbose)
        if verbose:
            console.print(f"[dim]advice took {time.perf_counter() - started:.3f} s[/]")
    elif verbose:
        print(f"advice took {time.perf_counter() - started:.3f} s", file=sys.stderr)
    if source.endswith("(no answers given)"):
        print("note: no answers given, so the default profile was used (see --defaults); "
              "answer with --ask, --profile FILE or flags", file=sys.stderr)


def resolve_profile(path: Path | None, ask: bool, defaults: bool, flags: dict[str, object]
                    ) -> tuple[Profile, str]:
    """The profile and where it came from; flags refine a file, --ask or --defaults."""
    from stackpick.profile import DEFAULT_PROFILE, override

    chosen = [name for name, on in (("--profile", path is not None), ("--ask", ask),
                                    ("--defaults", defaults)) if on]
    if len(chosen) > 1:
        raise UserError(f"{' and '.join(chosen)} exclude each other; give one source of answers")
    if path is not None:
        from stackpick.profile_yaml import load_profile

        base, source = load_profile(path), f"file:{path}"
    elif ask:
        from stackpick.profile_ask import ask_profile, require_terminal

        require_terminal()
        base, source = ask_profile(_console()), "interactive"
    else:
        base, source = DEFAULT_PROFILE, "defaults"
    if any(v is not None for v in flags.values()):
        source = "flags" if source == "defaults" else f"{source}+flags"
    elif source == "defaults" and not defaults:
        source = "defaults (no answers given)"
    return override(base, flags), source


def kb(
    stack: Annotated[str | None, typer.Option(
        "--stack", help="Only facts about this stack (or family: torch, tensorflow, keras...).")
    ] = None,
    target: Annotated[str | None, typer.Option("--target", help="Only facts about a target.")
                      ] = None,
    json_out: Json = None,
) -> None:
    """List the knowledge base: every fact with its values, source and date."""
    from stackpick.advice.render import print_facts
    from stackpick.knowledge import load_knowledge
    from stackpick.knowledge.stacks import ALIASES, STACK_IDS
    from stackpick.profile import TARGETS, unknown_name

    stacks: tuple[str, ...] = ()
    if stack is not None:
        name = stack.strip().lower()
        stacks = (name,) if name in STACK_IDS else ALIASES.get(name, ())
        if not stacks:
            raise unknown_name("stack", name, [*STACK_IDS, *ALIASES], "--stack: ")
    if target is not None and target.strip().lower() not in TARGETS:
        raise unknown_name("target", target.strip().lower(), TARGETS, "--target: ")
    facts = load_knowledge().select(stacks, target.strip().lower() if target else None)
    if json_out:
        _write_json(json_out, [f.to_dict() for f in facts])
        if json_out == "-":
            return
    print_facts(facts, _console())


def profile_init(
    file: Annotated[str, typer.Argument(help="Where to write ('-' for stdout).")
                    ] = "stackpick-profile.yaml",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented example profile to edit and pass to `stackpick advise --profile`."""
    from stackpick.profile_yaml import write_example

    written = write_example(file, force)
    if written is not None:
        print(f"wrote {written}; edit it, then: stackpick advise --profile {written}")


def register(app: typer.Typer) -> None:
    """Add ``advise``, ``kb`` and the ``profile`` sub-app to ``app``."""
    app.command("advise")(advise)
    app.command("kb")(kb)
    profile_app = typer.Typer(help="Profiles: the answers advice is built from.",
                              no_args_is_help=True)
    profile_app.command("init")(profile_init)
    app.add_typer(profile_app, name="profile")
