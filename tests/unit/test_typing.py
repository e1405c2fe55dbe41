"""The type checker's rules that mypy itself does not enforce (mypy runs in `make test`)."""

from __future__ import annotations

import ast
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


# Functions that turn records into JSON and back, by name: their dicts are the JSON itself.
JSON_BOUNDARY = {"to_dict", "from_dict", "encode", "decode", "request_of"}
BUDGET = 30  # issue 25: fewer than 30 signatures typed dict[str, Any] outside JSON boundaries


def dict_any_signatures(root: Path = SRC) -> list[str]:
    """``path:line name`` of every function whose parameters or return are typed with
    ``dict[str, Any]``, JSON boundaries (:data:`JSON_BOUNDARY`, names ending ``_json``) aside."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if node.name in JSON_BOUNDARY or node.name.endswith("_json"):
                continue
            a = node.args
            params = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
            notes = [p.annotation for p in params if p is not None and p.annotation]
            if node.returns is not None:
                notes.append(node.returns)
            if any("dict[str, Any]" in ast.unparse(n) for n in notes):
                found.append(f"{path.relative_to(root)}:{node.lineno} {node.name}")
    return found


def test_few_signatures_take_or_return_untyped_dicts():
    found = dict_any_signatures()
    assert len(found) < BUDGET, "\n".join(found)


if __name__ == "__main__":  # the list and its count: python tests/unit/test_typing.py
    listed = dict_any_signatures()
    print("\n".join(listed), f"\n{len(listed)} signatures typed dict[str, Any] (budget "
          f"{BUDGET})", sep="")
