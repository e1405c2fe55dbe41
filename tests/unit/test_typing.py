"""The type checker's rules that mypy itself does not enforce (mypy runs in `make test`)."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "stackpick"
IGNORE = re.compile(r"#\s*type:\s*ignore(\[[^\]]*\])?(.*)$")


def test_every_type_ignore_names_its_code_and_says_why():
    """`# type: ignore[code]  # why` on the line, or a comment line just above it."""
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            found = IGNORE.search(line)
            if found is None:
                continue
            reason = found[2].strip().lstrip("#").strip()
            above = lines[i - 1].strip() if i else ""
            if not found[1] or not (reason or above.startswith("#")):
                bad.append(f"{path.relative_to(SRC)}:{i + 1}: {line.strip()}")
    assert bad == []
