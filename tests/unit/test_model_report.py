"""A stored run of a user's model, synthetic (no worker): its portability matrix in the HTML,
Markdown, JSON and terminal reports (hostile strings escaped), and the advisor ruling out the
stacks whose path failed, citing the cells."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from report_data import HOSTILE, metrics_for, rounds_for
from rich.console import Console

from stackpick.advice import advise
from stackpick.advice.evidence import from_results
from stackpick.analysis.run_view import RunView, load_results
from stackpick.profile import make_profile
from stackpick.protocol.cells import Cell
from stackpick.protocol.conversions import Conversion
from stackpick.protocol.extras import Extras
from stackpick.protocol.runs import PlanRecord, RunNotes
from stackpick.report.html import render_html
from stackpick.report.jsondoc import report_json
from stackpick.report.markdown import render_markdown
from stackpick.report.terminal import print_results
from stackpick.store import open_store

NAME = f"evil{HOSTILE}.py:build"
MODEL = {"kind": "pytorch", "path": "/m/evil.py", "shown": NAME, "name": NAME,
         "factory": "build", "signature": {"inputs": [{"shape": [2, 8], "dtype": "float32"}],
                                           "outputs": [{"shape": [2, 3], "dtype": "float32"}],
                                           "batch": 2, "class": HOSTILE, "parameters": 54}}
EXPORT_ERROR = f"GuardOnDataDependentSymNode: Could not guard {HOSTILE}"


def _conversions() -> list[Conversion]:
    cause = {"cause": "data-dependent control flow", "cause_text": f"branches {HOSTILE}"}
    return [
        Conversion("dynamo-explain", "ok", 0.1,
                   extras=Extras(graphs=2, graph_breaks=1,
                                 reasons=[f"Data-dependent branching {HOSTILE}"])),
        Conversion("torch.export", "fail_export", 0.05, error=EXPORT_ERROR, **cause,
                   reason=f"torch.export failed {HOSTILE}"),
        Conversion("onnx-export", "fail_export", 0.7, error=EXPORT_ERROR, **cause,
                   reason="onnx-export failed"),
    ]


@pytest.fixture
def results(tmp_path: Path) -> RunView:
    with open_store(tmp_path / "s.db") as store:
        planned = [Cell(NAME, b, "default", "inference", 2)
                   for b in ("torch", "torch-compile", "onnxruntime")]
        run_id = store.create_run("run", PlanRecord(planned, 1),
                                  {"cpu": {"model": "Synthetic"}}, "stackpick run --model x",
                                  RunNotes(model=MODEL))
        base = Cell(NAME, "torch", "default", "inference", 2)
        for conversion in _conversions():
            store.save_conversion(run_id, base, conversion)
        for i, (backend, median) in enumerate((("torch", 15), ("torch-compile", 40))):
            rounds = rounds_for(median, i)
            store.save_cell(run_id, replace(base, backend=backend), "ok",
                            metrics_for(rounds, 2, 0.01, 300), rounds=rounds)
        store.save_cell(run_id, replace(base, backend="onnxruntime"), "fail_export", {},
                        "not run: onnx-export did not succeed")
        store.finish_run(run_id, "complete")
        return load_results(store, run_id)


def test_html_shows_the_model_and_its_matrix_escaped(results: RunView) -> None:
    page = render_html(results)
    assert "<script>window" not in page and "&lt;script&gt;" in page
    assert 'id="model"' in page and 'href="#model"' in page
    for title in ("torch.compile (inductor)", "torch.export", "ONNX export (dynamo exporter)",
                  "ONNX Runtime run", "Likely cause: data-dependent control flow."):
        assert title in page
    # conversion rows live in the matrix, not in the timing tables
    assert "convert · batch" not in page


def test_reference_workload_reports_have_no_model_section(tmp_path: Path) -> None:
    from report_data import make_store

    path, run_id = make_store(tmp_path / "r.db")
    with open_store(path) as store:
        page = render_html(load_results(store, run_id))
    assert 'id="model"' not in page and 'href="#model"' not in page


def test_markdown_and_json_carry_the_matrix(results: RunView) -> None:
    text = render_markdown(results)
    assert "## Your model" in text and "### Portability matrix" in text
    assert HOSTILE not in text and "fail\\_export" in text
    data = json.loads(json.dumps(report_json(results), default=str))
    rows = {r["path"]: r for r in data["portability"]}
    assert rows["torch.export"]["status"] == "fail_export"
    assert rows["torch.export"]["cause"] == "data-dependent control flow"
    assert rows["torch.compile (inductor)"]["status"] == "ok"
    assert rows["torch.compile (inductor)"]["median_ns"] > 0
    assert rows["ONNX Runtime run"]["stacks"] == ["pytorch-onnxruntime"]
    assert data["model"]["parameters"] == 54 and data["model"]["inputs"] == "[2, 8] float32"


def test_terminal_prints_the_matrix_instead_of_the_conversion_group(
        results: RunView) -> None:
    buffer = io.StringIO()
    print_results(results, Console(file=buffer, width=200, highlight=False))
    out = buffer.getvalue()
    assert "portability of your model" in out and "fail_export" in out
    assert f"{NAME}/convert" not in out


def test_advisor_rules_out_stacks_whose_path_failed(results: RunView) -> None:
    profile = make_profile({"goal": "inference", "targets": ["x86-cpu"]})
    advice = advise(profile, evidence=from_results(results)).to_dict()
    gone = {e["stack"]: e["reasons"] for e in advice["eliminated"]}
    assert {"pytorch-onnxruntime", "pytorch-executorch"} <= set(gone)
    export_cell = next(c.id for c in results.conversions if c.path == "torch.export")
    reasons = gone["pytorch-executorch"]
    assert any(export_cell in r["cells"] and "torch.export failed for this model" in r["text"]
               for r in reasons)
    assert advice["recommended"] not in gone
    # conversion rows are not "cells that earn no points"
    assert not any(export_cell in c["cells"] for c in advice["caveats"])
