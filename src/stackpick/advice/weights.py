"""Criterion weights, derived from the answers by a fixed, documented table.

| criterion                  | weight                                                           |
|----------------------------|------------------------------------------------------------------|
| research_velocity          | research 3, balanced 1.5, production 0.5                         |
| ecosystem                  | 1.5 for research else 1; +1 for transformer / llm models          |
| eager_to_compiled          | 1; +0.5 when the stack must serve (goal != training)              |
| deployment_maturity        | research 0.5, balanced 1.5, production 3; 0 when goal = training  |
| portability                | 1 + 0.5 per target, at most 3.5                                   |
| team_fit                   | 2; +1 for production (switching costs more in production)        |
| measured_inference_speed   | training 0, both 1, inference 2; +1.5 with a latency budget       |
| measured_training_speed    | inference 0, both 1, training 2                                   |
| footprint                  | 0.5; +2 with an on-device target (android, ios, browser,          |
|                            | microcontroller); +0.5 for serverless                             |
| cold_start                 | 2 with a serverless target, else 0                                |
| needs_fit                  | 2.5 per stated need                                               |
"""

from __future__ import annotations

from collections.abc import Mapping

from stackpick.advice.model import Weight
from stackpick.profile import Profile
from stackpick.protocol.advice import LABELS

CRITERIA = tuple(LABELS)
__all__ = ["CRITERIA", "LABELS", "ON_DEVICE", "derive_weights"]
ON_DEVICE = ("android", "ios", "browser", "microcontroller")


def _by_priority(p: Profile, research: float, balanced: float, production: float) -> float:
    return {"research": research, "balanced": balanced, "production": production}[p.priority]


def _ecosystem(p: Profile) -> Weight:
    big = p.model_family in ("transformer", "llm")
    value = (1.5 if p.priority == "research" else 1.0) + (1.0 if big else 0.0)
    why = f"priority={p.priority}"
    if big:
        why += f", model_family={p.model_family} (large model hubs)"
    return Weight("ecosystem", value, why, ("priority", "model_family"))


def _deployment(p: Profile) -> Weight:
    if p.goal == "training":
        return Weight("deployment_maturity", 0.0, "goal=training: nothing to deploy", ("goal",))
    return Weight("deployment_maturity", _by_priority(p, 0.5, 1.5, 3.0),
                  f"priority={p.priority}", ("priority", "goal"))


def _measured_inference(p: Profile) -> Weight:
    value = {"training": 0.0, "both": 1.0, "inference": 2.0}[p.goal]
    why = f"goal={p.goal}"
    if p.latency_budget_ms is not None and p.goal != "training":
        value += 1.5
        why += f", latency budget {p.latency_budget_ms:g} ms"
    return Weight("measured_inference_speed", value, why, ("goal", "latency_budget_ms"))


def _footprint(p: Profile) -> Weight:
    edge = [t for t in p.targets if t in ON_DEVICE]
    value = 0.5 + (2.0 if edge else 0.0) + (0.5 if "serverless" in p.targets else 0.0)
    why = f"on-device targets: {', '.join(edge)}" if edge else "no on-device target"
    if "serverless" in p.targets:
        why += "; serverless"
    return Weight("footprint", value, why, ("targets",))


def derive_weights(p: Profile, overrides: Mapping[str, float] | None = None) -> list[Weight]:
    """One weight per criterion, in :data:`CRITERIA` order; ``overrides`` replace values (for
    what-if analysis and property tests)."""
    weights = [
        Weight("research_velocity", _by_priority(p, 3.0, 1.5, 0.5), f"priority={p.priority}",
               ("priority",)),
        _ecosystem(p),
        Weight("eager_to_compiled", 1.0 if p.goal == "training" else 1.5,
               f"goal={p.goal}", ("goal",)),
        _deployment(p),
        Weight("portability", min(1.0 + 0.5 * len(p.targets), 3.5),
               f"{len(p.targets)} mandatory target(s); a stack that cannot reach one is ruled "
               "out, this scores how well and how broadly", ("targets",)),
        Weight("team_fit", 3.0 if p.priority == "production" else 2.0,
               f"priority={p.priority}", ("priority",)),
        _measured_inference(p),
        Weight("measured_training_speed", {"inference": 0.0, "both": 1.0, "training": 2.0}[p.goal],
               f"goal={p.goal}", ("goal",)),
        _footprint(p),
        Weight("cold_start", 2.0 if "serverless" in p.serve_targets() else 0.0,
               "serverless target: every scale-up pays the start" if "serverless" in p.targets
               else "no serverless target", ("targets",)),
        Weight("needs_fit", 2.5 * len(p.needs),
               f"needs: {', '.join(p.needs)}" if p.needs else "no stated needs", ("needs",)),
    ]
    for name, value in (overrides or {}).items():
        i = CRITERIA.index(name)
        weights[i] = Weight(name, float(value), f"set to {value:g} (override)", weights[i].answers)
    return weights
