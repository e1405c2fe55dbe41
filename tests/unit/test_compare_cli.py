"""`stackpick compare` and `stackpick report` through the CLI entry point, on synthetic runs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from report_data import fill_run

from stackpick.cli import main
from stackpick.report.compare_runs import ratio_of_medians
from stackpick.store import open_store

SLOW_KEY = "mlp/inference/b32/cpu/jax"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run 1 and run 2: the same study, other noise; run 3: one cell made 2x slower;
    run 4: that cell crashed and the run stopped early."""
    path = tmp_path_factory.mktemp("compare") / "s.db"
    with open_store(path) as store:
        fill_run(store, seed=1)
        fill_run(store, seed=2)
        fill_run(store, seed=3, slow={SLOW_KEY: 2.0})
        fill_run(store, seed=4, crashed=(SLOW_KEY,), limit=10, status="interrupted")
    return path


def _compare(db: Path, a: str, b: str, capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["compare", a, b, "--db", str(db), "--json", "-"]) == 0
    return json.loads(capsys.readouterr().out)


def test_same_study_shows_no_change(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    diff = _compare(db, "1", "2", capsys)
    assert diff["changes"] == []
    assert len(diff["unchanged"]) == 15  # every timed cell matched
    assert sorted(diff["hidden"]) == sorted(diff["unchanged"]) and diff["no_interval"] == []
    assert all(0 < h < 0.5 for h in diff["hidden"].values())
    assert diff["status_changes"] == [] and diff["only_a"] == diff["only_b"] == []


def test_injected_slowdown_is_reported_with_its_size(db: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    diff = _compare(db, "1", "3", capsys)
    assert [c["key"] for c in diff["changes"]] == [SLOW_KEY]
    change = diff["changes"][0]
    assert change["direction"] == "slower" and change["size"] == pytest.approx(2.0, rel=0.03)
    assert change["low"] > 1.0
    assert main(["compare", "1", "3", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "1 significant change(s), 14 without a measurable change" in out
    assert "could hide a change of ±" in out  # not a bare "unchanged"
    assert f"{SLOW_KEY}: 2.0" in out and "x slower [" in out


def test_reverse_direction_is_faster(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    change = _compare(db, "3", "1", capsys)["changes"][0]
    assert change["direction"] == "faster" and change["size"] == pytest.approx(2.0, rel=0.03)


def test_status_changes_and_missing_cells_are_listed(db: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    diff = _compare(db, "1", "4", capsys)
    assert diff["status_changes"] == [{"key": SLOW_KEY, "a": "ok", "b": "crash",
                                       "reason": "setup: worker killed by SIGSEGV"}]
    assert diff["changes"] == [] and len(diff["only_a"]) == 9 and diff["only_b"] == []
    assert main(["compare", "1", "4", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert f"status ok -> crash: {SLOW_KEY}" in out and "9 cell(s) only in run 1" in out


def test_unknown_run_is_one_line_listing_recent_ids(db: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "1", "99", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no run 99" in err and "recent run ids: 4, 3, 2, 1" in err


def test_report_command_renders_and_refuses_overwrite(db: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rep"
    assert main(["report", "2", "--db", str(db), "--out", str(out)]) == 0
    assert (out / "index.html").exists() and "report written" in capsys.readouterr().out
    assert main(["report", "--db", str(db), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--force" in err
    assert main(["report", "--db", str(db), "--out", str(out), "--force"]) == 0
    data = json.loads((out / "results.json").read_text())
    assert data["run"]["id"] == 4 and data["partial"] is True  # the latest run
    assert main(["report", "42", "--db", str(db), "--out", str(tmp_path / "x")]) == 2
    assert "recent run ids" in capsys.readouterr().err


def test_run_ratio_is_deterministic_centred_and_from_whole_rounds() -> None:
    a = [[100.0 + i % 7 + r for i in range(50)] for r in range(6)]
    b = [[200.0 + i % 7 + 2 * r for i in range(50)] for r in range(6)]
    first = ratio_of_medians(a, b)
    assert first == ratio_of_medians(a, b)
    assert first[1] <= first[0] <= first[2] and first[0] == pytest.approx(200 / 100, rel=0.05)
    # too few rounds: a point ratio but no interval (never an interval from samples)
    short = ratio_of_medians(a[:3], b[:3])
    assert math.isnan(short[1]) and short[0] == pytest.approx(2.0, rel=0.05)
