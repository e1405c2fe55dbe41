"""Many processes at once on one store file (heavy: 240 processes; the reliability tier)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

from stackpick.store import open_store


def _open_and_list(path: Path, answers: Any) -> None:
    try:
        with open_store(path) as store:
            store.runs()
        answers.put("ok")
    except Exception as exc:  # any failure is the answer the test checks
        answers.put(repr(exc))


def test_openers_racing_to_create_a_store_all_get_it(tmp_path):
    # The first opener creates the schema while the others check the file: a version and a
    # table count read in two statements once refused a brand-new store as "not a stackpick
    # store" (about 1 opener in 40 here).
    ctx = multiprocessing.get_context("fork")
    answers = ctx.Queue()
    for i in range(60):
        procs = [ctx.Process(target=_open_and_list, args=(tmp_path / f"s{i}.db", answers))
                 for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(30)
    got = [answers.get(timeout=5) for _ in range(240)]
    assert [g for g in got if g != "ok"] == []
