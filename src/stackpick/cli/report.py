"""``stackpick report`` and ``stackpick compare``: re-render and compare stored runs.

Each command is a thin wrapper over a library call (:func:`render_run`, :func:`compare`)
that tests call directly. No framework imports: both work from the store alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from stackpick.cli import validate
from stackpick.cli.options import Db, Force, ForceJson, Json, Out
from stackpick.cli.output import write_json
from stackpick.errors import UserError


def render_run(db: Path | None, run: int | None, out: Path | None, force: bool) -> Path:
    """Render run ``run`` (default: the latest) from the store into ``out`` (default: a new
    timestamped directory here); returns the path of index.html."""
    from stackpick.pipeline import write_run_report
    from stackpick.store import open_store

    with open_store(db) as store:
        run_id = run if run is not None else store.latest_run_id()
        if run_id is None:
            raise UserError(f"no runs in {store.path} yet: run `stackpick bench` first")
        return write_run_report(store, run_id, out, force)  # unknown id: recent ids listed


def compare(db: Path | None, run_a: int, run_b: int, threshold: float,
            node_a: str | None = None, node_b: str | None = None) -> Any:
    """The :class:`RunDiff` of two stored runs (both must exist)."""
    from stackpick.report.compare_runs import compare_runs
    from stackpick.store import open_store

    validate.threshold(threshold)
    validate.run_id(run_a, "RUN_A")
    validate.run_id(run_b, "RUN_B")
    with open_store(db) as store:
        store.get_run(run_a)
        store.get_run(run_b)
        return compare_runs(store, run_a, run_b, threshold, node_a, node_b)


def report(
    run: Annotated[int | None, typer.Argument(
        metavar="RUN", help="Run id (default: the latest).")] = None,
    out: Out = None,
    force: Force = False,
    db: Db = None,
) -> None:
    """Render a stored run as index.html, report.md and results.json."""
    validate.run_id(run, "RUN")
    index = render_run(db, run, out, force)
    print(f"report written: {index}")


def compare_cmd(
    run_a: Annotated[int, typer.Argument(metavar="RUN_A", help="The earlier run id.")],
    run_b: Annotated[int, typer.Argument(metavar="RUN_B", help="The later run id.")],
    threshold: Annotated[float, typer.Option(
        help="Smallest relative change to list, e.g. 0.02 = 2% (0: any change whose "
        "interval excludes no-change).")] = 0.02,
    node_a: Annotated[str | None, typer.Option(
        "--node-a", help="Only RUN_A's cells measured on this cluster machine.")] = None,
    node_b: Annotated[str | None, typer.Option(
        "--node-b", help="Only RUN_B's cells measured on this cluster machine (the same run "
        "twice with two machines compares those machines).")] = None,
    db: Db = None,
    json_out: Json = None,
    force: ForceJson = False,
) -> None:
    """List the cells that got faster or slower between two runs, with the size."""
    from stackpick.report.compare_runs import diff_lines

    validate.output_file(json_out, "--json", force)
    diff = compare(db, run_a, run_b, threshold, node_a, node_b)
    if json_out:
        write_json(json_out, diff.to_dict(), force)
        if json_out == "-":
            return
    print("\n".join(diff_lines(diff)))
