"""``stackpick advise --ask``: the four questions asked at a terminal, each choice explained.

Only at a terminal: piped or redirected input gets a clear error instead of a hung prompt.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console

from stackpick.errors import UserError
from stackpick.profile import FRAMEWORKS, Profile, make_profile
from stackpick.profile.questions import QUESTIONS, Question

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


def _one(console: Console, ask: Ask, q: Question) -> Any:
    """Ask one question of the table, shaped by its kind."""
    valid = f" Valid: {', '.join(q.options)}; empty for none" if q.many else ""
    console.print(f"[dim]{q.field}: {q.help}.{valid}[/]")
    if q.field == "expertise":
        return {fw: ask(f"Expertise in {fw}", list(q.options), "none") for fw in FRAMEWORKS}
    if q.many:
        default = ",".join(q.default)
        return _retry(console, ask, q.prompt, default,
                      lambda text: list(getattr(make_profile({q.field: text}), q.field)))
    if not q.options:  # the latency budget: a number or nothing
        return _retry(console, ask, q.prompt, "", _budget_answer)
    if q.default is None:  # optional choice
        answer = ask(q.prompt, [*q.options, "unknown"], "unknown")
        return None if answer == "unknown" else answer
    return ask(q.prompt, list(q.options), q.default)


def ask_profile(console: Console, ask: Ask | None = None) -> Profile:
    """Ask every question of the table (with its explanation); return the validated profile."""
    ask = ask or _rich_ask
    data = {q.field: _one(console, ask, q) for q in QUESTIONS}
    return make_profile({k: v for k, v in data.items() if v not in ([], None) or k == "needs"})


def _budget_answer(text: str) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise UserError(f"{text!r} is not a number of milliseconds") from None
    return make_profile({"latency_budget_ms": value}).latency_budget_ms
