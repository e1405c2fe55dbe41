"""Commands ``advise``, ``kb`` and ``profile init``.

No framework is imported here: advising reads the profile, the packaged facts and the store.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stackpick.cli import validate
from stackpick.cli.options import (
    AskOpt,
    Db,
    DefaultsOpt,
    ForceJson,
    Json,
    ProfileOpt,
    answer_options,
)
from stackpick.cli.output import console, write_json
from stackpick.errors import UserError
from stackpick.profile.questions import cli_help

if TYPE_CHECKING:
    from stackpick.profile import Profile


@answer_options
def advise(
    answers: dict[str, object],
    profile: ProfileOpt = None,
    ask: AskOpt = False,
    defaults: DefaultsOpt = False,
    train_on: Annotated[list[str] | None, typer.Option(
        "--train-on", help=cli_help("train_on"))] = None,
    allow_unknown: Annotated[bool, typer.Option(
        "--allow-unknown", help="Keep stacks whose reach to a mandatory target no source "
                                "states (ruled out as 'unknown: verify' by default).")] = False,
    no_measurements: Annotated[bool, typer.Option(
        "--no-measurements", help="Advise from facts and answers only (ignore the store).")
    ] = False,
    run: Annotated[int | None, typer.Option(
        "--run", help="Use this stored run as evidence (default: the latest).")] = None,
    db: Db = None,
    json_out: Json = None,
    force: ForceJson = False,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Every stack's breakdown and the time taken.")] = False,
) -> None:
    """Recommend a stack from your answers, sourced facts and stored measurements."""
    started = time.perf_counter()
    from stackpick.advice import advise as run_advice
    from stackpick.advice import load_evidence
    from stackpick.advice.render import print_advice

    validate.run_id(run, "--run")
    validate.not_empty_items(train_on, "--train-on", "nvidia-gpu")
    validate.output_file(json_out, "--json", force)
    answers = {**answers, "train_on": ",".join(train_on or []) or None}
    prof, source = resolve_profile(profile, ask, defaults, answers)
    if no_measurements and run is not None:
        raise UserError("--no-measurements and --run exclude each other; drop one")
    evidence = None if no_measurements else load_evidence(db, run)
    advice = run_advice(prof, evidence=evidence, source=source, allow_unknown=allow_unknown)
    if json_out:
        write_json(json_out, advice.to_dict(), force)
    if json_out != "-":
        out = console()
        print_advice(advice, out, verbose)
        if verbose:
            out.print(f"[dim]advice took {time.perf_counter() - started:.3f} s[/]")
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
        from stackpick.profile.yaml_file import load_profile

        base, source = load_profile(path), f"file:{path}"
    elif ask:
        from stackpick.profile.ask import ask_profile, require_terminal

        require_terminal()
        base, source = ask_profile(console()), "interactive"
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
    leads: Annotated[bool, typer.Option(
        "--leads", help="Only leads: facts dated by month, not re-read at their source (they "
                        "may only be notes: never scored, never a rule).")] = False,
    json_out: Json = None,
    force: ForceJson = False,
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
    validate.output_file(json_out, "--json", force)
    facts = load_knowledge().select(stacks, target.strip().lower() if target else None)
    if leads:
        facts = [f for f in facts if f.lead]
    if json_out:
        write_json(json_out, [f.to_dict() for f in facts], force)
        if json_out == "-":
            return
    if leads and not facts:
        console().print("no leads: every fact was re-read at its source and dated to the day")
        return
    print_facts(facts, console())


def profile_init(
    file: Annotated[str, typer.Argument(help="Where to write ('-' for stdout).")
                    ] = "stackpick-profile.yaml",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented example profile to edit and pass to `stackpick advise --profile`."""
    from stackpick.profile.yaml_file import write_example

    written = write_example(file, force)
    if written is not None:
        print(f"wrote {written}; edit it, then: stackpick advise --profile {written}")
