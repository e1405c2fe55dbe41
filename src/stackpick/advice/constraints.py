"""Hard constraints (a stack that cannot do what the answers require is ruled out, with the fact
behind it) and contradictory answers (explained and resolved, never a crash)."""

from __future__ import annotations

from dataclasses import replace

from stackpick.advice.model import Contradiction, Reason
from stackpick.knowledge import LEVEL_NAME, KnowledgeBase
from stackpick.knowledge.stacks import STACKS, Stack, get_stack
from stackpick.profile import TRAINING_TARGETS, Profile

MICRO_NO_TRAINING = "litert-converter"  # the fact saying LiteRT Micro has no on-device training


def resolve(p: Profile) -> tuple[Profile, list[Contradiction]]:
    """The profile the advice is computed for, and the contradictions found on the way."""
    found: list[Contradiction] = []
    deploy_only = [t for t in p.targets if t not in TRAINING_TARGETS]
    if p.goal == "training" and deploy_only:
        found.append(_training_on_devices(p, deploy_only))
        p = replace(p, goal="both")
    if p.goal == "training" and p.latency_budget_ms is not None:
        found.append(Contradiction(
            ("goal", "latency_budget_ms"),
            f"a latency budget ({p.latency_budget_ms:g} ms) is an inference requirement, but the "
            "goal is training only",
            "the budget is ignored; set goal to inference or both if requests must meet it"))
        p = replace(p, latency_budget_ms=None)
    return p, found


def _training_on_devices(p: Profile, deploy_only: list[str]) -> Contradiction:
    names = ", ".join(deploy_only)
    facts = (MICRO_NO_TRAINING,) if "microcontroller" in deploy_only else ()
    why = (" (LiteRT for Microcontrollers, for one, has no on-device training)"
           if facts else "")
    if len(deploy_only) == len(p.targets):
        text = (f"the goal is training only, but every target ({names}) is a deployment-only "
                f"device: no stack in the knowledge base trains there{why}")
        fix = ("advice assumes you train elsewhere and deploy there (goal treated as 'both'); "
               "answer goal=both, or add the machine you train on, e.g. --target nvidia-gpu")
    else:
        text = (f"the goal is training only, but {names} can only run a trained model, "
                f"not train one{why}")
        fix = (f"advice treats the goal as 'both': train on the other targets, deploy to {names}; "
               "answer goal=both, or drop those targets")
    return Contradiction(("goal", "targets"), text, fix, facts)


def _reach_reasons(kb: KnowledgeBase, stack: Stack, targets: tuple[str, ...], role: str
                   ) -> list[Reason]:
    out = []
    for target in targets:
        level, facts = kb.reach(stack.id, target, role)
        if level == "-":
            verb = "serve on" if role == "serve" else "train on"
            out.append(Reason(f"cannot {verb} {target}, a mandatory target "
                              f"({LEVEL_NAME[level]})", facts, ("targets",)))
    return out


def eliminate(p: Profile, kb: KnowledgeBase) -> dict[str, list[Reason]]:
    """Stacks ruled out by ``p`` (already resolved), each with its reasons."""
    out: dict[str, list[Reason]] = {}
    train_targets = tuple(t for t in p.targets if t in TRAINING_TARGETS)
    for stack in STACKS:
        reasons: list[Reason] = []
        if p.goal == "training" and stack.base:
            base = get_stack(stack.base)
            reasons.append(Reason(
                f"with goal 'training' it trains exactly like {base.name}; it differs only in "
                "its inference runtime, so the base stack stands for it", (), ("goal",)))
        if p.goal in ("inference", "both"):
            reasons += _reach_reasons(kb, stack, p.targets, "serve")
        if p.goal in ("training", "both"):
            reasons += _reach_reasons(kb, stack, train_targets, "train")
        if reasons:
            out[stack.id] = reasons
    return out
