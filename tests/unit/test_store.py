import os
import signal
import sqlite3

import pytest

import stackpick.store as store_module
from stackpick.errors import StoreError, UserError
from stackpick.protocol.cells import Cell
from stackpick.protocol.runs import PlanRecord
from stackpick.store import SCHEMA_VERSION, open_store


def _cell(backend="fake", batch=1):
    return Cell("mlp", backend, "default", "inference", batch)


def test_cells_and_samples_round_trip(tmp_path):
    with open_store(tmp_path / "s.db") as store:
        run = store.create_run("bench", PlanRecord([], 1), {"cpu": {"model": "x"}})
        cid = store.save_cell(run, _cell(), "ok", {"latency_ns": {"median": 5.0}},
                              rounds=[[1.0, 2.0], [3.0]])
        store.save_cell(run, _cell(batch=8), "crash", {}, reason="boom", error_tail="tail")
        assert store.rounds(cid) == [[1.0, 2.0], [3.0]]
        cells = store.cells(run)
        assert [c.status for c in cells] == ["ok", "crash"]
        assert cells[1].reason == "boom" and cells[1].error_tail == "tail"
        assert store.done_keys(run) == {c.key for c in cells}
        failures = store.conn.execute("SELECT status FROM failures").fetchall()
        assert [f[0] for f in failures] == ["crash"]


def test_schema_version_is_recorded(tmp_path):
    open_store(tmp_path / "s.db").close()
    conn = sqlite3.connect(tmp_path / "s.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_schema_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer stackpick"):
        open_store(path)
    assert path.read_bytes() == before


def test_corrupt_file_gets_a_clear_message(tmp_path):
    path = tmp_path / "bad.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="corrupt or not a database"):
        open_store(path)
    assert path.read_bytes() == b"this is not sqlite" * 100


def test_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE mine (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a stackpick store"):
        open_store(path)


def test_directory_as_db_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="is a directory"):
        open_store(tmp_path)


def test_unknown_run_lists_recent_ids(tmp_path):
    with open_store(tmp_path / "s.db") as store:
        run = store.create_run("bench", PlanRecord([], 1), {})
        with pytest.raises(UserError, match=f"recent run ids: {run}"):
            store.get_run(999)


def test_paired_ratios_only_within_a_session_and_every_cell_ranked(tmp_path):
    from stackpick.analysis.run_view import load_results

    with open_store(tmp_path / "s.db") as store:
        run = store.create_run("bench", PlanRecord([], 1), {})
        rounds = [[100.0]] * 8
        store.save_cell(run, _cell("fake"), "ok", {"session": "a"}, rounds=rounds)
        store.save_cell(run, Cell("mlp", "fake", "slow", "inference", 1), "ok",
                        {"session": "b"}, rounds=[[300.0]] * 8)  # resumed: other rounds
        (group,) = load_results(store, run).groups
        (cmp,) = group.comparisons  # across sessions: compared, but not by paired rounds
        assert not cmp.paired and "unpaired" in cmp.sentence()
        store.save_cell(run, Cell("mlp", "fake", "slower", "inference", 1), "ok",
                        {"session": "a"}, rounds=[[200.0]] * 8)
        (group,) = load_results(store, run).groups
        assert [c.slow.label for c in group.comparisons] == ["fake:slower", "fake:slow"]
        assert [c.paired for c in group.comparisons] == [True, False]


def test_ctrl_c_during_finish_run_still_records_the_status(tmp_path, monkeypatch):
    """SIGINT arriving mid-update is held until the status is committed, then raised."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with open_store(tmp_path / "s.db") as store:
            run = store.create_run("bench", PlanRecord([], 1), {})
            real_now = store_module.now

            def now_with_ctrl_c() -> str:  # called inside the update, before its commit
                os.kill(os.getpid(), signal.SIGINT)
                return real_now()

            monkeypatch.setattr(store_module, "now", now_with_ctrl_c)
            with pytest.raises(KeyboardInterrupt):
                store.finish_run(run, "interrupted")
            assert store.get_run(run).status == "interrupted"
    finally:
        signal.signal(signal.SIGINT, previous)
