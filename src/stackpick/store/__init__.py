"""SQLite store of runs, cells and samples. Schema versioned with ``PRAGMA user_version``.

Every finished process block is committed at once (``blocks``), and every finished cell with
its samples, so an interrupted study loses at most the block in flight. WAL mode and a busy
timeout let two studies write to one file at the same time. A write the disk refuses (full,
read-only) is one clear :class:`StoreError`; what was committed before stays.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from stackpick.errors import StoreError, UserError
from stackpick.protocol.blocks import CellBlock
from stackpick.protocol.cells import Cell, CellMetrics, CellResult, StoredCell
from stackpick.protocol.conversions import Conversion, StoredConversion
from stackpick.protocol.runs import PlanRecord, RunNotes, StoredRun
from stackpick.store.faults import ctrl_c_deferred, open_failure, unreadable, write_failure
from stackpick.store.owner import Owner
from stackpick.store.schema import SCHEMA_VERSION, prepare

__all__ = ["SCHEMA_VERSION", "Store", "open_store"]
MAX_ID = 2**63 - 1  # SQLite's INTEGER; a larger run id names no run


def conversion_group(cell: Cell) -> str:
    """The key a user model's conversions are filed under: ``model/convert/bN/device``, next to
    the ``model/inference/bN/device`` group of the cells they feed."""
    return f"{cell.workload}/convert/b{cell.batch}/{cell.device}"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def default_db_path() -> Path:
    """``$STACKPICK_DB``, else ``$XDG_DATA_HOME/stackpick/stackpick.db`` (~/.local/share)."""
    if os.environ.get("STACKPICK_DB"):
        return Path(os.environ["STACKPICK_DB"])
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "stackpick" / "stackpick.db"


class Store:
    """A connection to one store file. Use :func:`open_store` to get one."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction; a write the disk refuses is one clear line, and everything
        committed before it stays (SQLite rolls back only this transaction)."""
        try:
            with self.conn:
                yield
        except sqlite3.OperationalError as exc:
            raise StoreError(write_failure(self.path, exc)) from None

    # -- runs -------------------------------------------------------------------------------
    def create_run(self, kind: str, plan: PlanRecord, fingerprint: dict[str, Any],
                   command: str = "", notes: RunNotes | None = None) -> int:
        """A new run, ``running`` and owned by this process: its plan (plain JSON), the
        machine, its notes."""
        me = Owner.me()
        with self._writing():
            cur = self.conn.execute(
                "INSERT INTO runs (kind, status, started_at, command, plan_json,"
                " fingerprint_json, notes_json, owner_pid, owner_started, owner_host)"
                " VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)",
                (kind, now(), command, json.dumps(plan.to_dict()), json.dumps(fingerprint),
                 json.dumps((notes or RunNotes()).to_dict()), me.pid, me.started, me.host),
            )
        return int(cur.lastrowid or 0)

    def claim_run(self, run_id: int) -> StoredRun:
        """Make this process the owner of ``run_id`` (to resume it); refused while the
        process measuring it is alive, so two resumes never measure one run at once."""
        me = Owner.me()
        try:
            self.conn.execute("BEGIN IMMEDIATE")  # read and take over under one write lock
            run = self.get_run(run_id)
            owner = self._owner(run_id)
            if run.status == "running" and owner is not None and owner != me:
                self.conn.rollback()
                raise UserError(f"run {run_id} is being measured by process {owner.pid} "
                                "right now; wait for it to finish, or stop it (Ctrl-C) and "
                                "resume then")
            self.conn.execute("UPDATE runs SET status = 'running', owner_pid = ?,"
                              " owner_started = ?, owner_host = ? WHERE id = ?",
                              (me.pid, me.started, me.host, run_id))
            self.conn.commit()
        except sqlite3.OperationalError as exc:
            self.conn.rollback()
            raise StoreError(write_failure(self.path, exc)) from None
        except UserError:
            if self.conn.in_transaction:
                self.conn.rollback()
            raise
        return run

    def _owner(self, run_id: int) -> Owner | None:
        """The live owner of a run, or None (none recorded, or it is gone)."""
        row = self.conn.execute("SELECT owner_pid, owner_started, owner_host FROM runs"
                                " WHERE id = ?", (run_id,)).fetchone()
        if row is None or row[0] is None:
            return None
        owner = Owner(int(row[0]), float(row[1] or 0.0), str(row[2] or ""))
        return owner if owner.alive() else None

    def finish_run(self, run_id: int, status: str) -> None:
        # Ctrl-C during the commit would roll it back and leave the run "running" (seen when
        # it landed just as a study ended): SIGINT waits until the status is written.
        with ctrl_c_deferred(), self._writing():
            self.conn.execute("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?",
                              (status, now(), run_id))

    def save_notes(self, run_id: int, notes: RunNotes) -> None:
        """Replace the run's notes (e.g. with the advice `stackpick run` made added)."""
        with self._writing():
            self.conn.execute("UPDATE runs SET notes_json = ? WHERE id = ?",
                              (json.dumps(notes.to_dict()), run_id))

    def runs(self, limit: int = 20) -> list[StoredRun]:
        rows = self.conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        return [self._run(r) for r in rows]

    def get_run(self, run_id: int) -> StoredRun:
        row = None
        if 0 <= run_id <= MAX_ID:
            row = self.conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            recent = ", ".join(str(r.id) for r in self.runs(5)) or "none yet"
            raise UserError(f"no run {run_id} in {self.path}; recent run ids: {recent}")
        return self._run(row)

    def latest_run_id(self, kind: str | None = None) -> int | None:
        sql = "SELECT id FROM runs" + (" WHERE kind = ?" if kind else "") + " ORDER BY id DESC"
        row = self.conn.execute(sql, (kind,) if kind else ()).fetchone()
        return int(row[0]) if row else None

    def _run(self, row: sqlite3.Row) -> StoredRun:
        status = row["status"]
        if status == "running" and row["owner_pid"] is not None and not Owner(
                row["owner_pid"], row["owner_started"] or 0.0, row["owner_host"] or "").alive():
            status = "interrupted"  # its process died without saying so (SIGKILL, power)
        try:
            parts = [json.loads(row[k]) for k in ("plan_json", "fingerprint_json", "notes_json")]
            if not all(isinstance(p, dict) for p in parts):
                raise ValueError("plan, fingerprint and notes must be JSON objects")
            plan, notes = PlanRecord.from_dict(parts[0]), RunNotes.from_dict(parts[2])
        except (TypeError, ValueError, KeyError, AttributeError,
                msgspec.ValidationError) as exc:
            raise StoreError(unreadable(self.path, f"run {row['id']}", exc)) from None
        return StoredRun(row["id"], row["kind"], status, row["started_at"], row["finished_at"],
                         row["command"], plan, parts[1], notes)

    # -- cells ------------------------------------------------------------------------------
    def save_result(self, run_id: int, result: CellResult) -> int:
        """Store one finished cell and its samples in one transaction (committed at once)."""
        return self.save_cell(run_id, result.cell, result.status, result.metrics, result.reason,
                              result.error_tail, result.rounds)

    def save_cell(self, run_id: int, cell: Cell, status: str,
                  metrics: CellMetrics | dict[str, Any], reason: str | None = None,
                  error_tail: str | None = None,
                  rounds: Iterable[Iterable[float]] = ()) -> int:
        """:meth:`save_result` in parts; ``metrics`` may be the stored JSON shape (tests,
        imports), which is read as :meth:`CellMetrics.from_dict` reads a stored row."""
        if isinstance(metrics, dict):
            metrics = CellMetrics.from_dict(metrics)
        node = str((metrics.node or {}).get("name") or cell.node)
        with self._writing():
            cur = self.conn.execute(
                "INSERT OR REPLACE INTO cells (run_id, key, grp, workload, backend, variant, task,"
                " batch, device, status, reason, error_tail, metrics_json, created_at, node)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, cell.key, cell.group, cell.workload, cell.backend, cell.variant,
                 cell.task, cell.batch, cell.device, status, reason, error_tail,
                 json.dumps(metrics.to_dict()), now(), node),
            )
            cell_id = int(cur.lastrowid or 0)
            self.conn.executemany(
                "INSERT INTO samples (cell_id, round, value_ns) VALUES (?, ?, ?)",
                ((cell_id, r, v) for r, values in enumerate(rounds) for v in values),
            )
            # its blocks are in the samples now (the same transaction: never both, never none)
            self.conn.execute("DELETE FROM blocks WHERE run_id = ? AND key = ?",
                              (run_id, cell.key))
        return cell_id

    # -- blocks of cells still being measured -------------------------------------------------
    def save_blocks(self, run_id: int, group: str, blocks: Iterable[CellBlock]) -> None:
        """Commit one finished process block of a group (one record per cell), at once."""
        with self._writing():
            self.conn.executemany(
                "INSERT OR REPLACE INTO blocks (run_id, key, grp, block, state_json, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                ((run_id, b.key, group, b.block, json.dumps(b.to_json()), now())
                 for b in blocks))

    def blocks(self, run_id: int) -> dict[str, list[CellBlock]]:
        """The stored blocks of cells not yet stored, by cell key, in block order."""
        out: dict[str, list[CellBlock]] = {}
        for key, state in self.conn.execute(
                "SELECT key, state_json FROM blocks WHERE run_id = ? ORDER BY key, block",
                (run_id,)):
            try:
                out.setdefault(key, []).append(CellBlock.from_json(json.loads(state)))
            except (ValueError, msgspec.ValidationError):
                continue  # an unreadable block is measured again
        return out

    def block_count(self, run_id: int) -> tuple[int, int]:
        """(blocks, cells) kept for cells not yet stored."""
        row = self.conn.execute("SELECT count(*), count(DISTINCT key) FROM blocks"
                                " WHERE run_id = ?", (run_id,)).fetchone()
        return int(row[0]), int(row[1])

    def cells(self, run_id: int) -> list[StoredCell]:
        rows = self.conn.execute("SELECT * FROM cells WHERE run_id = ? ORDER BY id", (run_id,))
        return [self._cell(r) for r in rows]

    def done_keys(self, run_id: int) -> set[str]:
        """Keys a resume skips: a cell lost with its cluster node is measured again."""
        rows = self.conn.execute(
            "SELECT key FROM cells WHERE run_id = ? AND status != 'lost_node'", (run_id,))
        return {r[0] for r in rows}

    def rounds(self, cell_id: int) -> list[list[float]]:
        """Samples of one cell, grouped by interleaved round."""
        out: dict[int, list[float]] = {}
        for rnd, value in self.conn.execute(
            "SELECT round, value_ns FROM samples WHERE cell_id = ? ORDER BY rowid", (cell_id,)
        ):
            if not isinstance(value, float | int) or not isinstance(rnd, int):
                raise StoreError(unreadable(self.path, f"a sample of cell {cell_id}",
                                            ValueError(f"{value!r} is not a time")))
            out.setdefault(rnd, []).append(value)
        return [out[k] for k in sorted(out)]

    # -- conversions of a user's model --------------------------------------------------------
    def save_conversion(self, run_id: int, cell: Cell, conversion: Conversion) -> int:
        """Store one conversion path of the model that ``cell``'s group measures."""
        with self._writing():
            cur = self.conn.execute(
                "INSERT OR REPLACE INTO conversions (run_id, grp, model, path, status, reason,"
                " details_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, conversion_group(cell), cell.workload, conversion.path,
                 conversion.status,
                 conversion.reason, json.dumps(conversion.details()), now()))
        return int(cur.lastrowid or 0)

    def conversions(self, run_id: int) -> list[StoredConversion]:
        rows = self.conn.execute("SELECT * FROM conversions WHERE run_id = ? ORDER BY id",
                                 (run_id,))
        return [self._conversion(r) for r in rows]

    def _conversion(self, row: sqlite3.Row) -> StoredConversion:
        try:
            found = Conversion.from_details(row["path"], row["status"], row["reason"],
                                            json.loads(row["details_json"]))
        except (TypeError, ValueError, AttributeError, msgspec.ValidationError) as exc:
            raise StoreError(unreadable(self.path, f"conversion {row['id']}", exc)) from None
        return StoredConversion(**vars(found), id=row["id"],
                                run_id=row["run_id"], group=row["grp"], model=row["model"])

    def _cell(self, row: sqlite3.Row) -> StoredCell:
        try:
            metrics = CellMetrics.from_dict(json.loads(row["metrics_json"]))
        except (TypeError, ValueError, AttributeError, msgspec.ValidationError) as exc:
            raise StoreError(unreadable(self.path, f"cell {row['id']} of run {row['run_id']}",
                                        exc)) from None
        return StoredCell(row["id"], row["run_id"], row["key"], row["grp"], row["workload"],
                          row["backend"], row["variant"], row["task"], row["batch"],
                          row["device"], row["status"], row["reason"], row["error_tail"],
                          metrics, row["node"])

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30.0)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def open_store(path: Path | str | None = None) -> Store:
    """Open (creating if needed) the store at ``path``; clear errors for unusable files."""
    path = Path(path) if path else default_db_path()
    if path.is_dir():
        raise UserError(f"--db {path} is a directory; give a file such as {path}/stackpick.db")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(path)
    except (OSError, sqlite3.OperationalError) as exc:
        raise UserError(f"cannot open --db {path}: {exc}; choose a writable path") from None
    try:
        prepare(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(open_failure(path, exc)) from None
    except StoreError:
        conn.close()
        raise
    return Store(conn, path)


def iter_runs_json(store: Store, limit: int) -> Iterator[dict[str, Any]]:
    """History as plain dicts (for ``history --json``)."""
    for run in store.runs(limit):
        cells = store.cells(run.id)
        yield {
            "id": run.id, "kind": run.kind, "status": run.status,
            "started_at": run.started_at, "finished_at": run.finished_at,
            "command": run.command, "cells": len(cells),
            "ok": sum(c.status == "ok" for c in cells),
            "failed": sum(c.status != "ok" for c in cells),
            "cpu": run.fingerprint.get("cpu", {}).get("model"),
        }
