"""Scoring and ranking: resolve, eliminate by rule, weigh, score candidates, rank, judge the
margin against its uncertainty, and find which plausible change flips the pick.

Deterministic: no clock, randomness or set order reaches the result (``today`` is an argument).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from stackpick.advice.candidates import enumerate_candidates, score_candidate
from stackpick.advice.caveats import caveats
from stackpick.advice.constraints import resolve
from stackpick.advice.evidence import Evidence
from stackpick.advice.model import Advice, Contradiction, Eliminated, Fact, Ranked, Weight
from stackpick.advice.scoring import measured_scales
from stackpick.advice.sensitivity import find_flips, rests_on
from stackpick.advice.summary import summary
from stackpick.advice.ties import near_tie
from stackpick.advice.versus import with_versus
from stackpick.advice.weights import derive_weights
from stackpick.knowledge import KnowledgeBase, load_knowledge
from stackpick.knowledge.stacks import AUTHORS, STACK_IDS, STACKS, stacks_in
from stackpick.profile import Profile


@dataclass
class Ranking:
    effective: Profile
    contradictions: list[Contradiction]
    weights: list[Weight]
    ranked: list[Ranked]
    gone: list[Eliminated]


def _order(r: Ranked) -> tuple[float, int, list[int]]:
    ids = [STACK_IDS.index(i) for i in stacks_in(r.stack)]
    return (-r.total, AUTHORS.index(r.author) if r.author in AUTHORS else 99, ids)


def rank(p: Profile, kb: KnowledgeBase, ev: Evidence | None,
         overrides: Mapping[str, float] | None = None, allow_unknown: bool = False) -> Ranking:
    """The core: resolve contradictions, apply the rules, weigh, score and sort (ties keep
    catalogue order)."""
    effective, contradictions = resolve(p)
    blocked = ev.blocked if ev else {}  # a path failed for the user's model
    found, out = enumerate_candidates(kb, effective, allow_unknown, blocked)
    scales = measured_scales(ev, effective)
    weights = derive_weights(effective, overrides, scales)
    cache: dict[tuple[str, tuple[str, ...]], Ranked] = {}
    ranked = [score_candidate(kb, ev, author, routes, weights, effective, cache, scales)
              for author, routes in found]
    ranked.sort(key=_order)
    gone = [Eliminated(s.id, s.name, tuple(out[s.id])) for s in STACKS if s.id in out]
    return Ranking(effective, contradictions, weights, ranked, gone)


def advise(profile: Profile, *, evidence: Evidence | None = None, kb: KnowledgeBase | None = None,
           today: date | None = None, source: str = "flags",
           overrides: Mapping[str, float] | None = None, sensitivity: bool = True,
           allow_unknown: bool = False) -> Advice:
    """The recommendation for ``profile``: ranked candidates with each criterion's
    contribution, eliminated stacks, contradictions, near-ties, plausible flips, evidence and
    caveats."""
    kb = kb or load_knowledge()
    today = today or date.today()
    r = rank(profile, kb, evidence, overrides, allow_unknown)
    if len(r.ranked) > 1:  # the pick's measured reasons open with how it beat the runner-up
        r.ranked[0] = with_versus(r.ranked[0], r.ranked[1], evidence, r.effective)
    advice = Advice(
        as_of=today.isoformat(), profile=profile.to_dict(),
        effective_profile=r.effective.to_dict(), profile_source=source,
        weights=r.weights, ranking=r.ranked, eliminated=r.gone,
        contradictions=r.contradictions, tie=near_tie(r.ranked),
        run=evidence.run if evidence else None, cells=evidence.cells if evidence else [],
        options={"allow_unknown": allow_unknown, "measurements": evidence is not None},
    )
    if sensitivity:
        pick = advice.recommended

        def pick_for(changed: Profile) -> str | None:
            result = rank(changed, kb, evidence, overrides, allow_unknown).ranked
            return result[0].stack if result else None

        advice.flips, advice.changes_checked = find_flips(profile, pick, pick_for)
        if not advice.flips:
            advice.rests_on = rests_on(r.ranked)
    advice.caveats = caveats(advice, r.effective, kb, evidence, today)
    advice.summary = summary(advice)
    advice.facts = [Fact(f.id, f.statement, f.source, f.as_of)
                    for f in (kb.get(i) for i in advice.fact_ids())]
    return advice
