"""Team profiles with the pick and the eliminations a senior ML engineer expects.

Each ``*.yaml`` here holds ``profile`` (the answers), ``options`` (``allow_unknown``) and
``expect``: ``pick`` (the recommended candidate id; with ``tie_ok`` it may instead be any of a
declared tie), ``eliminated`` (exactly the stacks ruled out) and optionally ``contradictions``
(the answer groups explained). Advice runs from facts and answers only (no store), so these
are fast and framework-free.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from stackpick.advice import advise
from stackpick.profile import make_profile

HERE = Path(__file__).parent
FILES = sorted(HERE.glob("*.yaml"))


def test_there_are_enough_scenarios() -> None:
    assert len(FILES) >= 25


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario(path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    expect = doc["expect"]
    advice = advise(make_profile(doc["profile"]), today=date(2026, 12, 1), sensitivity=False,
                    **(doc.get("options") or {}))
    tied = set(advice.tie.stacks) if advice.tie else set()
    assert advice.recommended == expect["pick"] or (
        expect.get("tie_ok") and expect["pick"] in tied), advice.summary
    assert sorted(e.stack for e in advice.eliminated) == expect["eliminated"]
    for e in advice.eliminated:  # every elimination cites a fact or an answer
        assert all(r.cited for r in e.reasons), e
    wanted = [sorted(c) for c in expect.get("contradictions", [])]
    assert sorted(sorted(c.answers) for c in advice.contradictions) == sorted(wanted)
