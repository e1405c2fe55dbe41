"""Team profiles with the pick and the eliminations a senior ML engineer expects.

Each ``*.yaml`` here holds ``profile`` (the answers), ``options`` (``allow_unknown``), an
optional ``evidence`` (measured standings, see :func:`evidence`) and ``expect``: ``pick`` (the
recommended candidate id; with ``tie_ok`` it may instead be any of a declared tie; ``pick_in``
widens it to a set), ``eliminated`` (exactly the stacks ruled out) and optionally
``contradictions`` (the answer groups explained), ``lead`` (the criterion the reasons lead
with), ``reason_mentions`` (text the pick's reasons must contain), ``max_caveats`` and
``no_caveat_facts``. Every scenario also holds the invariants of :func:`check_invariants`.
Advice runs from facts and answers (and the evidence given), so these are fast and
framework-free. ``docs/advice.md`` shows ten of them (``tests/scenarios/docs_table.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from scenario_kit import run

from stackpick.advice import Advice
from stackpick.knowledge import load_knowledge
from stackpick.knowledge.stacks import AUTHORS, get_stack
from stackpick.profile import make_profile
from stackpick.protocol.advice import key_scores

HERE = Path(__file__).parent
FILES = sorted(HERE.glob("*.yaml"))


def check_invariants(advice: Advice) -> None:
    """Holds for every profile: eliminations cite something; a training-only pick names no
    runtime; the first two are deployable where they serve; caveats concern the profile."""
    for e in advice.eliminated:
        assert all(r.cited for r in e.reasons), e
    effective = make_profile(advice.effective_profile)
    if effective.goal == "training":
        assert all(r.stack in AUTHORS and "->" not in r.name and not r.routes
                   for r in advice.ranking), [r.name for r in advice.ranking]
    for r in advice.ranking[:2]:
        assert all(get_stack(x.stack).made_for(x.target) for x in r.routes), r.routes
    kb = load_knowledge()
    for c in advice.caveats:
        assert all(kb.get(f).concerns(effective) for f in c.facts if not kb.get(f).has_values), c


def test_there_are_enough_scenarios() -> None:
    assert len(FILES) >= 35


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario(path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    expect = doc["expect"]
    advice = run(doc)
    tied = set(advice.tie.stacks) if advice.tie else set()
    assert advice.recommended == expect["pick"] or (
        expect.get("tie_ok") and expect["pick"] in tied) or (
        advice.recommended in expect.get("pick_in", ())), advice.summary
    assert sorted(e.stack for e in advice.eliminated) == expect["eliminated"]
    wanted = [sorted(c) for c in expect.get("contradictions", [])]
    assert sorted(sorted(c.answers) for c in advice.contradictions) == sorted(wanted)
    check_invariants(advice)
    pick = advice.ranking[0]
    if "lead" in expect:
        runner = advice.ranking[1] if len(advice.ranking) > 1 else None
        assert key_scores(pick, runner)[0].criterion == expect["lead"], advice.summary
    texts = " ".join(r.text for s in pick.scores for r in s.reasons)
    for mention in expect.get("reason_mentions", ()):
        assert mention in texts, texts
    assert len(advice.caveats) <= expect.get("max_caveats", 99), advice.caveats
    cited = {f for c in advice.caveats for f in c.facts}
    assert not cited & set(expect.get("no_caveat_facts", ())), advice.caveats
