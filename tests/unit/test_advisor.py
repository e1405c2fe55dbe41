"""The advisor: the four scenarios, its properties, and how measured evidence moves the ranking."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stackpick.advice import Advice, advise, load_evidence
from stackpick.advice.evidence import BENCH_ALL
from stackpick.advice.weights import CRITERIA
from stackpick.knowledge import Fact, KnowledgeBase, load_knowledge
from stackpick.knowledge.stacks import AUTHORS, STACK_IDS, STACKS
from stackpick.profile import (
    EXISTING,
    FRAMEWORKS,
    GOALS,
    LEVELS,
    MODEL_FAMILIES,
    NEEDS,
    PRIORITIES,
    TARGETS,
    TRAINING_TARGETS,
    Profile,
    make_profile,
)
from stackpick.profile.yaml_file import load_profile
from stackpick.protocol.cells import Cell
from stackpick.protocol.runs import PlanRecord
from stackpick.store import open_store

DATA = Path(__file__).parent.parent / "data" / "profiles"
TODAY = date(2026, 11, 26)
ANSWERS = {"priority", "goal", "targets", "existing", "latency_budget_ms", "model_family", "needs",
           "train_on",
           *(f"expertise.{f}" for f in FRAMEWORKS)}


def _advise(p: Profile, **kw: object) -> Advice:
    return advise(p, today=TODAY, **kw)  # type: ignore[arg-type]


def _cited(advice: Advice, stack: str) -> tuple[set[str], set[str]]:
    ranked = next(r for r in advice.ranking if r.stack == stack)
    facts = {f for s in ranked.scores if s.contribution > 0 for r in s.reasons for f in r.facts}
    answers = {a for s in ranked.scores if s.contribution > 0 for r in s.reasons for a in r.answers}
    return facts, answers


# --- the four scenarios of the decision framework -------------------------------------------
@pytest.mark.parametrize(("profile", "pick", "facts", "answers"), [
    ("tf_production.yaml", "tensorflow-serving", {"tf-serving-releases", "tf-serving-docker"},
     {"existing", "expertise.tensorflow"}),
    ("jax_research_tpu.yaml", "jax", {"jax-function-transforms", "jax-install-platforms"},
     {"needs", "expertise.jax"}),
    ("onnx_serving.yaml", "pytorch-onnxruntime", {"triton-onnxruntime", "ort-execution-providers"},
     {"targets", "expertise.onnx"}),
    ("pytorch_research.yaml", "pytorch", {"hf-transformers-v5", "torch-compile"},
     {"expertise.pytorch"}),
])
def test_scenarios(profile: str, pick: str, facts: set[str], answers: set[str]) -> None:
    advice = _advise(load_profile(DATA / profile), source=f"file:{profile}")
    assert advice.recommended == pick
    assert advice.runner_up and advice.margin and advice.margin > 0
    cited_facts, cited_answers = _cited(advice, pick)
    assert facts <= cited_facts and answers <= cited_answers
    data = advice.to_dict()
    name = advice.ranking[0].name  # a near-tie is declared as such, leader first
    assert data["summary"].startswith((f"Recommended: {name}", f"Tie between {name}"))
    assert json.loads(json.dumps(data))["recommended"] == pick


def test_jax_scenario_rules_out_runtime_only_stacks_with_reasons() -> None:
    advice = _advise(load_profile(DATA / "jax_research_tpu.yaml"))
    gone = {e.stack: e for e in advice.eliminated}
    assert {"pytorch-onnxruntime", "pytorch-executorch", "tensorflow-litert"} <= set(gone)
    assert all(r.answers and r.cited for e in gone.values() for r in e.reasons)


def test_a_target_a_stack_cannot_reach_eliminates_it_citing_the_fact() -> None:
    advice = _advise(make_profile({"goal": "inference", "targets": ["tpu"]}))
    gone = {e.stack: e.reasons for e in advice.eliminated}
    assert "pytorch-onnxruntime" in gone
    assert gone["pytorch-onnxruntime"][0].facts == ("ort-execution-providers",)
    assert advice.recommended not in gone


def test_contradiction_is_explained_not_a_crash() -> None:
    advice = _advise(make_profile({"goal": "training", "targets": ["microcontroller"],
                                   "latency_budget_ms": 5}))
    assert advice.recommended is not None
    texts = " ".join(c.text for c in advice.contradictions)
    assert "microcontroller" in texts and "deployment-only" in texts
    assert advice.contradictions[0].facts == ("litert-converter",)
    assert advice.to_dict()["effective_profile"]["goal"] == "training"
    assert advice.recommended in AUTHORS and not advice.ranking[0].routes  # no runtime named


def test_no_stack_left_is_an_answer() -> None:
    blocker = Fact("block-all", "nothing runs here", "reach", "https://example.org", "2026-11-26",
                   serve=STACK_IDS, reach={"x86-cpu": "-"})
    advice = _advise(make_profile({"goal": "inference"}), kb=KnowledgeBase([blocker]))
    assert advice.recommended is None  # LLM engines are not candidates for this profile
    assert len(advice.eliminated) == len([s for s in STACKS if not s.llm_only])
    assert advice.to_dict()["summary"].startswith("No stack meets")


def test_without_runs_the_advice_names_the_command_that_adds_evidence() -> None:
    advice = _advise(make_profile({}))
    assert advice.recommended is not None
    assert any(c.command == BENCH_ALL for c in advice.caveats)
    measured = advice.ranking[0].score("measured_inference_speed")
    assert measured.value is None and measured.contribution == 0


def test_sensitivity_names_the_smallest_flipping_change() -> None:
    advice = _advise(load_profile(DATA / "tf_production.yaml"))
    smallest = advice.flips[0]
    assert smallest.new_pick != advice.recommended
    assert smallest.change.size == min(f.change.size for f in advice.flips)
    assert advice.changes_checked >= 10  # plausible changes only


def test_no_lead_carries_a_value_or_decides_a_rule() -> None:
    kb = load_knowledge()
    assert "state-of-ai-2020-papers" not in kb.facts  # the 2020 paper share no longer scores
    assert all(not f.has_values for f in kb.leads())  # the loader refuses anything else
    assert not kb.leads(), [f.id for f in kb.leads()]  # every lead was re-read and dated
    referenced = {f for s in STACKS for f in s.skill_facts}
    assert not referenced & {f.id for f in kb.leads()}


def test_advice_is_fast() -> None:
    start = time.perf_counter()
    _advise(load_profile(DATA / "onnx_serving.yaml"))
    assert time.perf_counter() - start < 1.0


# --- properties -----------------------------------------------------------------------------
profiles = st.builds(
    lambda priority, goal, targets, skills, existing, budget, family, needs: make_profile({
        "priority": priority, "goal": goal, "targets": targets, "expertise": skills,
        "existing": existing, "latency_budget_ms": budget, "model_family": family,
        "needs": needs}),
    st.sampled_from(PRIORITIES), st.sampled_from(GOALS),
    st.lists(st.sampled_from(TARGETS), min_size=1, max_size=4, unique=True),
    st.dictionaries(st.sampled_from(FRAMEWORKS), st.sampled_from(LEVELS), max_size=3),
    st.sampled_from(EXISTING), st.none() | st.sampled_from([5.0, 50.0]),
    st.none() | st.sampled_from(MODEL_FAMILIES),
    st.lists(st.sampled_from(NEEDS), unique=True, max_size=2),
)
FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FEW
@given(profiles)
def test_same_inputs_same_output(p: Profile) -> None:
    first = _advise(p).to_dict()
    assert _advise(p).to_dict() == first
    assert json.loads(json.dumps(first)) == first


@settings(max_examples=60, deadline=None)
@given(profiles)
def test_recommended_stack_never_violates_a_hard_constraint(p: Profile) -> None:
    advice = _advise(p, sensitivity=False)
    pick = advice.recommended
    if pick is None:
        return
    kb, eff, first = load_knowledge(), advice.effective_profile, advice.ranking[0]
    gone = {e.stack for e in advice.eliminated}
    if eff["goal"] != "training":  # every target has a runtime that reaches it, by rule
        assert {r.target for r in first.routes} == set(eff["targets"])
        assert all(kb.reach(r.stack, r.target, "serve")[0] in ("N", "P", "E")
                   and r.stack not in gone for r in first.routes)
    base = next(s for s in STACKS if s.author == first.author and s.base is None)
    train = eff["train_on"] or [t for t in eff["targets"] if t in TRAINING_TARGETS]
    if eff["goal"] != "inference":
        assert all(kb.reach(base.id, t, "train")[0] in ("N", "P", "E") for t in train)


@settings(max_examples=60, deadline=None)
@given(profiles, st.sampled_from(CRITERIA), st.sampled_from([0.5, 2.0, 10.0]))
def test_raising_a_weight_never_lowers_the_stack_best_on_it(p: Profile, criterion: str,
                                                             delta: float) -> None:
    before = _advise(p, sensitivity=False)
    if not before.ranking:
        return
    value = {r.stack: r.score(criterion).value or 0.0 for r in before.ranking}
    order = [r.stack for r in before.ranking]
    best = max(value, key=lambda s: (value[s], -order.index(s)))
    weight = next(w.value for w in before.weights if w.criterion == criterion)
    after = _advise(p, sensitivity=False, overrides={criterion: weight + delta})
    position = [r.stack for r in before.ranking].index(best)
    assert [r.stack for r in after.ranking].index(best) <= position


@FEW
@given(profiles)
def test_every_reason_cites_a_fact_an_answer_or_a_cell(p: Profile) -> None:
    advice = _advise(p)
    kb = load_knowledge()
    reasons = [r for ranked in advice.ranking for s in ranked.scores for r in s.reasons]
    reasons += [r for e in advice.eliminated for r in e.reasons]
    assert reasons and all(r.cited for r in reasons)
    assert all(set(r.answers) <= ANSWERS and set(r.facts) <= set(kb.facts) for r in reasons)
    assert all(w.answers and set(w.answers) <= ANSWERS for w in advice.weights)
    assert all(c.answers for c in advice.contradictions)
    assert set(advice.fact_ids()) <= set(kb.facts)


# --- measured evidence ----------------------------------------------------------------------
def _rounds(median: float, n: int = 8) -> list[list[float]]:
    jitter = [0.99, 1.0, 1.01, 1.0, 0.995, 1.005]
    return [[median * j for j in jitter] for _ in range(n)]


def _store_run(db: Path, medians: dict[str, float], task: str = "inference") -> int:
    """A fake-backend-like run: scripted samples for named backends in one interleaved group."""
    with open_store(db) as store:
        run = store.create_run("bench", PlanRecord([], 1), {"cpu": {"model": "test"}})
        for backend, median in medians.items():
            cell = Cell("mlp", backend, "default", task, 1)
            metrics = {"latency_ns": {"median": median}, "throughput": 1e9 / median,
                       "memory": {"peak_rss_bytes": 200 * 2**20}}
            store.save_cell(run, cell, "ok", metrics, rounds=_rounds(median))
        store.finish_run(run, "complete")
    return run


def _gap(advice: Advice, a: str, b: str) -> float:
    total = {r.stack: r.total for r in advice.ranking}
    return total[a] - total[b]


CLOSE = make_profile({"goal": "inference", "targets": ["x86-cpu"],
                      "expertise": {"pytorch": "strong"}})


def test_measured_speed_moves_the_ranking_the_way_the_weights_say(tmp_path: Path) -> None:
    none = _advise(CLOSE)
    assert none.recommended == "pytorch"  # facts alone favour plain PyTorch here
    w = next(x.value for x in none.weights if x.criterion == "measured_inference_speed")
    base_gap = _gap(none, "pytorch-onnxruntime", "pytorch")

    ort_run = _store_run(tmp_path / "a.db", {"torch": 2_000_000.0, "onnxruntime": 1_000_000.0})
    ort_fast = _advise(CLOSE, evidence=load_evidence(tmp_path / "a.db", ort_run))
    assert ort_fast.recommended == "pytorch-onnxruntime"
    assert _gap(ort_fast, "pytorch-onnxruntime", "pytorch") == pytest.approx(
        base_gap + w * 1.0, abs=0.05)  # one doubling, the largest gap: ORT 1, torch 0
    speed = ort_fast.ranking[0].score("measured_inference_speed")
    assert speed.basis == "measured" and all(r.cells for r in speed.reasons)

    torch_run = _store_run(tmp_path / "b.db", {"torch": 1_000_000.0, "onnxruntime": 3_000_000.0})
    torch_fast = _advise(CLOSE, evidence=load_evidence(tmp_path / "b.db", torch_run))
    assert _gap(torch_fast, "pytorch-onnxruntime", "pytorch") < base_gap
    assert torch_fast.recommended == "pytorch"


def test_a_difference_within_the_interval_is_a_tie(tmp_path: Path) -> None:
    run = _store_run(tmp_path / "t.db", {"torch": 1_000_000.0, "onnxruntime": 1_000_000.0})
    tie = _advise(CLOSE, evidence=load_evidence(tmp_path / "t.db", run))
    values = {r.stack: r.score("measured_inference_speed").value for r in tie.ranking
              if r.stack in ("pytorch", "pytorch-onnxruntime")}
    assert values == {"pytorch": 1.0, "pytorch-onnxruntime": 1.0}
    assert _gap(tie, "pytorch-onnxruntime", "pytorch") == pytest.approx(
        _gap(_advise(CLOSE), "pytorch-onnxruntime", "pytorch") + 0.0)


def test_latest_run_is_used_and_evidence_is_cited(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _store_run(db, {"torch": 1_000_000.0, "onnxruntime": 1_000_000.0})
    latest = _store_run(db, {"torch": 2_000_000.0, "onnxruntime": 1_000_000.0})
    advice = _advise(CLOSE, evidence=load_evidence(db, None))
    data = advice.to_dict()
    assert data["evidence"]["run"]["id"] == latest and data["evidence"]["cells"]
    assert any("torch-compile" in (c.command or "") for c in advice.caveats)  # unmeasured


def test_no_store_means_no_evidence_and_no_side_effect(tmp_path: Path) -> None:
    assert load_evidence(tmp_path / "absent.db", None) is None
    assert not (tmp_path / "absent.db").exists()
