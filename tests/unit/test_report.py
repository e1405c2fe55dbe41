"""The report files: self-contained HTML, Markdown tables, versioned JSON, no silent overwrite."""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from report_data import HOSTILE, advice, make_store

from stackpick.analysis.run_view import RunView, load_results
from stackpick.analysis.verdicts import Verdict
from stackpick.errors import UserError
from stackpick.protocol.advice import Advice
from stackpick.protocol.cells import Cell
from stackpick.protocol.extras import Extras
from stackpick.protocol.runs import PlanRecord
from stackpick.report import views
from stackpick.report.advice_view import read_advice
from stackpick.report.charts import speedup_charts
from stackpick.report.html import render_html
from stackpick.report.jsondoc import report_json
from stackpick.report.markdown import render_markdown
from stackpick.report.terminal import compact_line
from stackpick.report.views import Speedup, break_even_text, compile_cache, first_calls
from stackpick.report.writer import FILES, new_report_dir, write_report
from stackpick.store import open_store

SECTIONS = ("recommendation", "answers", "latency", "speedup", "first-call", "training",
            "memory", "parity", "failures", "stability", "facts", "machine")


def _results(tmp_path: Path, **kwargs: Any) -> RunView:
    db, run_id = make_store(tmp_path / "s.db", **kwargs)
    with open_store(db) as store:
        return load_results(store, run_id)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> RunView:
    return _results(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def page(results: RunView) -> str:
    return render_html(results, advice())


def test_html_is_one_self_contained_file(page: str) -> None:
    assert page.startswith("<!doctype html>")
    assert not re.search(r"<(script|img|iframe)[^>]*\bsrc=", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert "@import" not in page and "url(" not in page
    # The only absolute URLs are links to the facts' sources.
    for tag_name, _url in re.findall(r"<(\w+)[^>]*\b(?:src|href)=\"(https?:[^\"]*)\"", page):
        assert tag_name == "a"


def test_html_has_every_section_and_charts(page: str) -> None:
    for section in SECTIONS:
        assert f'id="{section}"' in page
    assert page.count("<svg") >= 8
    assert page.count("<title id=") == page.count("<svg")  # every chart is labelled
    assert "PyTorch + ONNX Runtime" in page and "never pays off (slower in steady state)" in page


def test_html_escapes_hostile_strings(page: str) -> None:
    assert HOSTILE not in page
    assert html.escape(HOSTILE) in page
    assert "javascript:" not in re.sub(r">[^<]*<", "><", page).lower()  # not in any attribute
    assert page.count("<script>") == 1  # our own few lines only


def test_markdown_has_tables_and_no_html(results: RunView) -> None:
    text = render_markdown(results, advice())
    assert "| backend | status | median ± 95% CI |" in text
    assert "| --- | --- | ---: |" in text
    assert "**Recommended: PyTorch + ONNX Runtime**" in text
    assert not re.search(r"(?<!\\)<[A-Za-z/]", text)  # every '<' is escaped
    assert "(https://github.com/microsoft/onnxruntime/issues/8655)" in text
    assert "- priority production -> research: the pick becomes PyTorch (eager)" in text


def test_writer_writes_three_files_with_schema(results: RunView, tmp_path: Path) -> None:
    results.run.notes.advice = advice()
    index = write_report(results, tmp_path / "out")
    assert index == tmp_path / "out" / "index.html"
    assert sorted(p.name for p in index.parent.iterdir()) == sorted(FILES)
    data = json.loads((index.parent / "results.json").read_text())
    assert data["schema"] == 3 and data["partial"] is False
    assert data["advice"]["recommended"] == "pytorch-onnxruntime"  # the current schema
    assert {s["backend"] for s in data["derived"]["speedups"]} >= {"onnxruntime", "jax"}


def test_writer_refuses_to_overwrite(results: RunView, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(UserError, match="already exists; pass --force"):
        write_report(results, out)
    assert not (out / "index.html").exists()
    write_report(results, out, force=True)
    assert (out / "index.html").exists() and (out / "keep.txt").read_text() == "mine"


def test_new_report_dir_never_clashes(tmp_path: Path) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5)
    first = new_report_dir(tmp_path, 7, when)
    assert first.name == "stackpick-report-run7-20260102-030405" and not first.exists()
    first.mkdir()
    assert new_report_dir(tmp_path, 7, when).name.endswith("-2")


def test_partial_run_has_a_banner(tmp_path: Path) -> None:
    res = _results(tmp_path, status="interrupted", limit=5)
    page = render_html(res, None)
    assert 'class="banner"' in page and "Partial results" in page
    assert "5 of 19 planned cells" in page
    assert "> **PARTIAL:**" in render_markdown(res, None)


def test_report_without_advice_says_so(results: RunView) -> None:
    page = render_html(results, None)
    assert "No recommendation in this report" in page
    assert 'id="facts"' not in page


def test_compile_economics_rows(results: RunView) -> None:
    texts = {(g.key, r.cell.label): break_even_text(r) for g in results.groups
             for r in first_calls(g)}
    assert texts["mlp/inference/b1/cpu", "torch"] == "baseline"
    pays = r"pays off after [\d,]+ calls \[[\d,]+, [\d,]+\]"  # with the gain interval's range
    assert re.fullmatch(pays, texts["mlp/inference/b1/cpu", "torch-compile"])
    assert re.fullmatch(pays, texts["mlp/inference/b1/cpu", "tensorflow:xla"])
    slower = "never pays off (slower in steady state)"
    assert texts["mlp/inference/b32/cpu", "torch-compile"] == slower


@pytest.mark.parametrize(("fast", "verdict", "low", "high", "full", "short"), [
    ("compiled", "tie", 0.89, 1.45, "not measurably faster (its speed-up's interval includes "
     "1: 1.14x [0.89, 1.45])", "not measurably faster"),
    ("torch", "tie", 0.89, 1.45, "not measurably faster (its speed-up's interval includes "
     "1: 0.88x [0.69, 1.12])", "not measurably faster"),  # said the compiled side's way
    ("compiled", "inconclusive", math.nan, math.nan, "inconclusive (2 worker processes, more "
     "needed)", "inconclusive"),
])
def test_break_even_column_never_counts_calls_on_a_gain_inside_the_noise(
        results: RunView, fast: str, verdict: str, low: float, high: float, full: str,
        short: str) -> None:
    # A 1.14x point ratio whose paired interval includes 1: "never (steady state not
    # faster)" or a call count would both say more than was measured.
    row = next(r for g in results.groups for r in first_calls(g) if r.econ)
    slow = "torch" if fast == "compiled" else "compiled"
    v = Verdict(fast, slow, verdict, 1.14, low, high, 6, 2, 0.95,
                "2 worker processes, more needed" if verdict == "inconclusive" else None)
    econ = replace(row.econ, compiled="compiled", verdict=v)
    assert break_even_text(replace(row, econ=econ)) == full
    assert break_even_text(replace(row, econ=econ), short=True) == short


def test_compile_cache_says_cold_or_warm(results: RunView) -> None:
    cell = next(c for c in results.cells if c.backend == "torch-compile")

    def with_extras(**extras: Any) -> Any:
        return replace(cell, metrics=replace(cell.metrics, extras=Extras.from_dict(extras)))

    assert compile_cache(cell) == ""  # no cache counters: nothing to say
    assert compile_cache(with_extras(fx_graph_cache={"hits": 0, "misses": 2},
                                     first_call_s_by_process=[9.3, 1.4])) == \
        "cold: 2 graphs compiled; next process 1.4 s"
    assert compile_cache(with_extras(fx_graph_cache={"hits": 2, "misses": 0})) == \
        "warm: 2 graphs from inductor's cache"


def test_advice_reader_reads_typed_advice_and_old_schema() -> None:
    assert read_advice(None) is None
    old = {"schema": 1, "recommended": "jax", "tied_with": [],  # as stored by older versions
           "ranking": [{"stack": "jax", "name": "JAX -> JAX/XLA", "total": 7.5,
                        "criteria": [{"criterion": "team_fit", "weight": 2, "value": 1.0,
                                      "contribution": 2.0, "reasons": [{"text": "jax strong",
                                                                        "facts": ["f"]}]}]}],
           "eliminated": [{"stack": "tensorflow-litert", "name": "TF -> LiteRT",
                           "reasons": [{"text": "no TPU", "facts": []}]}],
           "sensitivity": {"flips": [{"text": "goal training", "new_pick": "jax"}], "checked": 9},
           "evidence": {"facts": ["f"]}, "facts": [{"id": "f", "source": "x"}]}
    view = read_advice(Advice.from_dict(old))
    assert view is not None and view.pick is not None and view.pick.label == "JAX -> JAX/XLA"
    assert view.pick.contributions[0].criterion == "Team fit"
    assert view.eliminated == [("TF -> LiteRT", ["no TPU"])]
    assert view.flips == ["goal training: the pick becomes JAX -> JAX/XLA"]
    assert view.facts[0].sources == [("x", None)]  # not http(s): shown, never linked
    gh = read_advice(Advice.from_dict(
        {"ranking": [], "facts": [{"statement": "s", "source": "pytorch/serve#3396"}]}))
    assert gh is not None and gh.facts[0].text == "s" and gh.pick is None
    assert gh.facts[0].sources == [("pytorch/serve#3396",
                                    "https://github.com/pytorch/serve/issues/3396")]
    junk = read_advice(Advice.from_dict({"ranking": "not a list", "weights": [3],
                                         "caveats": ["plain text"]}))
    assert junk is not None and junk.pick is None and junk.caveats == ["plain text"]


def test_empty_running_run_and_sparse_advice_render(tmp_path: Path) -> None:
    with open_store(tmp_path / "e.db") as store:
        planned = [Cell("mlp", "torch", "default", "inference", b) for b in (1, 2)]
        run_id = store.create_run("run", PlanRecord(planned, 1), {}, "stackpick run")
        res = load_results(store, run_id)
    page = render_html(res, Advice.from_dict({"ranking": [],
                                              "sensitivity": {"flips": [], "checked": 3}}))
    assert "is still running; 0 of 2 planned cells" in page
    assert "every stack was ruled out" in page and "None of the 3 plausible single" in page
    assert "No cell failed." in page and "<svg" not in page
    assert json.loads(json.dumps(report_json(res, None)))["partial"] is True
    assert "> **PARTIAL:**" in render_markdown(res, None)


def test_speedups_say_tie_or_inconclusive_beside_the_point_ratio(
        results: RunView, monkeypatch: pytest.MonkeyPatch) -> None:
    g = results.groups[0]
    cells = [c for c in g.cells if c.status == "ok"][:3]
    fixed = [Speedup(g, cells[0], 0.9, 0.8, 1.05, "tie"),
             Speedup(g, cells[1], 1.3, math.nan, math.nan, "inconclusive"),
             Speedup(g, cells[2], 2.0, 1.8, 2.2, "faster")]
    monkeypatch.setattr(views, "speedups", lambda group: fixed if group is g else [])
    svg = "".join(chart.svg for chart in speedup_charts(results))
    assert "1.11x slower: tie" in svg and "1.30x faster?" in svg
    assert "2.00x faster<" in svg  # a verdict of faster needs no word beside it
    table = render_markdown(results, None)  # the "vs torch" column says the same
    assert "| 0.90x (tie) |" in table and "| 1.30x (inconclusive) |" in table
    assert "| 2.00x |" in table


def test_compact_line_shows_what_each_verdict_allows(results: RunView) -> None:
    g = results.groups[0]
    first, second, third = g.comparisons[:3]
    tie = replace(second.result, verdict="tie", low=0.95, high=1.30)
    unsure = replace(third.result, verdict="inconclusive", reason="5 paired rounds, need 6")
    g = replace(g, comparisons=[first, replace(second, result=tie),
                                replace(third, result=unsure)])
    parts = compact_line(g).plain.split(": ", 1)[1].split(" < ")
    shown = {p.split(" ")[0]: p for p in parts}
    assert shown[first.slow.label].endswith(f" {first.ratio.value:.2f}x")
    assert shown[second.slow.label].endswith(" =±30%")  # the gap a tie could hide, not "="
    assert shown[third.slow.label].endswith(" ?")
