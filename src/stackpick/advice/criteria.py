"""Criterion values in [0, 1] from sourced facts and from the answers (measured ones come from
:mod:`stackpick.advice.evidence`). ``None`` means no evidence: the criterion scores no points.

Levels count N 1.0, P 0.7, E 0.5, C 0.5, - 0; an unknown level (``?``) counts 0 where a value is
needed, and is said so. For reach (portability), "only via conversion" counts 0: the
conversion's destination is a stack of its own and scores that reach itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from stackpick.advice.model import Reason
from stackpick.knowledge import LEVEL_NAME, KnowledgeBase, Value, value_score
from stackpick.knowledge.stacks import Stack
from stackpick.profile import EDGE_TARGETS, TARGETS, TRAINING_TARGETS, Profile


def mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items)


if TYPE_CHECKING:
    from stackpick.advice.evidence import Evidence

SKILL = {"none": 0.0, "some": 0.5, "strong": 1.0}
Result = tuple[float | None, list[Reason]]


def _describe(value: Value) -> str:
    if isinstance(value, str):
        score = value_score(value)
        return f"{LEVEL_NAME[value]} ({value}{'' if score is None else f' = {score:.2f}'})"
    return f"{value:.2f}"


def fact_mean(kb: KnowledgeBase, criterion: str, stack: str) -> Result:
    """Mean of the facts that score ``stack`` on ``criterion`` (unknown levels skipped)."""
    pairs = kb.scores(criterion, stack)
    reasons = [Reason(f"{fact.statement} -> {_describe(v)}", (fact.id,)) for fact, v in pairs]
    known = [s for _, v in pairs if (s := value_score(v)) is not None]
    return (mean(known) if known else None), reasons


def fact_best(kb: KnowledgeBase, criterion: str, stack: str) -> Result:
    """The best option among the facts (e.g. the most mature way to deploy)."""
    pairs = kb.scores(criterion, stack)
    reasons = [Reason(f"{fact.statement} -> {_describe(v)}", (fact.id,)) for fact, v in pairs]
    known = [s for _, v in pairs if (s := value_score(v)) is not None]
    return (max(known) if known else None), reasons


def deployment(kb: KnowledgeBase, stack: Stack, p: Profile) -> Result:
    """Server and on-device deployment maturity, weighted by the share of each kind of target."""
    targets = p.serve_targets() or p.targets
    edge = sum(t in EDGE_TARGETS for t in targets) / len(targets)
    server, r1 = fact_best(kb, "deployment_server", stack.id)
    device, r2 = fact_best(kb, "deployment_edge", stack.id)
    if p.model_family == "llm":  # an LLM deploys through an LLM engine where one is sourced
        llm, r3 = fact_best(kb, "deployment_llm", stack.id)
        more = [Reason(r.text, r.facts, ("model_family",)) for r in r3]
        r1, r2 = [*r1, *more], [*r2, *more]
        server, device = (max((v for v in (x, llm) if v is not None), default=None)
                          for x in (server, device))
    parts = [(1 - edge, server), (edge, device)]
    if all(v is None for share, v in parts if share > 0):
        return None, r1 + r2
    value = sum(share * (v or 0.0) for share, v in parts)
    note = Reason(f"{1 - edge:.0%} of the targets are servers, {edge:.0%} on-device",
                  answers=("targets",))
    return value, [*(r1 if edge < 1 else []), *(r2 if edge > 0 else []), note]


def llm_serving(kb: KnowledgeBase, stack: Stack, p: Profile) -> Result:
    """For an LLM: the best sourced fact that the stack's runtime is an LLM serving engine
    (continuous batching, KV-cache management, token streaming); none: no points."""
    value, found = fact_best(kb, "deployment_llm", stack.id)
    reasons = [Reason(r.text, r.facts, ("model_family",)) for r in found]
    if value is None:
        reasons.append(Reason(f"{stack.runtime} is a general runtime: no sourced fact that it "
                              "batches, caches and streams tokens for LLMs (no points)",
                              answers=("model_family",)))
    return value, reasons


# On a target you named, a plugin or preview is a cost the team carries for the project's life:
# scored lower than across the rest of the field (see advice/weights.py).
TARGET_LEVEL = {"N": 1.0, "P": 0.5, "E": 0.3}


def _named(p: Profile) -> list[tuple[str, str]]:
    """(target, role) for every target the user named: where it serves, where it trains."""
    listed = [(t, "serve") for t in p.serve_targets()]
    return listed + [(t, "train") for t in p.training_targets()]


def target_reach(kb: KnowledgeBase, stack: Stack, p: Profile) -> Result:
    """How well the stack reaches each target the user named: N 1, P 0.5, E 0.3 (anything else
    0: only --allow-unknown keeps such a stack)."""
    listed = _named(p)
    if not listed:
        return None, [Reason("no training or serving target named; nothing to reach (name "
                             "one with --train-on)", answers=("targets",))]
    reasons, scores = [], []
    for t, how in listed:
        level, facts = kb.reach(stack.id, t, how)
        scores.append(TARGET_LEVEL.get(level, 0.0))
        text = f"{how}s on {t}: {LEVEL_NAME[level]} ({level} = {TARGET_LEVEL.get(level, 0.0):g})"
        reasons.append(Reason(text + ("" if facts else "; no sourced fact"), facts,
                              ("train_on" if how == "train" and p.train_on else "targets",)))
    return mean(scores), reasons


def portability(kb: KnowledgeBase, stack: Stack, p: Profile) -> Result:
    """Breadth: how the stack reaches every target of its kind (serving, or training when the
    goal is training only), N 1, P 0.7, E 0.5, conversion 0."""
    role = "train" if p.goal == "training" else "serve"
    universe = TRAINING_TARGETS if role == "train" else TARGETS
    levels = [kb.reach(stack.id, t, role) for t in universe]
    breadth = mean(_reach_value(lv) for lv, _ in levels)
    native = sum(lv == "N" for lv, _ in levels)
    cited = tuple(dict.fromkeys(f for _, fs in levels for f in fs))
    return breadth, [Reason(f"breadth: {role}s natively on {native} of {len(universe)} targets "
                            f"(score {breadth:.2f})", cited, ("targets",))]


def _reach_value(level: str) -> float:
    return 0.0 if level == "C" else value_score(level) or 0.0


def team_fit(kb: KnowledgeBase, stack: Stack, p: Profile) -> Result:
    """Authoring skill (weight 2), runtime skill (1) and the existing serving stack (2)."""
    parts: list[tuple[float, float]] = []
    reasons: list[Reason] = []
    for label, skills, w in (("authoring", stack.author_skills, 2.0),
                             ("runtime", stack.runtime_skills, 1.0)):
        best = max(skills, key=lambda f: SKILL[p.skill(f)])
        parts.append((w, SKILL[p.skill(best)]))
        facts = stack.skill_facts if label == "authoring" and best != skills[0] else ()
        reasons.append(Reason(f"{label} skill: {best} = {p.skill(best)}", facts,
                              (f"expertise.{best}",)))
    if p.existing not in ("none", "other"):
        value, found = fact_best(kb, f"existing:{p.existing}", stack.id)
        parts.append((2.0, value or 0.0))
        reasons += [Reason(f"existing {p.existing}: {r.text}", r.facts, ("existing",))
                    for r in found]
        if not found:
            reasons.append(Reason(f"no fact links the existing {p.existing} to this stack",
                                  answers=("existing",)))
    total = sum(w for w, _ in parts)
    return sum(w * v for w, v in parts) / total, reasons


def _measured_need(ev: Evidence | None, stack: Stack, need: str) -> tuple[float, list[Reason]]:
    """A capability probe's verdict for ``need`` (None when no probe ran for this stack)."""
    from stackpick.advice.evidence_extra import NEED_TASKS

    probes = (ev.capability.get(stack.id, {}) if ev else {})
    found = [probes[t] for t in NEED_TASKS.get(need, ()) if t in probes]
    if not found:
        return -1.0, []
    value = mean(1.0 if ok else 0.0 for ok, _, _ in found)
    return value, [Reason(f"{need}: measured - {text}", cells=(cell,), answers=("needs",))
                   for _, cell, text in found]


