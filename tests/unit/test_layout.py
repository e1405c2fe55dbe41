"""The size rules of the brief, checked: no module over 350 lines, no function over 60."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TREES = ("src/stackpick", "tests", "benchmarks")


def test_modules_and_functions_stay_small():
    big = []
    for tree in TREES:
        for path in sorted((ROOT / tree).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            where = path.relative_to(ROOT)
            if len(text.splitlines()) > 350:
                big.append(f"{where}: {len(text.splitlines())} lines")
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > 60:
                        big.append(f"{where}:{node.lineno} {node.name}: {length} lines")
    assert big == []
