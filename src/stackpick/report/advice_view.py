"""Stored advice read into what a report shows, through the typed records.

The report renders the same :class:`~stackpick.protocol.advice.Advice` the terminal prints,
decoded once when the run was loaded (``RunNotes.advice``; ``Advice.from_dict`` tolerates every
stored schema, so every past run re-renders). Only ``protocol`` is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stackpick.protocol.advice import Advice, Ranked, Reason, key_scores, label
from stackpick.report.advice_facts import FactView, read_facts


@dataclass
class Contribution:
    criterion: str
    weight: float | None = None
    value: float | None = None
    points: float | None = None
    evidence: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


@dataclass
class StackView:
    label: str
    score: float | None = None
    reasons: list[str] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)


@dataclass
class AdviceView:
    pick: StackView | None = None
    runner_up: StackView | None = None
    tie: bool = False
    eliminated: list[tuple[str, list[str]]] = field(default_factory=list)
    flips: list[str] = field(default_factory=list)
    flip_note: str = ""
    weights: list[tuple[str, float, str]] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    facts: list[FactView] = field(default_factory=list)


def _cited(reasons: tuple[Reason, ...]) -> list[str]:
    """Fact ids and cell ids the reasons cite, as 'fact-id' and 'cell 12'."""
    out = [f for r in reasons for f in r.facts] + [f"cell {c}" for r in reasons for c in r.cells]
    return list(dict.fromkeys(out))


def stack_view(r: Ranked | None, other: Ranked | None = None) -> StackView | None:
    """One ranked candidate: its name with the runtime per target, its contributions, and the
    reasons that separate it from ``other`` (the runner-up) first."""
    if r is None:
        return None
    contrib = [Contribution(label(s.criterion), s.weight, s.value,
                            round(s.contribution, 6), _cited(s.reasons),
                            [x.text for x in s.reasons]) for s in r.scores]
    reasons = [f"{label(s.criterion)} (+{s.contribution:.2f})"
               + (f": {s.reasons[0].text}" if s.reasons else "") for s in key_scores(r, other)]
    if r.routes and len({x.stack for x in r.routes}) > 1:
        reasons.insert(0, "runtime per target: " + ", ".join(f"{x.runtime} on {x.target}"
                                                             for x in r.routes))
    return StackView(r.name, round(r.total, 6), reasons, contrib)


def _flips(a: Advice) -> tuple[list[str], str]:
    names = {r.stack: r.name for r in a.ranking} | {e.stack: e.name for e in a.eliminated}
    out = [f.change.text + (f": the pick becomes {names.get(f.new_pick, f.new_pick)}"
                            if f.new_pick else ": no stack qualifies") for f in a.flips]
    note = a.rests_on or (f"None of the {a.changes_checked} plausible single changes tried "
                          "flips the pick." if a.changes_checked else
                          "No single change of answers flips the pick.")
    return out, note


def _caveats(a: Advice) -> list[str]:
    out = [f"{c.text}; {c.resolution}" for c in a.contradictions]
    if a.tie:
        out.insert(0, f"Tie ({', '.join(a.tie.stacks)}): margin {a.tie.margin:.2f} within its "
                      f"uncertainty {a.tie.uncertainty:.2f}; decided by {a.tie.decided_by}; "
                      f"what would separate them: {a.tie.separate}")
    out += [c.text + (f" (try: {c.command})" if c.command else "") for c in a.caveats]
    return out


def read_advice(a: Advice | None) -> AdviceView | None:
    """The parts of an advice a report shows, or None when there is no advice."""
    if a is None:
        return None
    flips, note = _flips(a)
    return AdviceView(
        pick=stack_view(a.ranking[0] if a.ranking else None,
                        a.ranking[1] if len(a.ranking) > 1 else None),
        runner_up=stack_view(a.ranking[1] if len(a.ranking) > 1 else None),
        tie=bool(a.tied_with),
        eliminated=[(e.name, [r.text for r in e.reasons]) for e in a.eliminated],
        flips=flips, flip_note=note,
        weights=[(label(w.criterion), w.value, w.why) for w in a.weights],
        caveats=_caveats(a), facts=read_facts(a),
    )
