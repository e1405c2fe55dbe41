"""The reach coverage table (tests/data/reach_coverage.txt): for every authoring framework and
training target, and every serving stack and target, the level the frameworks' own
documentation gives and the fact that carries it. The knowledge base must agree with every row:
a missing fact, a contradicting level or an uncovered pair fails the suite.

``python tests/unit/test_reach_coverage.py`` prints the knowledge base's own view in the same
format, to compare with the table after a fact changes (the table changes only with a source).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stackpick.knowledge import load_knowledge
from stackpick.knowledge.stacks import AUTHORS, STACKS, base_of
from stackpick.profile import TARGETS, TRAINING_TARGETS

TABLE = Path(__file__).parents[1] / "data" / "reach_coverage.txt"
Row = tuple[str, str, str, str, tuple[str, ...]]  # role, who, target, level, facts


def rows() -> list[Row]:
    """The table's rows: ``train:``/``serve:`` sections, a stack (or author) per two-space
    line, ``target: LEVEL fact...`` per four-space line; ``#`` starts a comment."""
    out: list[Row] = []
    role = who = ""
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        text = line.split("#")[0].rstrip()
        if not text:
            continue
        if not text.startswith(" "):
            role = text.rstrip(":")
        elif not text.startswith("    "):
            who = text.strip().rstrip(":")
        else:
            target, _, cell = text.strip().partition(": ")
            level, *facts = cell.split()
            out.append((role, who, target, level, tuple(f for f in facts if f != "(none)")))
    return out


def _stack(role: str, who: str) -> str:
    return base_of(who).id if role == "train" else who


def test_the_table_covers_every_author_stack_and_target() -> None:
    have = {(role, who, target) for role, who, target, _, _ in rows()}
    wanted = {("train", a, t) for a in AUTHORS for t in TRAINING_TARGETS}
    wanted |= {("serve", s.id, t) for s in STACKS for t in TARGETS}
    assert wanted - have == set(), "rows missing from tests/data/reach_coverage.txt"
    assert have - wanted == set(), "rows for unknown stacks or targets"


@pytest.mark.parametrize("row", rows(), ids=lambda r: f"{r[0]}-{r[1]}-{r[2]}")
def test_the_knowledge_base_gives_the_documented_reach(row: Row) -> None:
    role, who, target, level, facts = row
    kb = load_knowledge()
    got, cited = kb.reach(_stack(role, who), target, role)
    assert got == level, f"{who} {role} {target}: knowledge base says {got}, the table {level}"
    missing = [f for f in facts if f not in cited]
    assert not missing, f"{who} {role} {target}: {missing} no longer carry this reach"
    if level != "?":
        assert facts, f"{who} {role} {target}: a level needs the fact that carries it"


def _print() -> None:
    kb = load_knowledge()
    for role, who, target, _, _ in rows():
        level, facts = kb.reach(_stack(role, who), target, role)
        print(f"{role} {who} {target}: {level} {' '.join(facts) or '(none)'}")


if __name__ == "__main__":
    _print()
