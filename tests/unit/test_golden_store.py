"""A store written by stackpick 0.1.0 (schema 1, before the layout refactor) still opens,
migrates and renders exactly as that version rendered it: terminal, Markdown and JSON.

The fixture and the golden files were made by that version (tests/data/stores/make_v1_store.py
says how). A deliberate change of what a report shows updates the golden files with
``python tests/unit/test_golden_store.py`` (review the diff: it is the change users see).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from rich.console import Console

from stackpick.analysis.run_view import load_results
from stackpick.report.jsondoc import report_json
from stackpick.report.markdown import render_markdown
from stackpick.report.terminal import print_results
from stackpick.store import SCHEMA_VERSION, open_store

DATA = Path(__file__).parents[1] / "data" / "stores"
RUNS = (1, 2, 3)  # a bench, a `run` with advice, a user's model with conversions
VERSION = re.compile(r'("version": |stackpick |schema )"?\d+(\.\d+\.\d+[^"\s]*)?"?')


def render(db: Path, run: int) -> dict[str, str]:
    """The three renderings of one stored run, as text."""
    with open_store(db) as store:
        res = load_results(store, run)
    advice = res.run.notes.get("advice")
    console = Console(file=io.StringIO(), width=160, color_system=None, highlight=False)
    print_results(res, console)
    return {"txt": console.file.getvalue(), "md": render_markdown(res, advice),
            "json": json.dumps(report_json(res, advice), indent=2, default=str) + "\n"}


def _normal(text: str) -> str:
    return VERSION.sub(r"\1<version>", text)


def _json(text: str) -> dict:
    """A JSON document with its version strings (the package's, not the schema) blanked."""
    return json.loads(re.sub(r'("version": )"\d+\.\d+\.\d+[^"]*"', r'\1"<version>"', text))


@pytest.fixture
def v1_store(tmp_path: Path) -> Path:
    db = tmp_path / "v1.db"
    shutil.copy(DATA / "v1.db", db)  # opening migrates: never touch the fixture itself
    return db


def _schema1(doc: dict) -> dict:
    """A schema-1 document as schema 2 has it: conversions left ``groups`` (they were cells
    of task ``convert``) for a ``conversions`` list of their own."""
    groups, moved = [], []
    for g in doc["groups"]:
        (moved if g["cells"] and g["cells"][0]["task"] == "convert" else groups).append(g)
    paths = [(c["id"], c["backend"], c["status"], c["reason"]) for g in moved for c in g["cells"]]
    return {**doc, "groups": groups, "schema": 2, "conversions": paths}


@pytest.mark.parametrize("run", RUNS)
def test_a_v1_store_renders_as_v1_rendered_it(v1_store: Path, run: int) -> None:
    for ext, text in render(v1_store, run).items():
        golden = (DATA / "golden" / f"run{run}.{ext}").read_text()
        if ext == "json":
            new, old = _json(text), _schema1(_json(golden))
            new["conversions"] = [(c["id"], c["path"], c["status"], c["reason"])
                                  for c in new["conversions"]]
            # a key added since (compatible): these runs measured no transformation task
            assert new.pop("capabilities") == []
            assert new == old, f"run{run}.json differs from the golden file"
        else:
            assert _normal(text) == _normal(golden), f"run{run}.{ext} differs from the golden"


def test_opening_a_v1_store_migrates_it_to_the_current_schema(v1_store: Path) -> None:
    with open_store(v1_store) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [r.id for r in store.runs()] == [3, 2, 1]


if __name__ == "__main__":  # regenerate the golden files from the fixture (then schema 2)
    copy = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/stackpick-golden.db")
    shutil.copy(DATA / "v1.db", copy)
    for run in RUNS:
        for ext, text in render(copy, run).items():
            (DATA / "golden" / f"run{run}.{ext}").write_text(text)
