"""Every criterion for one single-runtime stack, for the targets it serves in a candidate.

Measured criteria count only where they were measured: a group scores a stack only when the
stack's runtime ran it and its device class serves one of the stack's targets (inference) or
training targets (training). Elsewhere the criterion is "not measured for this target": no
points, no penalty, and the reason names the command that would measure it. A fact's statement
appears once among a stack's reasons: where it counts most (later mentions point back to it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from stackpick.advice import criteria
from stackpick.advice.criteria import mean
from stackpick.advice.devices import PROXY, classes_for, describe, measure_command
from stackpick.advice.evidence import Evidence
from stackpick.advice.measured import GroupValue, log_span, log_value, scale_of
from stackpick.advice.measured_criteria import BY_ID as MEASURED
from stackpick.advice.measured_criteria import MeasuredCriterion
from stackpick.advice.model import Ranked, Reason, Score, Weight
from stackpick.advice.weights import ON_DEVICE
from stackpick.knowledge import KnowledgeBase, value_score
from stackpick.knowledge.stacks import Stack
from stackpick.profile import Profile
from stackpick.protocol.advice import label

FACT_MEAN = ("ecosystem", "eager_to_compiled")
FACTS = {"deployment_maturity": criteria.deployment, "target_reach": criteria.target_reach,
         "portability": criteria.portability, "llm_serving": criteria.llm_serving}


def scoped(groups: list[GroupValue], targets: tuple[str, ...]) -> list[GroupValue]:
    """The groups measured on a device class that speaks for one of ``targets``."""
    wanted = {c for t in targets for c in classes_for(t)}
    return [g for g in groups if g.device_class in wanted]


def measured_scales(ev: Evidence | None, p: Profile) -> dict[str, float]:
    """Each measured criterion's S for this profile: the largest gap in scope, in doublings."""
    if ev is None:
        return {}
    out = {}
    for m in MEASURED.values():
        groups = [g for per in ev.measured.get(m.id, {}).values()
                  for g in ev.chosen(scoped(per, m.targets(p)), p.model_family)]
        out[m.id] = scale_of(groups)
    return out


def _not_here(kind: str, groups: list[GroupValue], targets: tuple[str, ...], w: Weight,
              ev: Evidence | None) -> Reason:
    names = ", ".join(targets) or "no target of this kind"
    if ev is None:
        return Reason("no measurement (no run in the store or --no-measurements); no points",
                      answers=w.answers)
    if not groups:
        return Reason(f"run {ev.run['id']} has no {kind} comparison for this runtime; no points",
                      answers=w.answers)
    where = ", ".join(sorted({describe(g.device_class) for g in groups}))
    cmds = sorted({c for t in targets if (c := measure_command(t))})
    hint = f"; measure with: {cmds[0]}" if cmds else "; stackpick cannot measure there yet"
    return Reason(f"not measured for this target: measured on {where}; your target is {names}"
                  f" - no points, no penalty{hint}", answers=("targets",))


def _proxy_note(chosen: list[GroupValue]) -> list[Reason]:
    if any(g.device_class == PROXY for g in chosen):
        return [Reason(f"proxy: {describe(PROXY)}, not the device itself")]
    return []


def measured(ev: Evidence | None, stack: Stack, w: Weight, p: Profile, m: MeasuredCriterion,
             scale: float) -> Score:
    """The log-scale standing of ``stack`` in the groups measured for its targets."""
    groups = (ev.measured.get(m.id, {}) if ev else {}).get(stack.id, [])
    targets = m.targets(p)
    chosen = scoped(groups, targets)
    if not chosen or ev is None:
        return Score(w.criterion, w.value, None, "none",
                     (_not_here(m.kind, groups, targets, w, ev),))
    chosen = ev.chosen(chosen, p.model_family)
    spans = [log_span(g, scale) for g in chosen]
    low, high = mean(lo for lo, _ in spans), mean(hi for _, hi in spans)
    return Score(w.criterion, w.value, mean(log_value(g.ratio, scale) for g in chosen),
                 "measured", (*(g.reason for g in chosen), *_proxy_note(chosen)),
                 spread=max(0.0, high - low) / 2)


def footprint(kb: KnowledgeBase, ev: Evidence | None, stack: Stack, w: Weight, p: Profile
              ) -> Score:
    """Runtime-size facts (only with an on-device target: a server does not care about 50 KB),
    measured inference memory where it was measured, and install size for serverless."""
    fact_value, reasons = None, []
    serve = p.serve_targets()
    if any(t in ON_DEVICE for t in serve):  # a size fact counts only for the targets it names
        pairs = [(f, v) for f, v in kb.scores("footprint", stack.id)
                 if not f.named_targets or set(f.named_targets) & set(serve)]
        known = [x for _, v in pairs if (x := value_score(v)) is not None]
        fact_value = max(known) if known else None
        reasons = [Reason(f"{f.statement} -> {v}", (f.id,), ("targets",)) for f, v in pairs]
    parts = [v for v in (fact_value,) if v is not None]
    basis = "facts" if parts else "none"
    sources = [ev.memory.get(stack.id, [])] if ev else []
    if ev and "serverless" in serve:
        sources.append(ev.install.get(stack.id, []))
    for groups in sources:
        chosen = scoped(groups, serve)
        if chosen and ev is not None:
            value, more = ev.value(chosen, p.model_family)
            parts.append(value)
            reasons += [*more, *_proxy_note(chosen)]
            basis = "facts+measured" if basis in ("facts", "facts+measured") else "measured"
    if not parts:
        reasons.append(Reason("no footprint fact and no memory measured for these targets; no "
                              "points", answers=w.answers))
    return Score(w.criterion, w.value, sum(parts) / len(parts) if parts else None, basis,
                 tuple(reasons))


