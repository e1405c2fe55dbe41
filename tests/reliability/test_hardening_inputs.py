"""Hostile or unlucky input: profiles that explode, flags that are empty or out of range, files
in the way, a full disk, a read-only store, hand-edited rows, a zip bomb, a parser-exhausting
model file, a request to the page server under another name. Each gives one clear line
(exit 2) or a recorded fault, never a traceback or a hang, and stores nothing it should not.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from stackpick import store as store_module
from stackpick.cli import main
from stackpick.store import open_store
from stackpick.worker.backends.browser.server import PageServer

FAKE = ["bench", "--backends", "fake", "--batch", "1", "--quick", "--max-time", "0.1",
        "--no-cold-start"]
BIG = str(2**64)
MEMORY_CAP = 500 * 2**20  # a regression must fail here, not take the machine down


def one_line(code: int, err: str) -> str:
    assert code == 2, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    return lines[0]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


def runs_stored(db: Path) -> int:
    if not db.exists():
        return 0
    with open_store(db) as store:
        return len(store.runs())


def capped(*args: str) -> subprocess.CompletedProcess[str]:
    """A command under an address-space cap and a time limit."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    return subprocess.run([sys.executable, "-m", "stackpick", *args], capture_output=True,
                          text=True, timeout=60, preexec_fn=cap)


ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True))


