"""Interruption and concurrency: nothing measured is lost, the store stays consistent."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stackpick.store import open_store

BATCHES = "1,2,3,4,5,6,7,8"
STUDY = ["bench", "--backends", "fake:latency=1000", "--batch", BATCHES, "--quick"]
# Decided groups are committed together at the end of a pass, so a study of only passing cells
# can be complete by the time the test sees its first cells. A cell that fails at setup is
# committed at once, during the first pass: one per group keeps the study running long after
# the first rows appear (8 groups of the first pass, then the second pass).
FAILING = "fake:latency=1000,fake:fail=raise"


def start(db: Path, *extra: str, backends: str = "fake:latency=1000") -> subprocess.Popen:
    study = [*STUDY[:2], backends, *STUDY[3:]]
    return subprocess.Popen([sys.executable, "-m", "stackpick", *study, "--db", str(db), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_cells(db: Path, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                conn = sqlite3.connect(db, timeout=5)
                n = conn.execute("SELECT count(*) FROM cells").fetchone()[0]
                conn.close()
                if n >= count:
                    return
            except sqlite3.OperationalError:
                pass  # schema not created yet
        time.sleep(0.05)
    raise AssertionError(f"no {count} cells in {db} within {timeout} s")


def test_sigint_keeps_measured_cells_and_says_how_to_resume(tmp_path):
    db = tmp_path / "s.db"
    proc = start(db, backends=FAILING)
    wait_for_cells(db, 2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted:" in err and "stackpick bench --resume 1" in err
    assert "Traceback" not in err
    with open_store(db) as store:
        assert store.get_run(1).status == "interrupted"
        cells = store.cells(1)
        assert 2 <= len(cells) < 16
        assert {c.status for c in cells if c.variant == "fail=raise"} == {"error"}
        # a group is committed once decided, with every sample of every block
        assert all(store.rounds(c.id) for c in cells if c.status == "ok")


def test_sigkill_then_resume_measures_only_the_missing_cells(tmp_path):
    db = tmp_path / "s.db"
    proc = start(db, backends=FAILING)
    wait_for_cells(db, 2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    with open_store(db) as store:
        before = {c.key: c.id for c in store.cells(1)}
        # it died without saying goodbye: its recorded pid and start time tell
        assert store.get_run(1).status == "interrupted"
    resumed = subprocess.run([sys.executable, "-m", "stackpick", "bench", "--resume", "1",
                              "--db", str(db)], capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    with open_store(db) as store:
        after = {c.key: c.id for c in store.cells(1)}
        assert store.get_run(1).status == "complete"
        assert len(after) == 16
        assert all(after[k] == v for k, v in before.items())  # earlier cells untouched
        statuses = sorted((c.backend + ":" + c.variant, c.status) for c in store.cells(1))
        assert statuses == [("fake:fail=raise", "error")] * 8 + [("fake:latency=1000", "ok")] * 8


def test_two_studies_writing_one_store_lose_no_rows(tmp_path):
    db = tmp_path / "shared.db"
    procs = [start(db), start(db)]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
    with open_store(db) as store:
        runs = store.runs()
        assert len(runs) == 2
        for run in runs:
            cells = store.cells(run.id)
            assert len(cells) == 8 and all(store.rounds(c.id) for c in cells)


@pytest.mark.skipif(sys.platform != "linux", reason="network namespaces need Linux")
def test_study_runs_without_network(tmp_path):
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("unshare -n is not permitted here (needs root or user namespaces)")
    db = tmp_path / "s.db"
    proc = subprocess.run(["unshare", "-n", sys.executable, "-m", "stackpick", "bench",
                           "--backends", "fake", "--batch", "1", "--quick", "--db", str(db)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    with open_store(db) as store:
        assert [c.status for c in store.cells(1)] == ["ok"]
