"""docs/advice.md's table of representative profiles is what the advisor answers today."""

from __future__ import annotations

from docs_table import SHOWN, block, current


def test_ten_profiles_are_shown() -> None:
    assert len(SHOWN) == 10


def test_docs_table_is_current() -> None:
    assert current() == block(), "run: python tests/scenarios/docs_table.py"