@pytest.mark.parametrize("text,expected", [
    (ALIAS_BOMB, "aliases expand to more than 10,000 values"),
    ("a: &a [*a]\n", "refer to themselves"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 20 levels deep"),
])
def test_profiles_that_explode_are_one_line_under_a_memory_cap(tmp_path: Path, text: str,
                                                               expected: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    assert len(ALIAS_BOMB) < 400  # the 368-byte bomb took over 3 GB
    r = capped("advise", "--profile", str(path))
    assert expected in one_line(r.returncode, r.stderr)


def test_an_endless_profile_file_is_read_with_a_bound() -> None:
    r = capped("advise", "--profile", "/dev/zero")
    assert "larger than 64 KiB" in one_line(r.returncode, r.stderr)


@pytest.mark.parametrize("args,expected", [
    (["--backends", ""], "--backends is empty"),
    (["--batch", ""], "--batch is empty"),
    (["--batch", ","], "--batch is empty"),
    (["--train-batch", ""], "--train-batch is empty"),
    (["--timeout", "-1"], "--timeout -1.0 must be a positive number"),
    (["--timeout", "nan"], "--timeout nan must be a positive number"),
    (["--memory-limit", "-5"], "--memory-limit -5 must be between 0"),
    (["--max-time", "inf"], "--max-time inf must be a positive number"),
    (["--batch", "100000000000"], "--batch 100000000000: a mlp batch that large needs"),
    (["--nodes", ""], "--nodes is empty"),
    (["--input-shape", ""], "--input-shape is empty"),
    (["--resume", BIG], "is not a run id"),
])
def test_bad_bench_flags_are_refused_before_a_run_is_stored(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str],
        expected: str) -> None:
    db = tmp_path / "s.db"
    code, err = run(capsys, "bench", "--backends", "fake", *args, "--db", str(db))
    assert expected in one_line(code, err)
    assert runs_stored(db) == 0


@pytest.mark.parametrize("args", [
    ["report", BIG], ["compare", "1", BIG], ["advise", "--defaults", "--run", BIG],
    ["run", "--resume", BIG], ["compare", "1", "1", "--threshold", "nan"],
    ["advise", "--expertise", ""], ["advise", "--need", ""], ["run", "--defaults",
                                                              "--input-dtype", ""],
])
def test_other_bad_flags_are_one_line(capsys: pytest.CaptureFixture[str], args: list[str]
                                      ) -> None:
    one_line(*run(capsys, *args))


def test_json_output_never_replaces_a_file_silently(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    out, outside = tmp_path / "r.json", tmp_path / "outside.txt"
    out.write_text("mine")
    code, err = run(capsys, *FAKE, "--json", str(out))
    assert "already exists; pass --force" in one_line(code, err)
    assert out.read_text() == "mine" and runs_stored(Path(os.environ["STACKPICK_DB"])) == 0
    outside.write_text("keep")
    out.unlink()
    out.symlink_to(outside)  # a link at the named path: replaced, never written through
    assert main([*FAKE, "--json", str(out), "--force"]) == 0
    assert outside.read_text() == "keep" and not out.is_symlink()
    assert '"groups"' in out.read_text()
    capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
    code, err = run(capsys, "env", "--json", str(tmp_path))
    assert "is a directory" in one_line(code, err)


def _limited_connect(max_pages: int, readonly: bool = False):
    original = store_module._connect

    def connect(path: Path) -> sqlite3.Connection:
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30.0)
            conn.row_factory = sqlite3.Row
            return conn
        conn = original(path)
        conn.execute(f"PRAGMA max_page_count = {max_pages}")
        return conn
    return connect


def test_a_full_disk_is_one_line_and_keeps_what_was_committed(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "s.db"
    with open_store(db):
        pass  # the schema, before the disk "fills up"
    pages = sqlite3.connect(db).execute("PRAGMA page_count").fetchone()[0]
    monkeypatch.setattr(store_module, "_connect", _limited_connect(pages + 40))
    code, err = run(capsys, "bench", "--backends", "fake:latency=50,fake:latency=60",
                    "--batch", "1,2,3,4,5,6,7,8", "--quick", "--max-time", "0.3",
                    "--no-cold-start", "--db", str(db))
    assert code == 2 and "the disk is full" in one_error(err), err
    monkeypatch.undo()
    with open_store(db) as store:
        assert store.get_run(1).status in ("running", "interrupted")
        assert store.block_count(1)[0] > 0  # the blocks committed before the disk filled


def one_error(err: str) -> str:
    """The error line of a study's stderr (the progress bar may sit above it)."""
    assert "Traceback" not in err
    return [ln for ln in err.splitlines() if ln.startswith("Error: ")][-1]


def test_a_read_only_store_is_named_as_such(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "s.db"
    assert main([*FAKE, "--db", str(db)]) == 0
    capsys.readouterr()
    monkeypatch.setattr(store_module, "_connect", _limited_connect(0, readonly=True))
    code, err = run(capsys, *FAKE, "--db", str(db))
    assert code == 2 and "it is read-only" in one_error(err)
    assert "may be corrupt" not in err


def test_hand_edited_rows_are_read_around_or_one_line(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    """A value of the wrong type is kept aside and the rest renders (protocol/tolerant.py);
    a row that cannot be read at all is one line naming it."""
    db = tmp_path / "s.db"
    assert main([*FAKE, "--db", str(db)]) == 0
    capsys.readouterr()
    for edit, unreadable in (("UPDATE cells SET metrics_json = '{\"memory\": 5}'", False),
                             ("UPDATE cells SET metrics_json = '{not json'", True),
                             ("UPDATE samples SET value_ns = 'zz'", True),
                             ("UPDATE runs SET fingerprint_json = '3'", True)):
        copy = tmp_path / "edited.db"
        copy.write_bytes(db.read_bytes())
        for side in ("-wal", "-shm"):
            if Path(f"{db}{side}").exists():
                Path(f"{copy}{side}").write_bytes(Path(f"{db}{side}").read_bytes())
        conn = sqlite3.connect(copy)
        conn.execute(edit)
        conn.commit()
        conn.close()
        code, err = run(capsys, "report", "1", "--db", str(copy), "--out",
                        str(tmp_path / "rep"), "--force")
        if unreadable:
            assert "edited by hand" in one_line(code, err), edit
        else:
            assert code == 0 and "Traceback" not in err, (edit, err)


def test_a_keras_zip_bomb_is_not_unpacked(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    bomb = tmp_path / "model.keras"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", "{}")
        z.writestr("metadata.json", b" " * (8 * 2**20))  # 8 MiB of spaces in ~8 KB
    code, err = run(capsys, "bench", "--model", str(bomb))
    assert "metadata.json of 8,388,608 bytes" in one_line(code, err)


def test_a_model_file_that_exhausts_the_parser_is_one_line(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    source = tmp_path / "deep.py"
    source.write_text("x = " + "+".join(["1"] * 150_000) + "\ndef build():\n    pass\n")
    code, err = run(capsys, "bench", "--model", f"{source}:build")
    assert "cannot be parsed (RecursionError" in one_line(code, err)


def test_the_page_server_answers_only_its_own_host(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>hi</p>")
    server = PageServer(tmp_path)
    try:
        with urllib.request.urlopen(f"{server.origin}/index.html") as r:
            assert r.status == 200
        rebound = urllib.request.Request(f"{server.origin}/index.html",
                                         headers={"Host": "evil.example:80"})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(rebound)
        info.value.close()
        assert info.value.code == 421
    finally:
        server.close()
