"""Faults around processes: secrets in the environment, interrupts and kills, a killed worker,
a hung worker whose parent dies, two resumes, an unreachable cluster, temporary files.
Each test runs the product as a user would (``python -m stackpick`` with the fake backend) and
checks the exit code, the one line it prints and what the store and the temp directory keep.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from stackpick.store import open_store

STUDY = ["bench", "--backends", "fake:latency=1000,fake:latency=2000", "--batch",
         "1,2,3,4,5,6,7,8", "--quick", "--no-cold-start"]
SECRETS = {"TF_TOKEN_app_terraform_io": "tok-3141-SECRET", "TF_VAR_db_password": "hunter2-SECRET",
           "AWS_SECRET_ACCESS_KEY": "aws-2718-SECRET", "HF_TOKEN": "hf_1618-SECRET"}


def env_with(tmp: Path, **extra: str) -> dict[str, str]:
    """The child's environment: a private temp directory (so leftovers can be counted)."""
    tmp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmp), **extra}


def stackpick(*args: str, env: dict[str, str] | None = None, timeout: float = 120
              ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stackpick", *args], capture_output=True,
                          text=True, env=env, timeout=timeout)


def start(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "stackpick", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def error_line(stderr: str) -> str:
    """The one error line of a failed command (and never a traceback)."""
    assert "Traceback" not in stderr, stderr
    errors = [ln for ln in stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def wait_for(query: str, db: Path, at_least: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = sqlite3.connect(db, timeout=5)
            n = conn.execute(query).fetchone()[0]
            conn.close()
            if n >= at_least:
                return
        except sqlite3.OperationalError:
            pass  # not created yet
        time.sleep(0.05)
    raise AssertionError(f"{query} stayed below {at_least} in {db}")


def gone(pid: int, timeout: float = 5) -> bool:
    """The process ended (a zombie waiting for its reaper counts as ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def settle_empty(path: Path, timeout: float = 5) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(path.iterdir()):
        time.sleep(0.1)
    return sorted(p.name for p in path.iterdir())


def test_no_planted_secret_reaches_any_output(tmp_path: Path) -> None:
    env = env_with(tmp_path / "tmp", **SECRETS, STACKPICK_DB=str(tmp_path / "s.db"))
    results = [
        stackpick("bench", "--backends", "fake", "--batch", "1", "--quick", "--max-time", "0.1",
                  "--json", str(tmp_path / "bench.json"), env=env),
        stackpick("report", "1", "--out", str(tmp_path / "report"), env=env),
        stackpick("env", env=env), stackpick("env", "--json", "-", env=env),
        stackpick("history", "--json", "-", env=env),
    ]
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    texts = [r.stdout + r.stderr for r in results]
    texts += [p.read_bytes().decode("utf-8", "replace") for p in tmp_path.rglob("*")
              if p.is_file()]  # bench.json, index.html, report.md, results.json, the store
    assert len(texts) >= 9
    for name, value in SECRETS.items():
        assert not [t for t in texts if value in t or name in t], name


def test_interrupt_keeps_blocks_and_resume_goes_on_from_them(tmp_path: Path) -> None:
    db, env = tmp_path / "s.db", env_with(tmp_path / "tmp")
    proc = start(*STUDY, "--db", str(db), env=env)
    wait_for("SELECT count(*) FROM blocks", db, 4)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "process blocks" in error_line(err)
    assert "stackpick bench --resume 1" in err
    with open_store(db) as store:
        kept = store.blocks(1)
        assert kept and store.get_run(1).status == "interrupted"
    resumed = stackpick("bench", "--resume", "1", "--db", str(db), env=env)
    assert resumed.returncode == 0, resumed.stderr
    with open_store(db) as store:
        cells = {c.key: c for c in store.cells(1)}
        assert len(cells) == 16 and not store.blocks(1)
        for key, blocks in kept.items():  # carried on in the same session, same first rounds
            assert cells[key].metrics.session == blocks[0].session
            assert store.rounds(cells[key].id)[:3] == blocks[0].rounds
    assert settle_empty(tmp_path / "tmp") == []


def test_hung_worker_dies_with_its_killed_parent_and_nothing_is_left(tmp_path: Path) -> None:
    db, env = tmp_path / "s.db", env_with(tmp_path / "tmp")
    proc = start("bench", "--backends", "fake:fail=hang", "--batch", "1", "--quick",
                 "--timeout", "600", "--db", str(db), env=env)
    deadline, workers = time.monotonic() + 60, []
    while not workers and time.monotonic() < deadline:
        workers = [p for p in psutil.Process(proc.pid).children(recursive=True)
                   if "stackpick.worker" in " ".join(p.cmdline())]
        time.sleep(0.1)
    assert workers, "no worker started"
    time.sleep(1.0)  # into the hang
    proc.kill()
    proc.communicate(timeout=30)
    assert all(gone(w.pid) for w in workers)  # PR_SET_PDEATHSIG
    assert settle_empty(tmp_path / "tmp") == []  # the reaper removed the run directory
    listing = stackpick("history", "--db", str(db), env=env)
    assert "interrupted" in listing.stdout
    assert "finish it with: stackpick bench --resume 1" in listing.stdout


def test_sigterm_ends_a_study_like_ctrl_c(tmp_path: Path) -> None:
    db, env = tmp_path / "s.db", env_with(tmp_path / "tmp")
    proc = start(*STUDY, "--db", str(db), env=env)
    wait_for("SELECT count(*) FROM blocks", db, 2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted:" in error_line(err)
    with open_store(db) as store:
        assert store.get_run(1).status == "interrupted" and store.blocks(1)
    assert settle_empty(tmp_path / "tmp") == []


def test_a_run_is_resumed_by_one_process_at_a_time(tmp_path: Path) -> None:
    db, env = tmp_path / "s.db", env_with(tmp_path / "tmp")
    first = start(*STUDY, "--db", str(db), env=env)
    wait_for("SELECT count(*) FROM blocks", db, 2)
    first.kill()
    first.communicate(timeout=30)
    resuming = start("bench", "--resume", "1", "--db", str(db), env=env)
    try:
        wait_for(f"SELECT count(*) FROM runs WHERE owner_pid = {resuming.pid}", db, 1)
        second = stackpick("bench", "--resume", "1", "--db", str(db), env=env)
        assert second.returncode == 2
        assert f"being measured by process {resuming.pid}" in error_line(second.stderr)
    finally:
        resuming.kill()
        resuming.communicate(timeout=30)


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed")
def test_a_cluster_address_with_nothing_listening_fails_at_once(tmp_path: Path) -> None:
    with socket.socket() as s:  # a free port: nothing listens there once it is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    r = stackpick("bench", "--workload", "mlp", "--backends", "torch", "--batch", "1",
                  "--ray", f"127.0.0.1:{port}", "--db", str(tmp_path / "s.db"),
                  env=env_with(tmp_path / "tmp"), timeout=60)
    assert r.returncode == 2 and "nothing answers there" in error_line(r.stderr)
    assert time.monotonic() - started < 30
    if (tmp_path / "s.db").exists():  # refused before the run was stored
        with open_store(tmp_path / "s.db") as store:
            assert not store.runs()


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed")
def test_joining_a_cluster_that_never_answers_stops_at_the_limit() -> None:
    code = ("import time\nimport stackpick.harness.ray_executor as rx\nrx.CONNECT_LIMIT_S = 0.5\n"
            "try:\n    rx._within_limit('10.0.0.1:6379', lambda: time.sleep(60))\n"
            "except Exception as exc:\n    print(type(exc).__name__, exc)\n")
    started = time.monotonic()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "UserError --ray 10.0.0.1:6379: no Ray cluster answered within" in r.stdout
    assert time.monotonic() - started < 20  # the abandoned join does not hold the exit


def test_a_killed_worker_leaves_a_warning_where_its_figures_are_missing(tmp_path: Path) -> None:
    env = env_with(tmp_path / "tmp", STACKPICK_DB=str(tmp_path / "s.db"))
    r = stackpick("bench", "--backends", "fake,fake:fail=crash+at=memory", "--batch", "1",
                  "--quick", "--max-time", "0.1", "--no-cold-start",
                  "--json", str(tmp_path / "r.json"), env=env)
    assert r.returncode == 0, r.stderr
    fault = "worker failure: crash in the memory pass (worker killed by SIGABRT)"
    assert fault in r.stdout and "not measured: peak memory" in r.stdout
    cells = {c["variant"]: c for g in json.loads((tmp_path / "r.json").read_text())["groups"]
             for c in g["cells"]}
    crashed = cells["fail=crash+at=memory"]
    assert crashed["status"] == "ok" and any(fault in w for w in crashed["metrics"]["warnings"])
    assert not cells["default"]["metrics"]["warnings"] or all(
        "worker failure" not in w for w in cells["default"]["metrics"]["warnings"])
    assert stackpick("report", "--out", str(tmp_path / "rep"), env=env).returncode == 0
    for name in ("index.html", "report.md", "results.json"):
        assert "worker failure: crash in the memory pass" in (tmp_path / "rep" / name).read_text()


def test_ctrl_c_while_workers_start_does_not_wait_for_them(tmp_path: Path) -> None:
    """Workers that hang while importing their framework (here: in configure) are stopped
    at once by Ctrl-C, not waited for until the start timeout."""
    db, env = tmp_path / "s.db", env_with(tmp_path / "tmp")
    proc = start("bench", "--backends", "fake:fail=hang+at=configure,fake:latency=300+fail=hang"
                 "+at=configure", "--batch", "1", "--quick", "--db", str(db), env=env)
    wait_for("SELECT count(*) FROM runs", db, 1)
    deadline, workers = time.monotonic() + 30, []
    while len(workers) < 2 and time.monotonic() < deadline:
        workers = [p for p in psutil.Process(proc.pid).children(recursive=True)
                   if "stackpick.worker" in " ".join(p.cmdline())]
        time.sleep(0.1)
    assert len(workers) == 2
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    try:
        _, err = proc.communicate(timeout=30)
    finally:  # a regression hangs here: its workers go with it (they die with their parent)
        proc.kill()
    assert proc.returncode == 130 and "interrupted:" in error_line(err)
    assert time.monotonic() - started < 10  # the start timeout is 180 s
    assert all(gone(w.pid) for w in workers)
