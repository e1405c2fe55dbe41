"""Issue 24's rules, one by one: a fact's statement once per stack, measured gaps that weigh
what they measure, roles, reach on the named targets, training picks without a runtime."""

from __future__ import annotations

import math
from datetime import date

import pytest

from stackpick.advice import Evidence, advise
from stackpick.advice.measured import GroupValue, log_value, scale_of
from stackpick.advice.model import Reason
from stackpick.advice.ties import reach_edge
from stackpick.knowledge.stacks import get_stack
from stackpick.profile import make_profile

TODAY = date(2026, 12, 1)


def _ev(ratios: dict[str, float], group: str = "mlp/inference/b1/cpu") -> Evidence:
    ev = Evidence({"id": 1, "kind": "run", "status": "done", "started_at": "2026-11-30"})
    ev.classes = {"x86-cpu"}
    for stack, r in ratios.items():
        gv = GroupValue("mlp", r, Reason(f"{stack} {r}", cells=(1,)), "x86-cpu", None, None,
                        group)
        ev.measured.setdefault("measured_inference_speed", {})[stack] = [gv]
    return ev


def test_a_fact_statement_appears_once_per_stack() -> None:
    a = advise(make_profile({}), today=TODAY, sensitivity=False)
    pytorch = next(r for r in a.ranking if r.stack == "pytorch")
    statement = "torch.compile JIT-compiles PyTorch code"
    shown = [r for s in pytorch.scores for r in s.reasons if statement in r.text]
    pointers = [r for s in pytorch.scores for r in s.reasons
                if r.facts == ("torch-compile",) and r.text.startswith("torch-compile (see")]
    assert len(shown) == 1 and len(pointers) == 1


def test_each_doubling_of_a_measured_gap_costs_the_same() -> None:
    assert log_value(1.0, 3.0) == 1.0 and log_value(8.0, 3.0) == 0.0
    assert log_value(2.0, 3.0) - log_value(4.0, 3.0) == pytest.approx(
        log_value(4.0, 3.0) - log_value(8.0, 3.0))
    assert scale_of([]) == 1.0  # a tie weighs the base, and separates nothing


@pytest.mark.parametrize("gap", [1.1, 2.0, 7.8])
def test_a_measured_gap_moves_points_in_proportion_to_its_doublings(gap: float) -> None:
    p = make_profile({"goal": "inference"})
    a = advise(p, evidence=_ev({"pytorch-onnxruntime": 1.0, "pytorch": gap}), today=TODAY,
               sensitivity=False)
    by = {r.stack: r.score("measured_inference_speed") for r in a.ranking}
    lost = by["pytorch-onnxruntime"].contribution - by["pytorch"].contribution
    per_doubling = 1.5  # inference, balanced
    assert lost == pytest.approx(per_doubling * math.log2(gap))
    assert by["pytorch"].weight == pytest.approx(per_doubling * max(1.0, math.log2(gap)))


def test_the_pick_opens_its_measured_reasons_with_the_runner_up_gap() -> None:
    ev = _ev({"pytorch-onnxruntime": 1.0, "pytorch": 3.0, "jax": 4.0, "tensorflow-serving": 5.0})
    a = advise(make_profile({"goal": "inference"}), evidence=ev, today=TODAY, sensitivity=False)
    first = a.ranking[0].score("measured_inference_speed").reasons[0].text
    assert first.startswith("ONNX Runtime vs ") and "3.00x faster on mlp/inference/b1/cpu" in first
    assert a.summary.split("mostly for ")[1].startswith("measured inference speed")


def test_no_runtime_is_offered_where_its_role_does_not_fit() -> None:
    assert not get_stack("pytorch-executorch").made_for("nvidia-gpu")
    assert get_stack("pytorch-executorch").made_for("android")
    assert not get_stack("tensorflow-serving").made_for("serverless")
    assert get_stack("pytorch-onnxruntime").made_for("browser")
    a = advise(make_profile({"goal": "inference", "targets": ["nvidia-gpu"]}), today=TODAY,
               sensitivity=False)
    gone = {e.stack: e.reasons[0].text for e in a.eliminated}
    assert "on-device runtime, not made for serving on nvidia-gpu" in gone["pytorch-executorch"]


def test_a_better_reaching_runner_up_must_be_beaten_by_more_than_its_reach() -> None:
    a = advise(make_profile({"priority": "research", "goal": "training", "targets": ["tpu"],
                             "expertise": {"pytorch": "some"}}), today=TODAY, sensitivity=False)
    first, jax = a.ranking[0], next(r for r in a.ranking if r.stack == "jax")
    assert first.stack == "pytorch" and reach_edge(first, jax) > 0  # torch_xla is a plugin
    assert a.tie is not None and "jax" in a.tie.stacks
    assert first.total - jax.total <= a.tie.uncertainty


def test_training_picks_name_the_framework_and_where_it_trains() -> None:
    a = advise(make_profile({"goal": "training", "targets": ["nvidia-gpu", "android"]}),
               today=TODAY, sensitivity=False)
    assert [c.answers for c in a.contradictions] == [("goal", "targets")]
    assert all("->" not in r.name and not r.routes for r in a.ranking)
    assert a.ranking[0].name.endswith("(trains on nvidia-gpu)")