def needs_fit(kb: KnowledgeBase, stack: Stack, p: Profile, ev: Evidence | None = None) -> Result:
    """Mean over the stated needs of the measured capability probe when one ran, else the best
    supporting fact (unknown counts 0)."""
    if not p.needs:
        return None, [Reason("no stated needs", answers=("needs",))]
    values, reasons = [], []
    for need in p.needs:
        measured, why = _measured_need(ev, stack, need)
        if measured >= 0:
            values.append(measured)
            reasons += why
            continue
        value, found = fact_best(kb, f"needs:{need}", stack.id)
        values.append(value or 0.0)
        reasons += [Reason(f"{need}: {r.text}", r.facts, ("needs",)) for r in found]
        if not found:
            reasons.append(Reason(f"{need}: no sourced fact for this stack (0)",
                                  answers=("needs",)))
    return mean(values), reasons


def research_probes(ev: Evidence | None, stack: Stack) -> tuple[float | None, list[Reason]]:
    """Measured transformation probes (per-example gradients, HVP, Jacobian) as a research
    velocity part: the share that ran, with the numbers in the reasons."""
    probes = (ev.capability.get(stack.id, {}) if ev else {})
    if not probes:
        return None, []
    value = mean(1.0 if ok else 0.0 for ok, _, _ in probes.values())
    return value, [Reason(f"measured: {text}", cells=(cell,))
                   for _, (_, cell, text) in sorted(probes.items())]
