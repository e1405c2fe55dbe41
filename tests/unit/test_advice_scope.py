"""Evidence scoped to where it was measured, near-ties, typed advice records, input hygiene."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest

from stackpick.advice import advise, device_class, from_results
from stackpick.advice.devices import PROXY, classes_for, measure_command
from stackpick.analysis.run_view import load_results
from stackpick.errors import UserError
from stackpick.profile import closest, make_profile, override
from stackpick.profile.yaml_file import parse_profile
from stackpick.protocol.advice import Advice
from stackpick.protocol.cells import Cell
from stackpick.protocol.runs import PlanRecord
from stackpick.store import open_store

TODAY = date(2026, 12, 1)


def _run(tmp: Path, cells: list[tuple[str, str, float, dict]]) -> object:
    """A stored run of inference cells: (backend, device, median ns, extra metrics)."""
    with open_store(tmp / "s.db") as store:
        run = store.create_run("bench", PlanRecord([], 1), {})
        for backend, device, median, extra in cells:
            store.save_cell(run, Cell("mlp", backend, "default", "inference", 1, device), "ok",
                            {"latency_ns": {"median": median}, "session": "s", **extra},
                            rounds=[[median * j for j in (0.99, 1.0, 1.01)]] * 6)
        return from_results(load_results(store, run))


def test_device_class_mapping_is_one_table() -> None:
    assert device_class("torch", "cpu") == "x86-cpu"
    assert device_class("torch-compile", "cuda:0") == "nvidia-gpu"
    assert device_class("litert:int8", "cpu") == PROXY == device_class("executorch", "cpu")
    assert device_class("onnxruntime-web", "cpu") == "browser" == device_class("tfjs", "cpu")
    assert device_class("jax", "aarch64") == "arm-cpu"
    assert PROXY in classes_for("ios") and "x86-cpu" not in classes_for("ios")
    assert classes_for("tpu") == () and measure_command("tpu") is None
    assert "litert,executorch" in (measure_command("android") or "")


def test_x86_timings_do_not_score_an_ios_target(tmp_path: Path) -> None:
    ev = _run(tmp_path, [("torch", "cpu", 2e6, {}), ("onnxruntime", "cpu", 1e6, {})])
    server = advise(make_profile({"goal": "inference", "targets": ["x86-cpu"]}), evidence=ev,
                    today=TODAY, sensitivity=False)
    ort = next(r for r in server.ranking if r.stack == "pytorch-onnxruntime")
    assert ort.score("measured_inference_speed").value == pytest.approx(1.0)
    phone = advise(make_profile({"goal": "inference", "targets": ["ios"]}), evidence=ev,
                   today=TODAY, sensitivity=False)
    for r in phone.ranking:
        s = r.score("measured_inference_speed")
        assert s.value is None and s.contribution == 0
    ort_ios = next(r for r in phone.ranking if r.stack == "pytorch-onnxruntime")
    text = ort_ios.score("measured_inference_speed").reasons[0].text
    assert "not measured for this target" in text and "your target is ios" in text
    assert any("your target is ios" in c.text and c.command for c in phone.caveats)


def test_host_cpu_runs_of_on_device_runtimes_are_labelled_proxies(tmp_path: Path) -> None:
    ev = _run(tmp_path, [("litert", "cpu", 1e6, {}), ("executorch", "cpu", 3e6, {})])
    a = advise(make_profile({"goal": "inference", "targets": ["android"]}), evidence=ev,
               today=TODAY, sensitivity=False)
    lite = next(r for r in a.ranking if r.stack == "tensorflow-litert")
    s = lite.score("measured_inference_speed")
    assert s.value == pytest.approx(1.0) and any("proxy" in r.text for r in s.reasons)
    et = next(r for r in a.ranking if r.stack == "pytorch-executorch")
    assert et.score("measured_inference_speed").value < 0.5


def test_cold_start_and_install_size_count_for_serverless(tmp_path: Path) -> None:
    ev = _run(tmp_path, [
        ("torch", "cpu", 2e6, {"cold_start_s": 3.0, "extras": {"install_bytes": 9e8}}),
        ("onnxruntime", "cpu", 2e6, {"cold_start_s": 0.3, "extras": {"install_bytes": 6e7}})])
    a = advise(make_profile({"goal": "inference", "targets": ["serverless"]}), evidence=ev,
               today=TODAY, sensitivity=False)
    by = {r.stack: r for r in a.ranking}
    assert by["pytorch-onnxruntime"].score("cold_start").value == pytest.approx(1.0)
    assert by["pytorch"].score("cold_start").value == pytest.approx(0.1)
    assert by["pytorch"].score("footprint").value < by["pytorch-onnxruntime"].score(
        "footprint").value
    assert a.recommended == "pytorch-onnxruntime"


def test_unknown_reach_is_a_rule_unless_allowed() -> None:
    p = make_profile({"targets": ["amd-gpu"]})  # TensorFlow's install guide lists no AMD build
    strict = advise(p, today=TODAY, sensitivity=False)
    gone = {e.stack: e.reasons[0].text for e in strict.eliminated}
    assert "unknown: verify" in gone["tensorflow-serving"]
    loose = advise(p, today=TODAY, sensitivity=False, allow_unknown=True)
    kept = next(r for r in loose.ranking if r.stack == "tensorflow-serving")
    reach = kept.score("target_reach")  # kept, but its unknown reach scores nothing
    assert reach.value == 0.0 and all("unknown" in r.text for r in reach.reasons)
    first = advise(make_profile({"targets": ["amd-gpu"], "goal": "inference",
                                 "priority": "production", "existing": "tf-serving",
                                 "expertise": {"tensorflow": "strong"}}),
                   today=TODAY, sensitivity=False, allow_unknown=True)
    assert first.recommended == "tensorflow-serving"  # a leader kept this way says so
    assert any("kept by --allow-unknown" in c.text for c in first.caveats)


def test_conversion_only_reach_counts_for_the_destination_only() -> None:
    a = advise(make_profile({"goal": "inference", "targets": ["android"]}), today=TODAY,
               sensitivity=False)
    gone = {e.stack: e.reasons[0].text for e in a.eliminated}
    assert "only via conversion" in gone["pytorch"] and "pytorch-executorch" in gone["pytorch"]
    assert "pytorch-executorch" in {r.stack for r in a.ranking}


def test_train_here_deploy_there_shows_the_runtime_per_target() -> None:
    a = advise(make_profile({"targets": ["x86-cpu", "android"],
                             "expertise": {"tensorflow": "strong"}}), today=TODAY)
    first = a.ranking[0]
    assert {(r.target, r.stack) for r in first.routes} == {
        ("x86-cpu", "tensorflow-serving"), ("android", "tensorflow-litert")}
    assert "LiteRT on android" in a.summary


def test_near_tie_is_declared_with_what_decides_it() -> None:
    a = advise(make_profile({}), today=TODAY)
    if a.tie:  # facts only: the default profile's leaders are within their uncertainty
        assert a.tie.margin <= a.tie.uncertainty and a.tie.decided_by
        assert a.summary.startswith("Tie between") and "decided by" in a.summary
    assert a.flips == [] or all(f.change.size <= 2 for f in a.flips)


def test_advice_round_trips_through_the_protocol_records() -> None:
    a = advise(make_profile({"targets": ["x86-cpu", "android"]}), today=TODAY)
    data = a.to_dict()
    again = Advice.from_dict(data).to_dict()
    assert Advice.from_dict(again).to_dict() == again  # stable once rounded
    assert [r["stack"] for r in again["ranking"]] == [r["stack"] for r in data["ranking"]]
    assert again["ranking"][0]["routes"] == data["ranking"][0]["routes"]
    assert again["recommended"] == data["recommended"] and again["facts"] == data["facts"]
    old = Advice.from_dict({"schema": 1, "recommended": "jax", "tied_with": ["pytorch"],
                            "ranking": [{"stack": "jax"}, {"stack": "pytorch"}]})
    assert old.tied_with == ["pytorch"] and old.ranking[0].scores == ()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_budgets_are_rejected(bad: float) -> None:
    with pytest.raises(UserError, match="positive number of milliseconds"):
        make_profile({"latency_budget_ms": bad})


def test_duplicate_yaml_keys_name_both_lines() -> None:
    with pytest.raises(UserError, match=r"^p\.yaml:3: duplicate key 'goal' \(first given on "
                                        r"line 1\)"):
        parse_profile("goal: both\npriority: research\ngoal: inference\n", "p.yaml")


def test_empty_target_flag_is_an_error_not_the_defaults() -> None:
    with pytest.raises(UserError, match="--target: empty target"):
        override(make_profile({}), {"targets": ""})


def test_did_you_mean_uses_parts_and_edit_distance() -> None:
    targets = ("nvidia-gpu", "amd-gpu", "intel-gpu", "tpu", "x86-cpu")
    assert closest("gpu", targets) == "nvidia-gpu, amd-gpu, intel-gpu"
    assert closest("tpuu", targets) == "tpu" and closest("x86cpu", targets) == "x86-cpu"
    assert closest("banana", targets) is None


def test_capability_probes_feed_needs_and_research_velocity(tmp_path: Path) -> None:
    with open_store(tmp_path / "p.db") as store:
        run = store.create_run("bench", PlanRecord([], 1), {})
        store.save_cell(run, Cell("mlp", "jax", "default", "per_example_grad", 8), "ok",
                        {"latency_ns": {"median": 2e6}})
        store.save_cell(run, Cell("mlp", "torch", "default", "per_example_grad", 8),
                        "unsupported", {}, reason="no vmap over this op")
        ev = from_results(load_results(store, run))
    a = advise(make_profile({"priority": "research", "goal": "training",
                             "targets": ["x86-cpu"], "needs": ["per-example-gradients"]}),
               evidence=ev, today=TODAY, sensitivity=False)
    by = {r.stack: r for r in a.ranking}
    jax_need = by["jax"].score("needs_fit")
    assert jax_need.value == 1.0 and "2.00 ms" in jax_need.reasons[0].text
    assert by["pytorch"].score("needs_fit").value == 0.0
    assert by["jax"].score("research_velocity").basis == "facts+measured"


def test_inconclusive_scores_its_point_ratio_never_full_credit() -> None:
    from types import SimpleNamespace

    from stackpick.advice.evidence_speed import _standing
    from stackpick.advice.measured import log_value

    def cmp(verdict: str) -> SimpleNamespace:
        ratio = SimpleNamespace(value=2.0, low=0.9, high=3.0)
        contender = SimpleNamespace(cell_id=1)
        return SimpleNamespace(ratio=ratio, verdict=verdict, sentence=lambda: "a vs b",
                               fast=contender, slow=contender)

    ratio, _low, high, text, _cells = _standing(cmp("inconclusive"))
    assert ratio == pytest.approx(2.0) and "inconclusive" in text and high >= ratio
    assert log_value(ratio, 1.0) < 1.0  # never full credit
    assert _standing(cmp("tie"))[0] == 1.0  # tie credit only for a declared tie
    assert _standing(cmp("faster"))[0] == pytest.approx(2.0)
