"""CLI behaviour with the fake backend: failures are data, bad input is one line."""

import json
import subprocess
import sys

import pytest

from stackpick.cli import main
from stackpick.store import open_store

FRAMEWORKS = ("torch", "tensorflow", "jax", "onnxruntime", "keras")


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_imports_no_framework():
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "stackpick", "--help"],
                          capture_output=True, text=True, check=True)
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    assert "stackpick.cli" in imported
    assert not imported & set(FRAMEWORKS), imported & set(FRAMEWORKS)


def test_failing_cells_are_stored_and_others_complete(capsys, tmp_path):
    db = tmp_path / "s.db"
    code, out, err = run_cli(
        capsys, "bench", "--backends", "fake,fake:fail=crash,fake:fail=hang,fake:fail=raise",
        "--batch", "1", "--quick", "--timeout", "3", "--db", str(db), "--json", "-")
    assert code == 0
    data = json.loads(out[out.index("{"):])
    statuses = {c["backend"] + ":" + c["variant"]: c["status"]
                for g in data["groups"] for c in g["cells"]}
    assert statuses == {"fake:default": "ok", "fake:fail=crash": "crash",
                        "fake:fail=hang": "timeout", "fake:fail=raise": "error"}
    cells = {c["variant"]: c for g in data["groups"] for c in g["cells"]}
    assert "SIGABRT" in cells["fail=crash"]["reason"]
    assert "RuntimeError" in cells["fail=raise"]["reason"]
    assert cells["default"]["metrics"]["latency_ns"]["n"] >= 10
    with open_store(db) as store:
        assert len(store.cells(store.latest_run_id())) == 4
    assert "crash" in err and "timeout" in err  # the progress display says so


def test_crash_during_timing_keeps_the_other_cells(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "bench", "--backends", "fake,fake:fail=crash+at=call+after=100",
                           "--batch", "1", "--quick", "--db", str(tmp_path / "s.db"))
    assert code == 0
    assert "crash fake:fail=crash+at=call+after=100: timing: worker killed by SIGABRT" in out
    assert "fake " in out


def test_parity_failure_is_not_timed(capsys, tmp_path):
    _, out, _ = run_cli(capsys, "bench", "--backends", "fake:fail=parity", "--batch", "1",
                           "--quick", "--db", str(tmp_path / "s.db"), "--json", "-")
    data = json.loads(out[out.index("{"):])
    cell = data["groups"][0]["cells"][0]
    assert cell["status"] == "fail_parity" and "latency_ns" not in cell["metrics"]


def test_thread_mismatch_is_a_fairness_error(capsys, tmp_path):
    _, out, _ = run_cli(capsys, "bench", "--backends", "fake:threads=7", "--batch", "1",
                           "--threads", "1", "--quick", "--db", str(tmp_path / "s.db"))
    assert "fairness: fake:threads=7 runs 7 intra-op threads, asked 1" in out


def test_ratio_line_names_the_faster_backend(capsys, tmp_path):
    _, out, _ = run_cli(capsys, "bench", "--backends", "fake:latency=100,fake:latency=300",
                           "--batch", "1", "--quick", "--db", str(tmp_path / "s.db"))
    assert "fake:latency=100 ran" in out and "faster than fake:latency=300" in out


@pytest.mark.parametrize(("args", "needle"), [
    (["bench", "--workload", "resnet"], "unknown workload 'resnet'"),
    (["bench", "--backends", "pytorch"], "unknown backend 'pytorch'"),
    (["bench", "--batch", "one"], "--batch 'one' is not a list of integers"),
    (["bench", "--batch", "0"], "--batch '0' needs positive integers"),
    (["bench", "--threads", "0"], "--threads 0 is out of range"),
    (["bench", "--threads", "x"], "Invalid value for '--threads'"),
    (["bench", "--task", "serving"], "--task 'serving' is not valid"),
    (["bench", "--device", "tpu"], "--device 'tpu' is not valid"),
    (["bench", "--nope"], "No such option"),
    (["history", "--limit", "0"], "--limit 0 must be at least 1"),
    (["bench", "--timeout", "inf"], "--timeout inf must be a positive number"),
    (["bench", "--max-time", "nan"], "--max-time nan must be a positive number"),
    (["bench", "--threads", "999"], "--threads 999 is out of range"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, args, needle):
    code, _, err = run_cli(capsys, *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and needle in lines[0]


def test_unreadable_db_is_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage" * 1000)
    code, _, err = run_cli(capsys, "history", "--db", str(bad))
    assert code == 2 and "corrupt or not a database" in err and len(err.splitlines()) == 1


def test_history_and_json(capsys, tmp_path):
    db = str(tmp_path / "s.db")
    run_cli(capsys, "bench", "--backends", "fake", "--batch", "1", "--quick", "--db", db)
    code, out, _ = run_cli(capsys, "history", "--db", db, "--json", "-")
    rows = json.loads(out)
    assert code == 0 and rows[0]["kind"] == "bench" and rows[0]["ok"] == 1


def test_env_prints_fingerprint_json(capsys):
    code, out, _ = run_cli(capsys, "env", "--json", "-")
    fp = json.loads(out)
    assert code == 0 and fp["cpu"]["logical"] >= 1 and "frameworks" in fp
    assert fp["worker_thread_variables"]["OMP_NUM_THREADS"] == str(fp["threads"])


def test_history_survives_a_closed_pipe(tmp_path):
    db = str(tmp_path / "s.db")
    for _ in range(2):
        subprocess.run([sys.executable, "-m", "stackpick", "bench", "--backends", "fake",
                        "--batch", "1", "--quick", "--db", db], capture_output=True, check=True)
    proc = subprocess.run(f"{sys.executable} -m stackpick history --db {db} | head -1",
                          shell=True, capture_output=True, text=True)
    assert "Traceback" not in proc.stderr


def test_failure_before_convergence_keeps_what_was_measured(capsys, tmp_path):
    _, out, _ = run_cli(capsys, "bench", "--backends", "fake:fail=raise+at=call+after=150",
                        "--batch", "1", "--quick", "--db", str(tmp_path / "s.db"), "--json", "-")
    data = json.loads(out[out.index("{"):])
    (cell,) = [c for g in data["groups"] for c in g["cells"]]
    assert cell["status"] == "error" and cell["metrics"]["parity"]["ok"]
    assert cell["metrics"]["first_call_s"] > 0
