"""``stackpick advise --ask``: the four questions asked at a terminal, each choice explained.

Only at a terminal: piped or redirected input gets a clear error instead of a hung prompt.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console

from stackpick.errors import UserError
from stackpick.profile import (
    EXISTING,
    EXPLAIN,
    FRAMEWORKS,
    GOALS,
    LEVELS,
    MODEL_FAMILIES,
    NEEDS,
    PRIORITIES,
    TARGETS,
    Profile,
    make_profile,
)

# ask(question, choices or None, default) -> the answer text
Ask = Callable[[str, list[str] | None, str], str]


def _rich_ask(question: str, choices: list[str] | None, default: str) -> str:
    from rich.prompt import Prompt

    return Prompt.ask(question, choices=choices, default=default)


def require_terminal() -> None:
    """--ask reads answers from a person; refuse when stdin is a pipe or a file."""
    if not sys.stdin.isatty():
        raise UserError("--ask needs an interactive terminal (stdin is not a TTY); give answers "
                        "with --profile FILE (see: stackpick profile init) or with flags")


def _retry(console: Console, ask: Ask, question: str, default: str,
           check: Callable[[str], Any]) -> Any:
    """Ask a free-text question until ``check`` accepts the answer."""
    while True:
        answer = ask(question, None, default)
        try:
            return check(answer)
        except UserError as exc:
            console.print(f"[red]{exc}[/]")


def ask_profile(console: Console, ask: Ask | None = None) -> Profile:
    """Ask every question (with its explanation) and return the validated profile."""
    ask = ask or _rich_ask
    data: dict[str, Any] = {}
    console.print(f"[dim]priority: {EXPLAIN['priority']}[/]")
    data["priority"] = ask("Priority", list(PRIORITIES), "balanced")
    console.print(f"[dim]goal: {EXPLAIN['goal']}[/]")
    data["goal"] = ask("Goal", list(GOALS), "both")
    console.print(f"[dim]targets: {EXPLAIN['targets']}. Valid: {', '.join(TARGETS)}[/]")
    data["targets"] = _retry(console, ask, "Targets (comma-separated)", "x86-cpu",
                             lambda text: make_profile({"targets": text}).targets)
    console.print(f"[dim]expertise: {EXPLAIN['expertise']}[/]")
    data["expertise"] = {fw: ask(f"Expertise in {fw}", list(LEVELS), "none") for fw in FRAMEWORKS}
    console.print(f"[dim]existing: {EXPLAIN['existing']}[/]")
    data["existing"] = ask("Existing serving stack", list(EXISTING), "none")
    console.print(f"[dim]{EXPLAIN['latency_budget_ms']}; empty for none[/]")
    data["latency_budget_ms"] = _retry(console, ask, "Latency budget (ms)", "", _budget_answer)
    console.print(f"[dim]{EXPLAIN['model_family']}[/]")
    family = ask("Model family", [*MODEL_FAMILIES, "unknown"], "unknown")
    data["model_family"] = None if family == "unknown" else family
    console.print(f"[dim]{EXPLAIN['needs']}. Valid: {', '.join(NEEDS)}; empty for none[/]")
    data["needs"] = _retry(console, ask, "Needs (comma-separated)", "",
                           lambda text: list(make_profile({"needs": text}).needs))
    return make_profile(data)


def _budget_answer(text: str) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise UserError(f"{text!r} is not a number of milliseconds") from None
    return make_profile({"latency_budget_ms": value}).latency_budget_ms
