"""`stackpick run` end to end with the fake backend standing in for the pipeline."""

from __future__ import annotations

import json

import pytest

from stackpick import pipeline
from stackpick.cli import main
from stackpick.harness.plan import plan_study
from stackpick.harness.stopping import StopRule
from stackpick.store import open_store


@pytest.fixture
def fake_study(monkeypatch):
    def plan_for(profile, *, quick, threads, device):
        return plan_study(["mlp"], [("fake", "latency=100"), ("fake", "latency=300")],
                          pipeline.GOAL_TASKS[profile.goal], [1], [4], 1, device,
                          StopRule.quick())
    monkeypatch.setattr(pipeline, "plan_for_profile", plan_for)


def test_run_measures_advises_and_writes_the_report(fake_study, capsys, tmp_path):
    out = tmp_path / "report"
    code = main(["run", "--defaults", "--out", str(out), "--db", str(tmp_path / "s.db")])
    stdout = capsys.readouterr().out
    assert code == 0
    assert "Recommended:" in stdout or "Tie between" in stdout
    assert f"report: {out / 'index.html'}" in stdout
    assert {p.name for p in out.iterdir()} == {"index.html", "report.md", "results.json"}
    data = json.loads((out / "results.json").read_text())
    assert data["advice"]["recommended"]
    with open_store(tmp_path / "s.db") as store:
        run = store.get_run(1)
        assert run.kind == "run" and run.notes.advice and run.notes.advice.recommended
        assert run.notes.profile and run.notes.profile["goal"] == "both"
        assert {c.task for c in store.cells(1)} == {"inference", "training"}


def test_goal_decides_the_tasks(fake_study, capsys, tmp_path):
    code = main(["run", "--goal", "inference", "--target", "x86-cpu", "--out",
                 str(tmp_path / "r"), "--db", str(tmp_path / "s.db")])
    capsys.readouterr()
    with open_store(tmp_path / "s.db") as store:
        assert code == 0 and {c.task for c in store.cells(1)} == {"inference"}


def test_existing_report_directory_is_refused_before_measuring(fake_study, capsys, tmp_path):
    out = tmp_path / "exists"
    out.mkdir()
    code = main(["run", "--defaults", "--out", str(out), "--db", str(tmp_path / "s.db")])
    err = capsys.readouterr().err
    assert code == 2 and "already exists; pass --force" in err
    assert not (tmp_path / "s.db").exists() or open_store(tmp_path / "s.db").runs() == []


def test_no_answers_without_a_terminal_is_one_line(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code = main(["run"])
    err = capsys.readouterr().err
    assert code == 2 and "no answers given: pass --defaults" in err


def test_ctrl_c_keeps_cells_and_writes_a_partial_report(fake_study, capsys, tmp_path,
                                                         monkeypatch):
    from stackpick.harness import study

    real_run_plan = study.run_plan

    def interrupted(plan, emit, **kwargs):
        plan.cells[:] = plan.cells[:2]  # measure the first group, then "press Ctrl-C"
        real_run_plan(plan, emit, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(study, "run_plan", interrupted)
    out = tmp_path / "partial"
    code = main(["run", "--defaults", "--out", str(out), "--db", str(tmp_path / "s.db")])
    err = capsys.readouterr().err
    assert code == 130 and "stackpick run --resume 1" in err and "partial report" in err
    assert "partial" in (out / "index.html").read_text().lower()


def test_resume_of_a_bench_run_says_what_to_do(capsys, tmp_path):
    db = str(tmp_path / "s.db")
    main(["bench", "--backends", "fake", "--batch", "1", "--quick", "--db", db])
    capsys.readouterr()
    with open_store(db) as store:
        store.finish_run(1, "interrupted")
    code = main(["run", "--resume", "1", "--db", db])
    err = capsys.readouterr().err
    assert code == 2 and "stackpick bench --resume 1" in err


def test_run_leaves_out_what_the_decision_does_not_need_and_says_why():
    from stackpick.profile import DEFAULT_PROFILE

    full = pipeline.plan_for_profile(DEFAULT_PROFILE, quick=False, threads=1, device="cpu")
    quick = pipeline.plan_for_profile(DEFAULT_PROFILE, quick=True, threads=1, device="cpu")
    assert "tensorflow:eager" not in {c.label for c in full.cells}
    assert "torch-compile" in {c.label for c in full.cells}
    assert not {"tensorflow:eager", "torch-compile"} & {c.label for c in quick.cells}
    assert set(quick.left_out) == {"tensorflow:eager", "torch-compile"}
    assert all(why for why in quick.left_out.values())
    assert {c.batch for c in full.cells if c.task == "inference"} == {1}
    again = pipeline.StudyPlan.from_json(quick.to_json())  # resume keeps the reasons
    assert again.left_out == quick.left_out
