"""Every option that more than one command takes, declared once. No framework imports.

`bench` and `run` share the model options; `advise` and `run` share the answer options; most
commands take `--db` and `--json`.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from stackpick.errors import UserError
from stackpick.profile.questions import cli_help

R = TypeVar("R")

Db = Annotated[Path | None, typer.Option(
    "--db", envvar="STACKPICK_DB",
    help="SQLite store (default: ~/.local/share/stackpick/stackpick.db).")]
Json = Annotated[str | None, typer.Option(
    "--json", help="Also write JSON to FILE ('-' for stdout).")]
Threads = Annotated[int | None, typer.Option(
    help="Intra-op threads for every backend (default: physical cores).")]
Device = Annotated[str, typer.Option(help="cpu or cuda.")]
Out = Annotated[Path | None, typer.Option(
    "--out", help="Report directory (default: a new stackpick-report-* directory).")]
Force = Annotated[bool, typer.Option("--force", help="Overwrite --out if it exists.")]
ForceJson = Annotated[bool, typer.Option(
    "--force", help="Replace the --json file if it exists (refused otherwise).")]

# -- a user's model (bench, run) ------------------------------------------------------------
ModelOpt = Annotated[str | None, typer.Option(
    "--model", metavar="MODEL",
    help="Your model instead of the reference workloads: file.py:factory (PyTorch; the file is "
    "code that stackpick runs), model.onnx or model.keras.")]
InputShapeOpt = Annotated[list[str] | None, typer.Option(
    "--input-shape", metavar="SHAPE",
    help="Input shape for --model, batch first, e.g. 1,3,224,224; repeat it once per input.")]
InputDtypeOpt = Annotated[str | None, typer.Option(
    "--input-dtype", metavar="DTYPE",
    help="float32 or int64 for --input-shape inputs (comma-separated: one per input).")]
WeightsOpt = Annotated[str | None, typer.Option(
    "--weights", metavar="FILE",
    help="A .pt/.pth state dict for a PyTorch --model (loaded with weights_only=True).")]

# -- a Ray cluster (bench, run) --------------------------------------------------------------
RayOpt = Annotated[str | None, typer.Option(
    "--ray", metavar="ADDRESS",
    help="Measure on a Ray cluster's machines: auto (the running cluster), HOST:PORT, or local "
    "(start one in this process, loopback only). Needs: pip install 'stackpick[ray]'.")]
NodesOpt = Annotated[str | None, typer.Option(
    "--nodes", metavar="NODES",
    help="With --ray: the machines to use, by name, address, id prefix or label (cpu-x86, "
    "cpu-arm, gpu-nvidia), comma-separated (default: every machine).")]
EveryNodeOpt = Annotated[bool, typer.Option(
    "--every-node",
    help="With --ray: measure every group on every chosen machine (a per-machine "
    "comparison) instead of each group on one of them.")]

# -- where the answers come from (advise, run) -----------------------------------------------
ProfileOpt = Annotated[Path | None, typer.Option(
    "--profile", help="YAML profile (write an example with: stackpick profile init).")]
AskOpt = Annotated[bool, typer.Option("--ask", help="Ask the questions at the terminal.")]
DefaultsOpt = Annotated[bool, typer.Option(
    "--defaults", help="Use the default profile: balanced, both, x86-cpu, no expertise, "
                       "existing none.")]

# The answer flags, declared once here; `answer_options` adds them to a command. Their help is
# derived from the question table (stackpick.profile.questions), the one place their meaning is
# written.
ANSWER_OPTIONS: dict[str, object] = {
    "priority": Annotated[str | None, typer.Option(help=cli_help("priority"))],
    "goal": Annotated[str | None, typer.Option(help=cli_help("goal"))],
    "target": Annotated[list[str] | None, typer.Option("--target", help=cli_help("targets"))],
    "expertise": Annotated[list[str] | None, typer.Option(
        "--expertise", help=cli_help("expertise"))],
    "existing": Annotated[str | None, typer.Option(help=cli_help("existing"))],
    "latency_budget": Annotated[float | None, typer.Option(
        "--latency-budget", help=cli_help("latency_budget_ms"))],
    "model_family": Annotated[str | None, typer.Option(
        "--model-family", help=cli_help("model_family"))],
    "need": Annotated[list[str] | None, typer.Option("--need", help=cli_help("needs"))],
}


def answer_flags(priority: str | None = None, goal: str | None = None,
                 target: list[str] | None = None, expertise: list[str] | None = None,
                 existing: str | None = None, latency_budget: float | None = None,
                 model_family: str | None = None, need: list[str] | None = None
                 ) -> dict[str, object]:
    """The answer flags as profile fields (None where not given; an explicitly empty
    ``--target ""`` stays '' so the profile can reject it instead of using the defaults)."""
    for flag, values in (("--expertise", expertise), ("--need", need)):
        if values and not "".join(values).replace(",", "").strip():
            raise UserError(f"{flag} is empty; leave the flag out, or see: stackpick --help")
    return {"priority": priority, "goal": goal,
            "targets": None if target is None else ",".join(target),
            "expertise": ",".join(expertise or []) or None, "existing": existing,
            "latency_budget_ms": latency_budget, "model_family": model_family,
            "needs": ",".join(need or []) or None}


def answer_options(command: Callable[..., R]) -> Callable[..., R]:
    """Give ``command`` the answer flags: it declares ``answers: dict`` and receives
    :func:`answer_flags`'s dict, while Typer sees the individual options."""
    signature = inspect.signature(command)
    own = [p for p in signature.parameters.values() if p.name != "answers"]
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                               annotation=annotation)
             for name, annotation in ANSWER_OPTIONS.items()]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> R:
        flags = {name: kwargs.pop(name, None) for name in ANSWER_OPTIONS}
        return command(answers=answer_flags(**flags), **kwargs)

    hints = typing.get_type_hints(command, include_extras=True)
    wrapper.__annotations__ = {**{p.name: hints[p.name] for p in own if p.name in hints},
                               **ANSWER_OPTIONS}
    # inspect.signature reads __signature__; typeshed does not declare it on functions
    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p.replace(annotation=hints.get(p.name, p.annotation)) for p in own]
        + added)
    return wrapper