def cold_start(ev: Evidence | None, stack: Stack, w: Weight, p: Profile) -> Score:
    groups = ev.cold.get(stack.id, []) if ev else []
    chosen = scoped(groups, p.serve_targets())
    if w.value == 0 or not chosen or ev is None:
        why = ("no serverless target" if w.value == 0 else
               _not_here("cold-start", groups, p.serve_targets(), w, ev).text)
        return Score(w.criterion, w.value, None, "none", (Reason(why, answers=w.answers),))
    value, reasons = ev.value(chosen, p.model_family)
    return Score(w.criterion, w.value, value, "measured", tuple(reasons))


def research(kb: KnowledgeBase, ev: Evidence | None, stack: Stack, w: Weight) -> Score:
    """Sourced eager/compile facts, averaged with the measured transformation probes."""
    value, reasons = criteria.fact_mean(kb, "research_velocity", stack.id)
    probe, more = criteria.research_probes(ev, stack)
    parts = [v for v in (value, probe) if v is not None]
    basis = "facts+measured" if value is not None and probe is not None else \
        "measured" if probe is not None else "facts" if value is not None else "none"
    return Score(w.criterion, w.value, sum(parts) / len(parts) if parts else None, basis,
                 (*reasons, *more))


def _from_facts(kb: KnowledgeBase, ev: Evidence | None, stack: Stack, w: Weight, p: Profile
                ) -> Score:
    c = w.criterion
    if c in FACT_MEAN:
        value, reasons = criteria.fact_mean(kb, c, stack.id)
        basis = "facts"
    elif c == "needs_fit":
        value, reasons = criteria.needs_fit(kb, stack, p, ev)
        basis = "facts" if any(r.facts for r in reasons) else \
            "measured" if any(r.cells for r in reasons) else "answers"
    else:
        fn = FACTS.get(c, criteria.team_fit)
        value, reasons = fn(kb, stack, p)
        basis = "answers" if c == "team_fit" and not any(r.facts for r in reasons) \
            else "facts"
    if value is None:
        reasons = reasons or [Reason("no sourced fact gives a value here; no points",
                                     answers=w.answers)]
        basis = "none"
    return Score(c, w.value, value, basis, tuple(reasons))


def _score(kb: KnowledgeBase, ev: Evidence | None, stack: Stack, w: Weight, p: Profile,
           scales: Mapping[str, float]) -> Score:
    c = w.criterion
    if c in MEASURED:
        return measured(ev, stack, w, p, MEASURED[c], scales.get(c, 1.0))
    if c == "research_velocity":
        return research(kb, ev, stack, w)
    if c == "footprint":
        return footprint(kb, ev, stack, w, p)
    if c == "cold_start":
        return cold_start(ev, stack, w, p)
    return _from_facts(kb, ev, stack, w, p)


def once(kb: KnowledgeBase, scores: list[Score]) -> list[Score]:
    """Each fact's statement once: kept where the criterion contributes most; elsewhere the
    reason points back to it and moves to the end of its criterion's reasons."""
    seen: dict[str, str] = {}
    out = list(scores)
    for i in sorted(range(len(out)), key=lambda i: (-out[i].contribution, i)):
        fresh, repeated = [], []
        for r in out[i].reasons:
            fact = kb.facts.get(r.facts[0]) if len(r.facts) == 1 else None
            statement = fact is not None and fact.statement in r.text
            if statement and r.facts[0] in seen:
                repeated.append(replace(r, text=f"{r.facts[0]} (see {seen[r.facts[0]]})"))
                continue
            fresh.append(r)
            if statement:
                seen.setdefault(r.facts[0], label(out[i].criterion).lower())
        out[i] = replace(out[i], reasons=(*fresh, *repeated))
    return out


def score_stack(kb: KnowledgeBase, ev: Evidence | None, stack: Stack, weights: list[Weight],
                p: Profile, scales: Mapping[str, float] | None = None) -> Ranked:
    """Every criterion for one stack (in weight order), for the targets in ``p``; ``scales``:
    each measured criterion's S (see :func:`measured_scales`)."""
    scores = [_score(kb, ev, stack, w, p, scales or {}) for w in weights]
    return Ranked(stack.id, stack.name, tuple(once(kb, scores)), author=stack.author)
