"""``stackpick env`` (this machine's fingerprint and the backends it can run) and
``stackpick history`` (stored runs)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from stackpick.cli import validate
from stackpick.cli.options import Db, ForceJson, Json
from stackpick.cli.output import console, write_json
from stackpick.errors import UserError


def env(
    threads: Annotated[int | None, typer.Option(help="Thread count to record.")] = None,
    json_out: Json = None,
    force: ForceJson = False,
) -> None:
    """Print this machine's fingerprint (CPU, memory, GPUs, OS, Python, framework versions)
    and every registered backend: whether it can run here, or what to install."""
    from stackpick.harness import fingerprint
    from stackpick.pipeline import resolve_threads

    validate.output_file(json_out, "--json", force)
    fp = fingerprint.collect(resolve_threads(threads))
    backends = backend_table()
    if json_out:
        write_json(json_out, {**fp, "backends": backends}, force)
        if json_out == "-":
            return
    out = console()
    for key, value in {**fp, "backends": backends}.items():
        if isinstance(value, dict):
            out.print(Text(key, style="bold"))
            for k, v in value.items():
                out.print(Text(f"  {k}: {v}"))
        else:
            out.print(Text.assemble((key, "bold"), f": {value}"))


def backend_table() -> dict[str, str]:
    """Backend name -> "available (role, from DIST); variants: ..." or what to install (no
    framework is imported: availability is found by module name)."""
    from stackpick.registry import all_specs, problems

    out = {}
    for spec in all_specs().values():
        origin = "" if spec.source == "stackpick" else f", from {spec.source}"
        missing = spec.unavailable_reason()
        shown = spec.variant_names
        named = f"; variants: {', '.join(shown)}" if shown != ("default",) else ""
        out[spec.name] = (f"not available: {missing}" if missing else
                          f"available ({spec.role}{origin}){named}")
    out.update({name: f"broken: {why}" for name, why in problems().items() if name not in out})
    return out


def history(
    limit: Annotated[int, typer.Option(help="How many recent runs.")] = 20,
    db: Db = None,
    json_out: Json = None,
    force: ForceJson = False,
) -> None:
    """List stored runs, newest first."""
    from rich.table import Table

    from stackpick.store import iter_runs_json, open_store

    if limit < 1:
        raise UserError(f"--limit {limit} must be at least 1")
    limit = min(limit, 2**63 - 1)  # SQLite's largest integer: every run
    validate.output_file(json_out, "--json", force)
    with open_store(db) as store:
        rows = list(iter_runs_json(store, limit))
    if json_out:
        write_json(json_out, rows, force)
        if json_out == "-":
            return
    if not rows:
        console().print("no runs yet: try `stackpick bench`")
        return
    table = Table("id", "kind", "status", "started", "cells", "ok", "failed", "command")
    for r in rows:
        table.add_row(str(r["id"]), r["kind"], r["status"], r["started_at"], str(r["cells"]),
                      str(r["ok"]), str(r["failed"]), (r["command"] or "")[-60:])
    console().print(table)
    for r in rows:  # including runs whose process died without saying so
        if r["status"] == "interrupted" and r["kind"] in ("bench", "run"):
            console().print(f"run {r['id']} was interrupted; finish it with: stackpick "
                            f"{r['kind']} --resume {r['id']}", markup=False)
