"""Where commands write: a Rich console for people, JSON for scripts ('-' is stdout)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from stackpick.errors import UserError


def console() -> Console:
    """Piped output gets a wide table rather than Rich's 80-column default."""
    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=160)
    return out


def write_json(target: str, data: Any) -> None:
    """Write ``data`` to ``target`` ('-' is stdout) with a clear error for bad paths."""
    text = json.dumps(data, indent=2, default=str)
    if target == "-":
        sys.stdout.write(text + "\n")
        return
    try:
        Path(target).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write --json {target}: {exc.strerror}") from None
