"""Hard rules (a stack that cannot reach a mandatory target is ruled out, citing the fact) and
contradictory answers (explained and resolved, never a crash).

Reach rules, per (stack, target): unsupported (``-``) rules it out; unknown (``?``) rules it out
with "unknown: verify" unless ``allow_unknown``; "only via conversion" (``C``) rules it out too,
because the conversion's destination is a stack of its own (PyTorch reaches Android through
the PyTorch -> ExecuTorch stack, which is scored on its own facts).
"""

from __future__ import annotations

from dataclasses import replace

from stackpick.advice.model import Contradiction, Reason
from stackpick.knowledge import LEVEL_NAME, KnowledgeBase
from stackpick.knowledge.stacks import Stack, family
from stackpick.profile import EDGE_TARGETS, TRAINING_TARGETS, Profile

MICRO_NO_TRAINING = "litert-converter"  # the fact saying LiteRT Micro has no on-device training
MICRO_FOOTPRINT = "litert-micro-footprint"
TRAINING_NEEDS = ("functional-transforms", "per-example-gradients", "higher-order-derivatives")


def resolve(p: Profile) -> tuple[Profile, list[Contradiction]]:
    """The profile the advice is computed for, and the contradictions found on the way."""
    found: list[Contradiction] = []
    deploy_only = [t for t in p.targets if t not in TRAINING_TARGETS]
    if p.goal == "training" and deploy_only:  # nothing is served: those targets say nothing
        found.append(_training_on_devices(p, deploy_only))
    if p.goal == "training" and p.latency_budget_ms is not None:
        found.append(Contradiction(
            ("goal", "latency_budget_ms"),
            f"a latency budget ({p.latency_budget_ms:g} ms) is an inference requirement, but the "
            "goal is training only",
            "the budget is ignored; set goal to inference or both if requests must meet it"))
        p = replace(p, latency_budget_ms=None)
    research = [n for n in p.needs if n in TRAINING_NEEDS]
    if p.goal == "inference" and research:
        found.append(Contradiction(
            ("needs", "goal"), f"{', '.join(research)} are training and research features, but "
            "the goal is inference only", "those needs are ignored; set goal to both if you "
            "also train"))
        p = replace(p, needs=tuple(n for n in p.needs if n not in research))
    if "microcontroller" in p.targets and p.model_family == "llm":
        found.append(Contradiction(
            ("targets", "model_family"), "an LLM does not fit a microcontroller: LiteRT for "
            "Microcontrollers' core is about 16 KB and supports a subset of operations",
            "microcontroller stays a mandatory target; only a tiny model will run there - drop "
            "the target or change the model family", (MICRO_FOOTPRINT,)))
    p, more = _tpu_and_devices(p)
    return p, found + more


def _tpu_and_devices(p: Profile) -> tuple[Profile, list[Contradiction]]:
    """iOS + TPU (or any device + TPU) as run targets: a TPU trains, the device serves."""
    devices = [t for t in p.targets if t in EDGE_TARGETS]
    if p.goal != "both" or "tpu" not in p.targets or not devices or p.train_on:
        return p, []
    text = (f"tpu and {', '.join(devices)} are both targets: a Cloud TPU is where such a model "
            f"trains, {', '.join(devices)} where it runs")
    fix = ("advice trains on tpu and serves on the other targets; say so with train_on: [tpu] "
           "(--train-on tpu) to silence this")
    train = tuple(t for t in p.targets if t in TRAINING_TARGETS)
    serve = tuple(t for t in p.targets if t != "tpu")
    return replace(p, train_on=train, targets=serve), [
        Contradiction(("targets",), text, fix)]


def _training_on_devices(p: Profile, deploy_only: list[str]) -> Contradiction:
    names = ", ".join(deploy_only)
    facts = (MICRO_NO_TRAINING,) if "microcontroller" in deploy_only else ()
    why = (" (LiteRT for Microcontrollers, for one, has no on-device training)"
           if facts else "")
    if len(deploy_only) == len(p.targets) and not p.train_on:
        text = (f"the goal is training only, but every target ({names}) is a deployment-only "
                f"device: no stack in the knowledge base trains there{why}")
        fix = ("advice picks the authoring framework with no training platform required and "
               "names no runtime; answer goal=both to also pick a runtime for them, or name "
               "where you train, e.g. --train-on nvidia-gpu")
    else:
        text = (f"the goal is training only, but {names} can only run a trained model, "
                f"not train one{why}")
        fix = (f"advice picks for training only and names no runtime for {names}; answer "
               "goal=both to also pick one")
    return Contradiction(("goal", "targets"), text, fix, facts)


def _destination(stack: Stack, target: str, kb: KnowledgeBase) -> str:
    """The sibling stacks that serve ``target`` (a conversion's destinations)."""
    return ", ".join(o.id for o in family(stack.author) if o.id != stack.id
                     and kb.reach(o.id, target, "serve")[0] in ("N", "P", "E"))


def reach_block(kb: KnowledgeBase, stack: Stack, target: str, role: str, allow_unknown: bool
                ) -> Reason | None:
    """Why ``stack`` cannot ``role`` (serve/train) on a mandatory ``target``, or None."""
    level, facts = kb.reach(stack.id, target, role)
    verb = "serve on" if role == "serve" else "train on"
    if level == "-":
        return Reason(f"cannot {verb} {target}, a mandatory target ({LEVEL_NAME[level]})",
                      facts, ("targets",))
    if level == "?" and not allow_unknown:
        return Reason(f"unknown: verify - no sourced fact says it can {verb} {target} (pass "
                      "--allow-unknown to keep it)", facts, ("targets",))
    if level == "C":
        dest = _destination(stack, target, kb)
        via = f"; scored as its own stack: {dest}" if dest else ""
        return Reason(f"reaches {target} only via conversion to another runtime{via}", facts,
                      ("targets",))
    return None


def train_blocks(kb: KnowledgeBase, stack: Stack, targets: tuple[str, ...],
                 allow_unknown: bool) -> list[Reason]:
    """Every mandatory training target ``stack`` cannot train on."""
    return [r for t in targets if (r := reach_block(kb, stack, t, "train", allow_unknown))]
