"""Where commands write: a Rich console for people, JSON for scripts ('-' is stdout)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from stackpick.files import write_text


def console() -> Console:
    """Piped output gets a wide table rather than Rich's 80-column default."""
    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=160)
    return out


def write_json(target: str, data: Any, force: bool = False) -> None:
    """Write ``data`` to ``target`` ('-' is stdout): never over an existing file without
    ``force``, never half-written, never through a link (:mod:`stackpick.files`)."""
    text = json.dumps(data, indent=2, default=str)
    if target == "-":
        sys.stdout.write(text + "\n")
        return
    write_text(Path(target), text + "\n", "--json", force)
