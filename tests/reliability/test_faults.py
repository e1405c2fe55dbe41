"""Fault injection: each failure is stored as data and the rest of the study completes."""

from __future__ import annotations

import json

import pytest

from stackpick import registry
from stackpick.cli import main
from stackpick.registry import BackendSpec


def bench_json(capsys, *args: str) -> dict:
    code = main(["bench", "--workload", "mlp", "--batch", "1", "--quick", "--json", "-", *args])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out[out.index("{"):])


def statuses(data: dict) -> dict[str, tuple[str, str]]:
    return {f"{c['backend']}:{c['variant']}": (c["status"], c["reason"] or "")
            for g in data["groups"] for c in g["cells"]}


def test_abort_is_a_crash_cell(capsys):
    s = statuses(bench_json(capsys, "--backends", "fake,fake:fail=crash"))
    assert s["fake:default"][0] == "ok"
    assert s["fake:fail=crash"] == ("crash", "setup: worker killed by SIGABRT")


def test_memory_limit_is_an_oom_cell(capsys):
    s = statuses(bench_json(capsys, "--backends", "fake,fake:fail=oom", "--memory-limit", "600"))
    assert s["fake:default"][0] == "ok"
    assert s["fake:fail=oom"][0] == "oom" and "out of memory" in s["fake:fail=oom"][1]


def test_hang_past_timeout_is_killed(capsys):
    s = statuses(bench_json(capsys, "--backends", "fake:fail=hang,fake", "--timeout", "2"))
    assert s["fake:fail=hang"][0] == "timeout" and "worker killed" in s["fake:fail=hang"][1]
    assert s["fake:default"][0] == "ok"


def test_missing_framework_is_unavailable_with_the_extra(capsys, monkeypatch):
    ghost = BackendSpec("ghost", "ghost.backend:Ghost", "test", ("ghost_framework_xyz",), "ghost")
    with registry.registered(ghost):
        s = statuses(bench_json(capsys, "--backends", "fake,ghost"))
    assert s["ghost:default"][0] == "unavailable"
    assert "pip install 'stackpick[ghost]'" in s["ghost:default"][1]
    assert s["fake:default"][0] == "ok"


def test_failure_while_building_is_an_error_cell(capsys):
    s = statuses(bench_json(capsys, "--backends", "fake:fail=raise,fake"))
    assert s["fake:fail=raise"][0] == "error" and "RuntimeError" in s["fake:fail=raise"][1]
    assert s["fake:default"][0] == "ok"


def test_unsupported_combination_needs_no_worker(capsys):
    data = bench_json(capsys, "--backends", "onnxruntime", "--task", "training")
    (status, reason), = statuses(data).values()
    assert status == "unsupported" and "inference only" in reason


@pytest.mark.parametrize("stage", ["configure", "prepare"])
def test_device_or_cell_unsupported_inside_worker(capsys, stage):
    s = statuses(bench_json(capsys, "--backends", f"fake:fail=unsupported+at={stage}"))
    (status, reason), = s.values()
    assert status == "unsupported" and "on purpose" in reason
