"""The measured criteria: one record each, the seam for new kinds of measured evidence.

A measured criterion says which evidence it reads (``extract``: a stored run -> per stack, its
standings as ratios to the best, :class:`~stackpick.advice.measured.GroupValue`), which
targets its measurements speak for (``scope``: where the model is served or where it trains),
and what one doubling of the gap is worth for a profile (``per_doubling``). Everything else is
shared: the log-scale value, the weight ``per doubling x S`` (S: the largest gap measured in
scope, in doublings), the interval as the value's range for near-ties, the "not measured for
this target" reasons and the caveats.

Adding one (capacity at a latency budget or cost per million from ``metrics.serving``; time to
first token or per output token from ``metrics.generation``) is an extractor that turns those
metrics into ratios per group, an entry in :data:`MEASURED` and a label in
``protocol/advice_records.LABELS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stackpick.advice.evidence_speed import inference_speed, training_speed
from stackpick.advice.measured import GroupValue
from stackpick.profile import Profile

if TYPE_CHECKING:
    from stackpick.analysis.run_view import RunView


def _by(p: Profile, research: float, balanced: float, production: float) -> float:
    return {"research": research, "balanced": balanced, "production": production}[p.priority]


def inference_per_doubling(p: Profile) -> tuple[float, str]:
    """Serving speed matters with the goal, more in production, more with a latency budget."""
    if p.goal == "training":
        return 0.0, "goal=training: nothing is served"
    base = _by(p, 0.5, 0.75, 1.0) * (2.0 if p.goal == "inference" else 1.0)
    why = f"goal={p.goal}, priority={p.priority}"
    if p.latency_budget_ms is not None:
        base += 0.5
        why += f", latency budget {p.latency_budget_ms:g} ms"
    return base, why


def training_per_doubling(p: Profile) -> tuple[float, str]:
    """Training speed matters with the goal, more in research (iteration speed)."""
    if p.goal == "inference":
        return 0.0, "goal=inference: nothing is trained"
    base = _by(p, 1.0, 0.75, 0.5) * (2.0 if p.goal == "training" else 1.0)
    return base, f"goal={p.goal}, priority={p.priority}"


@dataclass(frozen=True)
class MeasuredCriterion:
    id: str  # the criterion id (a key of protocol.advice_records.LABELS)
    kind: str  # what it measures, in words: "inference", "training", ...
    scope: str  # "serve": scored for the serving targets; "train": for the training ones
    extract: Callable[[RunView], dict[str, list[GroupValue]]]
    per_doubling: Callable[[Profile], tuple[float, str]]  # (points per 2x gap, why)
    answers: tuple[str, ...] = ("goal", "priority")

    def targets(self, p: Profile) -> tuple[str, ...]:
        return p.serve_targets() if self.scope == "serve" else p.training_targets()


MEASURED: tuple[MeasuredCriterion, ...] = (
    MeasuredCriterion("measured_inference_speed", "inference", "serve", inference_speed,
                      inference_per_doubling, ("goal", "priority", "latency_budget_ms")),
    MeasuredCriterion("measured_training_speed", "training", "train", training_speed,
                      training_per_doubling),
)
BY_ID = {m.id: m for m in MEASURED}
