"""The capability matrix from stored cells, and its place in results.json, HTML and Markdown.
Synthetic cells in a real store: no framework."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from report_data import HOSTILE, metrics_for, rounds_for

from stackpick.analysis.capability import capability_matrix
from stackpick.analysis.run_view import RunView, load_results
from stackpick.harness.plan import Cell
from stackpick.protocol.runs import PlanRecord
from stackpick.report.html import render_html
from stackpick.report.jsondoc import results_json
from stackpick.report.markdown import render_markdown
from stackpick.store import open_store

TF_ERROR = ("setup: AttributeError: in user code:\n\n    File \"x.py\", line 3, in f  *\n"
            "        acc = ForwardAccumulator()\n\n    AttributeError: 'str' object has no "
            "attribute 'is_floating'\n")
# (workload, task, batch, backend, variant, median µs or None, status, extras / reason)
SCRIPT: list[tuple[str, str, int, str, str, float | None, str, Any]] = [
    ("mlp", "per_example_grad", 16, "torch", "default", 500, "ok", {"api": "vmap(grad)"}),
    ("mlp", "per_example_grad", 16, "torch", "loop", 2000, "ok", {"api": "loop"}),
    ("mlp", "per_example_grad", 16, "jax", "default", 400, "ok",
     {"api": "vmap", "capability": "workaround", "workaround": f"fallback {HOSTILE}"}),
    ("mlp", "per_example_grad", 16, "jax", "loop", 800, "ok", {}),
    ("mlp", "hvp", 64, "tensorflow", "graph", None, "error", TF_ERROR),
    ("mlp", "hvp", 64, "tensorflow", "loop", 900, "ok", {}),
    ("mlp", "hvp", 64, "torch", "default", None, "fail_parity", "parity: max abs error 0.3"),
    ("mlp", "hvp", 64, "torch-compile", "default", None, "unsupported", "not measured here"),
    ("mlp", "inference", 1, "torch", "default", 100, "ok", {}),
]


@pytest.fixture
def view(tmp_path: Path) -> RunView:
    store = open_store(tmp_path / "s.db")
    run = store.create_run("bench", PlanRecord([], 1), {"cpu": {}}, "stackpick bench", {})
    for i, (wl, task, batch, backend, variant, median, status, info) in enumerate(SCRIPT):
        cell = Cell(wl, backend, variant, task, batch)
        if status != "ok":
            store.save_cell(run, cell, status, {} if status != "fail_parity" else
                            {"parity": {"ok": False}}, info, None)
            continue
        rounds = rounds_for(median, i, n_rounds=8)
        metrics = {**metrics_for(rounds, batch, 0.1, 100), "extras": info, "session": "s1"}
        store.save_cell(run, cell, "ok", metrics, rounds=rounds)
    store.finish_run(run, "complete")
    return load_results(store, run)


def _rows(view: RunView) -> dict[str, Any]:
    return {f"{r.task}/{r.label}": r for r in view.capabilities}


def test_rows_classify_each_outcome_and_skip_baselines_and_other_tasks(view: RunView) -> None:
    rows = _rows(view)
    assert set(rows) == {"per_example_grad/torch", "per_example_grad/jax", "hvp/tensorflow:graph",
                         "hvp/torch", "hvp/torch-compile"}
    assert rows["per_example_grad/torch"].capability == "native"
    assert rows["per_example_grad/jax"].capability == "workaround"
    assert rows["per_example_grad/jax"].error == f"fallback {HOSTILE}"
    assert rows["hvp/torch"].capability == "wrong result"
    assert rows["hvp/torch-compile"].capability == "not measured"
    tf = rows["hvp/tensorflow:graph"]
    assert tf.capability == "unsupported"
    assert tf.error == "AttributeError: 'str' object has no attribute 'is_floating'"
    assert tf.baseline_status == "ok" and tf.speedup is None


def test_speedup_over_the_loop_comes_with_a_round_interval(view: RunView) -> None:
    torch = _rows(view)["per_example_grad/torch"]
    assert torch.speedup == pytest.approx(4.0, rel=0.05)
    assert torch.speedup_low is not None and torch.speedup_low < torch.speedup
    assert torch.speedup_high is not None and torch.speedup_high > torch.speedup
    assert torch.api == "vmap(grad)" and torch.baseline_api == "loop"
    # without rounds, the ratio of medians
    plain = {r.label: r for r in capability_matrix(view.cells) if r.task == "per_example_grad"}
    assert plain["jax"].speedup == pytest.approx(2.0, rel=0.05)
    assert plain["jax"].speedup_low is None


def test_json_html_and_markdown_carry_the_matrix_escaped(view: RunView) -> None:
    data = results_json(view)
    assert {r["label"] for r in data["capabilities"]} >= {"torch", "jax"}
    assert all(r["capability"] for r in data["capabilities"])
    page = render_html(view)
    assert 'id="capabilities"' in page and 'href="#capabilities"' in page
    assert HOSTILE not in page and "&lt;script&gt;" in page
    md = render_markdown(view)
    assert "## Function transformations: capability matrix" in md
    assert "| framework | per_example_grad · b16 | hvp · b64 |" in md
    assert "\\<script>" in md and "<script>" not in md.replace("\\<script>", "")


def test_a_run_without_transformations_has_no_section(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    run = store.create_run("bench", PlanRecord([], 1), {"cpu": {}}, "stackpick bench", {})
    store.finish_run(run, "complete")
    view = load_results(store, run)
    assert view.capabilities == [] and 'id="capabilities"' not in render_html(view)
    assert "capability matrix" not in render_markdown(view)
