"""Scoring and ranking: eliminate, weigh, score, rank, and find which single answer flips the pick.

Deterministic: no clock, randomness or set order reaches the result (``today`` is an argument).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from stackpick.advice import criteria
from stackpick.advice.caveats import caveats
from stackpick.advice.constraints import eliminate, resolve
from stackpick.advice.evidence import Evidence
from stackpick.advice.model import Advice, Eliminated, Ranked, Reason, Score, Weight
from stackpick.advice.sensitivity import find_flips
from stackpick.advice.weights import ON_DEVICE, derive_weights
from stackpick.knowledge import KnowledgeBase, load_knowledge
from stackpick.knowledge.stacks import STACK_IDS, STACKS, Stack
from stackpick.profile import Profile

FACT_MEAN = ("research_velocity", "ecosystem", "eager_to_compiled")


def _measured(ev: Evidence | None, stack: Stack, w: Weight, p: Profile) -> Score:
    task = "inference" if w.criterion == "measured_inference_speed" else "training"
    groups = (ev.speed.get(task, {}) if ev else {}).get(stack.id)
    if not groups:
        why = "no run in the store" if ev is None else f"run {ev.run['id']} has no {task} " \
              "comparison for this stack"
        return Score(w.criterion, w.value, None, "none",
                     (Reason(f"no measurement: {why}; no points", answers=w.answers),))
    assert ev is not None
    value, reasons = ev.value(groups, p.model_family)
    return Score(w.criterion, w.value, value, "measured", tuple(reasons))


def _footprint(kb: KnowledgeBase, ev: Evidence | None, stack: Stack, w: Weight,
               p: Profile) -> Score:
    """Runtime-size facts (only with an on-device target: a server does not care about 50 KB)
    and measured peak memory."""
    fact_value, reasons = None, []
    if any(t in ON_DEVICE for t in p.targets):
        fact_value, reasons = criteria.fact_best(kb, "footprint", stack.id)
        reasons = [Reason(r.text, r.facts, ("targets",)) for r in reasons]
    parts = [v for v in (fact_value,) if v is not None]
    basis = "facts" if parts else "none"
    if ev and ev.memory.get(stack.id):
        measured, more = ev.value(ev.memory[stack.id], p.model_family)
        parts.append(measured)
        reasons += more
        basis = "facts+measured" if basis == "facts" else "measured"
    if not parts:
        reasons.append(Reason("no footprint fact and no memory measurement; no points",
                              answers=w.answers))
    return Score(w.criterion, w.value, sum(parts) / len(parts) if parts else None, basis,
                 tuple(reasons))


def score_stack(kb: KnowledgeBase, ev: Evidence | None, stack: Stack, weights: list[Weight],
                p: Profile) -> Ranked:
    """Every criterion for one stack (in weight order)."""
    scores = []
    for w in weights:
        c = w.criterion
        if c in FACT_MEAN:
            value, reasons = criteria.fact_mean(kb, c, stack.id)
            basis = "facts"
        elif c in ("measured_inference_speed", "measured_training_speed"):
            scores.append(_measured(ev, stack, w, p))
            continue
        elif c == "footprint":
            scores.append(_footprint(kb, ev, stack, w, p))
            continue
        else:
            fn = {"deployment_maturity": criteria.deployment, "portability": criteria.portability,
                  "team_fit": criteria.team_fit, "needs_fit": criteria.needs_fit}[c]
            value, reasons = fn(kb, stack, p)
            basis = "answers" if c in ("team_fit", "needs_fit") and not any(
                r.facts for r in reasons) else "facts"
        if value is None:
            if not reasons:
                reasons = [Reason("no sourced fact gives a value here; no points",
                                  answers=w.answers)]
            basis = "none"
        scores.append(Score(c, w.value, value, basis, tuple(reasons)))
    return Ranked(stack.id, stack.name, tuple(scores))


def rank(p: Profile, kb: KnowledgeBase, ev: Evidence | None,
         overrides: Mapping[str, float] | None = None
         ) -> tuple[Profile, list, list[Weight], list[Ranked], list[Eliminated]]:
    """The core: resolve contradictions, eliminate, weigh and sort (ties keep catalogue order)."""
    effective, contradictions = resolve(p)
    out = eliminate(effective, kb)
    for stack, reasons in (ev.blocked if ev else {}).items():  # a path failed for the model
        out.setdefault(stack, []).extend(reasons)
    weights = derive_weights(effective, overrides)
    ranked = [score_stack(kb, ev, s, weights, effective) for s in STACKS if s.id not in out]
    ranked.sort(key=lambda r: (-r.total, STACK_IDS.index(r.stack)))
    gone = [Eliminated(s.id, s.name, tuple(out[s.id])) for s in STACKS if s.id in out]
    return effective, contradictions, weights, ranked, gone


def advise(profile: Profile, *, evidence: Evidence | None = None, kb: KnowledgeBase | None = None,
           today: date | None = None, source: str = "flags",
           overrides: Mapping[str, float] | None = None, sensitivity: bool = True) -> Advice:
    """The recommendation for ``profile``: ranked stacks with each criterion's contribution,
    eliminated stacks, contradictions, single-answer flips, evidence and caveats."""
    kb = kb or load_knowledge()
    today = today or date.today()
    effective, contradictions, weights, ranked, gone = rank(profile, kb, evidence, overrides)
    advice = Advice(
        as_of=today.isoformat(), profile=profile.to_dict(),
        effective_profile=effective.to_dict(), profile_source=source,
        weights=weights, ranking=ranked, eliminated=gone, contradictions=contradictions,
        run=evidence.run if evidence else None, cells=evidence.cells if evidence else [],
    )
    if sensitivity:
        pick = advice.recommended

        def pick_for(changed: Profile) -> str | None:
            result = rank(changed, kb, evidence, overrides)[3]
            return result[0].stack if result else None

        advice.flips, advice.changes_checked = find_flips(profile, pick, pick_for)
    advice.caveats = caveats(advice, effective, kb, evidence, today)
    return advice
