"""Criterion weights, derived from the answers (and, for measured criteria, from the size of the
measured gap) by a fixed, documented table.

| criterion                  | weight                                                           |
|----------------------------|------------------------------------------------------------------|
| research_velocity          | research 3, balanced 1.5, production 0.5                         |
| ecosystem                  | 1.5 for research else 1; +1 for transformer / llm models          |
| eager_to_compiled          | 1; +0.5 when the stack must serve (goal != training)              |
| deployment_maturity        | research 0.5, balanced 1.5, production 3; 0 when goal = training  |
| target_reach               | 3, +0.5 per further target you named (at most 4.5)               |
| portability (breadth)      | research 0.5, balanced 0.75, production 1                         |
| team_fit                   | 2; +1 for production (switching costs more in production)        |
| measured_inference_speed   | per doubling x S: training 0; both 0.5 / 0.75 / 1 (research /     |
|                            | balanced / production), inference twice that; +0.5 with a latency |
|                            | budget. S: the largest gap measured in scope, in doublings (1..3) |
| measured_training_speed    | per doubling x S: inference 0; both 1 / 0.75 / 0.5, training twice |
| footprint                  | 0.5; +2 with an on-device target (android, ios, browser,          |
|                            | microcontroller); +0.5 for serverless                             |
| cold_start                 | 2 with a serverless target, else 0                                |
| needs_fit                  | 2.5 per stated need                                               |
| llm_serving                | 3 for model_family llm when something is served, else 0           |

Why reach on the named targets weighs most: a named target is a requirement, so how a stack
reaches it (natively, or through a separate plugin package the team must install and keep in
step) is a cost the team pays for the life of the project; breadth on targets nobody named is
an option worth less, and the sensitivity analysis already says when adding a target would
change the pick.
"""

from __future__ import annotations

from collections.abc import Mapping

from stackpick.advice.measured_criteria import BY_ID as MEASURED_BY_ID
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


def _target_reach(p: Profile) -> Weight:
    named = tuple(dict.fromkeys((*p.serve_targets(), *p.training_targets()))) or p.targets
    value = min(3.0 + 0.5 * (len(named) - 1), 4.5)
    return Weight("target_reach", value,
                  f"{len(named)} target(s) you named: how each is reached (native, plugin, "
                  "preview) weighs more than breadth elsewhere", ("targets", "train_on"))


def _measured(p: Profile, criterion: str, scale: float) -> Weight:
    m = MEASURED_BY_ID[criterion]
    per, why = m.per_doubling(p)
    if per and scale > 1:
        why += f"; {per:g} per doubling x the largest gap measured here, {scale:.2f} doublings"
    elif per:
        why += f"; {per:g} per doubling of measured gap"
    return Weight(criterion, per * scale, why, m.answers)


def _footprint(p: Profile) -> Weight:
    edge = [t for t in p.targets if t in ON_DEVICE]
    value = 0.5 + (2.0 if edge else 0.0) + (0.5 if "serverless" in p.targets else 0.0)
    why = f"on-device targets: {', '.join(edge)}" if edge else "no on-device target"
    if "serverless" in p.targets:
        why += "; serverless"
    return Weight("footprint", value, why, ("targets",))


def _llm(p: Profile) -> Weight:
    on = p.model_family == "llm" and p.goal != "training"
    return Weight("llm_serving", 3.0 if on else 0.0,
                  "model_family=llm: batching, KV-cache management and token streaming"
                  if on else "not an LLM served here", ("model_family", "goal"))


def derive_weights(p: Profile, overrides: Mapping[str, float] | None = None,
                   scales: Mapping[str, float] | None = None) -> list[Weight]:
    """One weight per criterion, in :data:`CRITERIA` order; ``scales`` gives each measured
    criterion's largest gap in doublings (see :mod:`stackpick.advice.measured`); ``overrides``
    replace values (for what-if analysis and property tests)."""
    scales = scales or {}
    built = [
        Weight("research_velocity", _by_priority(p, 3.0, 1.5, 0.5), f"priority={p.priority}",
               ("priority",)),
        _ecosystem(p),
        Weight("eager_to_compiled", 1.0 if p.goal == "training" else 1.5,
               f"goal={p.goal}", ("goal",)),
        _deployment(p),
        _target_reach(p),
        Weight("portability", _by_priority(p, 0.5, 0.75, 1.0),
               f"priority={p.priority}: breadth over targets you did not name", ("priority",)),
        Weight("team_fit", 3.0 if p.priority == "production" else 2.0,
               f"priority={p.priority}", ("priority",)),
        *(_measured(p, m, scales.get(m, 1.0)) for m in MEASURED_BY_ID),
        _footprint(p),
        Weight("cold_start", 2.0 if "serverless" in p.serve_targets() else 0.0,
               "serverless target: every scale-up pays the start" if "serverless" in p.targets
               else "no serverless target", ("targets",)),
        Weight("needs_fit", 2.5 * len(p.needs),
               f"needs: {', '.join(p.needs)}" if p.needs else "no stated needs", ("needs",)),
        _llm(p),
    ]
    by_criterion = {w.criterion: w for w in built}
    weights = [by_criterion[c] for c in CRITERIA]  # a label without a weight is a KeyError
    for name, value in (overrides or {}).items():
        i = CRITERIA.index(name)
        weights[i] = Weight(name, float(value), f"set to {value:g} (override)", weights[i].answers)
    return weights
