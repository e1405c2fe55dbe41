"""Deployment measurements without a framework: install footprint, cold-start bookkeeping,
the looser stated tolerance of quantised cells, on-device planning and the report section."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from report_data import metrics_for, rounds_for

from stackpick.analysis.run_view import load_results
from stackpick.cli import main
from stackpick.cli.choices import parse_backends
from stackpick.harness import cold_start, footprint
from stackpick.harness.plan import Cell, StudyPlan
from stackpick.protocol.cold_start import ColdStartStamps
from stackpick.protocol.extras import ColdStart
from stackpick.protocol.runs import PlanRecord
from stackpick.report.deployment import rows
from stackpick.report.markdown import render_markdown
from stackpick.store import open_store
from stackpick.worker import parity


def test_install_footprint_follows_requirements_and_counts_files() -> None:
    rich = footprint.install_footprint(("rich",))
    assert rich is not None
    assert "pygments" in footprint.closure(("rich",))  # rich requires pygments
    assert rich.bytes > rich.own_bytes > 0
    assert rich.distributions >= 2
    assert footprint.install_footprint(("no-such-distribution-xyz",)) is None


def test_cold_start_phases_and_medians() -> None:
    child = ColdStartStamps(imported=101.5, loaded=101.75, called=101.8)
    p = cold_start.phases(100.0, child)
    assert p.import_s == pytest.approx(1.5) and p.load_s == pytest.approx(0.25)
    assert p.first_call_s == pytest.approx(0.05) and p.total_s == pytest.approx(1.8)
    runs = [cold_start.phases(100.0, replace(child, called=101.8 + d)) for d in (0.0, 0.4, 0.1)]
    cold = cold_start.summarize(ColdStart("mlp/inference/b1/cpu/torch"), runs)
    assert cold.total_s == pytest.approx(1.9) and len(cold.totals_s) == 3


def test_cold_start_only_for_targets_that_need_it() -> None:
    assert not cold_start.needs_cold_start(("x86-cpu",))
    assert cold_start.needs_cold_start(("x86-cpu", "serverless"))
    assert cold_start.profile_backends(("android",)) == parse_backends("all,on-device")
    assert cold_start.profile_backends(("serverless",)) == parse_backends("all")


def test_on_device_runtimes_are_named_not_in_all() -> None:
    everything = {name for name, _ in parse_backends("all")}
    assert not everything & {"litert", "executorch"}
    on_device = parse_backends("on-device")
    assert ("litert", "from-keras-int8") in on_device and ("executorch", "portable") in on_device


def test_plan_keeps_cold_start_through_json() -> None:
    plan = StudyPlan([Cell("mlp", "torch", "default", "inference", 1)], 2, cold_start=True)
    assert StudyPlan.from_json(plan.to_json()).cold_start
    assert not StudyPlan.from_json('{"cells": [], "threads": 1, "rule": {}}').cold_start


def test_quantised_tolerance_is_stated_and_float32_verdict_kept() -> None:
    ref = np.linspace(-1, 1, 20).reshape(2, 10)
    near = ref + 0.02
    loose = parity.check_cell("inference", near, ref, (0.05, 0.05, "int8: atol 0.05"))
    assert loose.ok and not loose.float32_ok and loose.tolerance == "int8: atol 0.05"
    far = parity.check_cell("inference", ref + 0.5, ref, (0.05, 0.05, "int8"))
    assert not far.ok
    assert parity.check_cell("inference", ref, ref).tolerance is None


def _litert_metrics() -> dict:
    rounds = rounds_for(40, 1)
    m = metrics_for(rounds, 1, 0.01, 200)
    m["parity"] = {"ok": True, "max_abs": 0.03, "max_rel": 0.02, "atol": 0.05, "rtol": 0.05,
                   "tolerance": "int8 dynamic range", "float32_ok": False}
    m["extras"] = {"artifact_bytes": 686_944, "install_bytes": 138_000_000,
                   "delegate": "XNNPACK", "delegate_partitions": 1, "model_ops": 3}
    m["cold_start_s"] = 0.52
    m["cold_start"] = {"total_s": 0.52, "import_s": 0.5, "load_s": 0.01, "first_call_s": 0.01}
    return m


def test_deployment_section_per_target_class(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        run_id = store.create_run("bench", PlanRecord([], 1), {}, "stackpick bench", {})
        store.save_cell(run_id, Cell("mlp", "litert", "from-keras-int8", "inference", 1), "ok",
                        _litert_metrics(), rounds=rounds_for(40, 1))
        store.save_cell(run_id, Cell("transformer", "litert", "from-torch", "inference", 1),
                        "fail_export", {}, "setup: RuntimeError: unsupported op aten::foo")
        torch_m = metrics_for(rounds_for(120, 2), 1, 0.01, 300)
        torch_m.update(cold_start_s=6.6, cold_start={"total_s": 6.6, "import_s": 6.5,
                                                     "load_s": 0.05, "first_call_s": 0.05})
        store.save_cell(run_id, Cell("mlp", "torch", "default", "inference", 1), "ok", torch_m,
                        rounds=rounds_for(120, 2))
        store.finish_run(run_id, "complete")
        res = load_results(store, run_id)
    by_label = {r.label: r for r in rows(res)}
    assert by_label["litert:from-keras-int8"].target == "on-device"
    assert by_label["torch"].target == "server" and by_label["torch"].cold_s == 6.6
    assert "outside the float32 tolerance" in by_label["litert:from-keras-int8"].note
    assert "unsupported op" in by_label["litert:from-torch"].note
    text = render_markdown(res)
    assert "## Deployment" in text and "proxy for Arm and mobile" in text
    assert "687 kB" in text and "138 MB" in text


def _bench(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> dict:
    out = tmp_path / f"r{len(list(tmp_path.glob('r*.json')))}.json"  # --json never overwrites
    code = main(["bench", *args, "--batch", "1", "--quick", "--max-time", "0.1",
                 "--json", str(out)])
    capsys.readouterr()
    assert code == 0
    return json.loads(out.read_text())


def test_export_failure_is_a_cell_with_its_reason(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    data = _bench(capsys, tmp_path, "--backends", "fake:fail=export,fake")
    cells = {c["variant"]: c for g in data["groups"] for c in g["cells"]}
    assert cells["fail=export"]["status"] == "fail_export"
    assert "fake converter failed" in cells["fail=export"]["reason"]
    assert cells["default"]["status"] == "ok"  # the study went on


def test_cold_start_pass_in_fresh_processes(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole wiring with the fake backend (no artifact: rebuilt from the weights in each
    fresh process, its output checked): once per variant, copied to its later cells."""
    monkeypatch.setenv(cold_start.RUNS_ENV, "2")
    data = _bench(capsys, tmp_path, "--backends", "fake", "--workload", "mlp,cnn")
    cells = [c for g in data["groups"] for c in g["cells"]]
    assert len(cells) == 2
    for c in cells:
        cold = c["metrics"]["cold_start"]
        assert cold["runs"] == 2 and cold["what"] == "rebuild from weights", cold
        assert c["metrics"]["cold_start_s"] == cold["total_s"] > cold["import_s"] > 0
        assert cold["measured_on"] == cells[0]["key"]
    data = _bench(capsys, tmp_path, "--backends", "fake", "--no-cold-start")
    assert "cold_start_s" not in data["groups"][0]["cells"][0]["metrics"]


def test_help_imports_no_on_device_runtime() -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "stackpick", "--help"],
                          capture_output=True, text=True, check=True)
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    assert not imported & {"ai_edge_litert", "executorch", "litert_torch"}
