"""The ``stackpick`` command line. One small function per command; no framework imports.

User mistakes raise :class:`UserError` (or a click usage error) and print one line; exit 2.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from stackpick import __version__
from stackpick.cli_model import InputDtypeOpt, InputShapeOpt, ModelOpt, WeightsOpt
from stackpick.errors import Interrupted, UserError

try:  # typer up to 0.2x depends on click; newer releases vendor their own copy
    import click
except ImportError:  # pragma: no cover - depends on the installed typer
    from typer import _click as click  # type: ignore[no-redef]

app = typer.Typer(
    name="stackpick",
    help="Which deep-learning stack should we use? stackpick measures PyTorch, TensorFlow/Keras, "
    "JAX and ONNX Runtime on your hardware with the same model and weights, and recommends a "
    "stack with reasons.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", envvar="STACKPICK_DB",
                 help="SQLite store (default: ~/.local/share/stackpick/stackpick.db)."),
]
JsonOption = Annotated[
    str | None, typer.Option("--json", help="Also write JSON to FILE ('-' for stdout).")
]


def _console() -> Console:
    # Piped output gets a wide table rather than Rich's 80-column default.
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=160)
    return console


def write_json(target: str, data: Any) -> None:
    """Write ``data`` to ``target`` ('-' is stdout) with a clear error for bad paths."""
    text = json.dumps(data, indent=2, default=str)
    if target == "-":
        sys.stdout.write(text + "\n")
        return
    try:
        Path(target).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write --json {target}: {exc.strerror}") from None


@app.command()
def bench(
    workload: Annotated[str, typer.Option(
        help="mlp, cnn, transformer (comma-separated) or all.")] = "mlp",
    backends: Annotated[str | None, typer.Option(
        help="torch, torch-compile, tensorflow[:eager|graph|xla], jax, onnxruntime, or all "
        "(default: torch,onnxruntime; with --model: every path for that model).")
    ] = None,
    task: Annotated[str, typer.Option(
        help="inference, training, or both comma-separated.")] = "inference",
    batch: Annotated[str | None, typer.Option(
        help="Inference batch sizes, e.g. 1,32 (default: per workload).")] = None,
    train_batch: Annotated[str | None, typer.Option(
        help="Training batch sizes (default: per workload).")] = None,
    threads: Annotated[int | None, typer.Option(
        help="Intra-op threads for every backend (default: physical cores).")] = None,
    device: Annotated[str, typer.Option(help="cpu or cuda.")] = "cpu",
    quick: Annotated[bool, typer.Option(
        help="Fewer, shorter rounds: less precise, faster.")] = False,
    max_time: Annotated[float | None, typer.Option(help="Cap on timing seconds per cell.")] = None,
    timeout: Annotated[float | None, typer.Option(
        help="Seconds a worker may take per request before it is killed.")] = None,
    memory_limit: Annotated[int, typer.Option(
        help="Address-space limit per worker in MB (0: none); exceeding it is status oom.")] = 0,
    resume: Annotated[int | None, typer.Option(help="Finish the missing cells of run ID.")] = None,
    model: ModelOpt = None,
    input_shape: InputShapeOpt = None,
    input_dtype: InputDtypeOpt = None,
    weights: WeightsOpt = None,
    db: DbOption = None,
    json_out: JsonOption = None,
) -> None:
    """Measure backends on reference workloads (or your --model): parity first, then
    interleaved timing."""
    from stackpick import study
    from stackpick.progress import StudyProgress
    from stackpick.report.terminal import print_results
    from stackpick.results import load_results, results_json
    from stackpick.store import open_store

    opts = study.BenchOptions(workload, backends, task, batch, train_batch, threads, device,
                              quick, max_time, timeout, memory_limit, model=model,
                              input_shape=input_shape, input_dtype=input_dtype, weights=weights)
    started = time.perf_counter()
    with open_store(db) as store:
        if resume is not None:
            plan = study.plan_of_run(store, resume)
            run_id = resume
            print(f"resuming run {resume} with its stored plan (workload, backend, batch, "
                  "thread and timing flags come from that run)", file=sys.stderr)
        else:
            plan = study.build_plan(opts)
            run_id = study.start_run(store, plan)
        executor = study.make_executor(plan, opts)
        todo = len(plan.cells) - len(store.done_keys(run_id))
        try:
            with StudyProgress(todo) as progress:
                study.execute(store, run_id, plan, executor, progress)
        except KeyboardInterrupt:
            kept = len(store.done_keys(run_id))
            raise Interrupted(f"interrupted: {kept} measured cells kept in run {run_id}; "
                            f"finish with: stackpick bench --resume {run_id}") from None
        results = load_results(store, run_id)
    console = _console()
    print_results(results, console)
    console.print(f"run {run_id} stored in {store.path}; total wall time "
                  f"{time.perf_counter() - started:.1f} s")
    if json_out:
        write_json(json_out, results_json(results))


@app.command()
def env(
    threads: Annotated[int | None, typer.Option(help="Thread count to record.")] = None,
    json_out: JsonOption = None,
) -> None:
    """Print this machine's fingerprint: CPU, memory, GPUs, OS, Python, framework versions."""
    from stackpick.measure import fingerprint
    from stackpick.study import resolve_threads

    fp = fingerprint.collect(resolve_threads(threads))
    if json_out:
        write_json(json_out, fp)
        if json_out == "-":
            return
    console = _console()
    for key, value in fp.items():
        if isinstance(value, dict):
            console.print(Text(key, style="bold"))
            for k, v in value.items():
                console.print(Text(f"  {k}: {v}"))
        else:
            console.print(Text.assemble((key, "bold"), f": {value}"))


@app.command()
def history(
    limit: Annotated[int, typer.Option(help="How many recent runs.")] = 20,
    db: DbOption = None,
    json_out: JsonOption = None,
) -> None:
    """List stored runs, newest first."""
    from rich.table import Table

    from stackpick.store import iter_runs_json, open_store

    if limit < 1:
        raise UserError(f"--limit {limit} must be at least 1")
    with open_store(db) as store:
        rows = list(iter_runs_json(store, limit))
    if json_out:
        write_json(json_out, rows)
        if json_out == "-":
            return
    if not rows:
        _console().print("no runs yet: try `stackpick bench`")
        return
    table = Table("id", "kind", "status", "started", "cells", "ok", "failed", "command")
    for r in rows:
        table.add_row(str(r["id"]), r["kind"], r["status"], r["started_at"], str(r["cells"]),
                      str(r["ok"]), str(r["failed"]), (r["command"] or "")[-60:])
    _console().print(table)


from stackpick import cli_report  # noqa: E402

cli_report.register(app)


from stackpick import cli_advice  # noqa: E402

cli_advice.register(app)

from stackpick import cli_run  # noqa: E402

cli_run.register(app)


def _version_callback(value: bool) -> None:
    if value:
        print(f"stackpick {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version_callback,
                                          is_eager=True, help="Show the version.")] = False,
) -> None:
    """Which deep-learning stack should we use? Measured on your hardware, explained."""


def main(argv: list[str] | None = None) -> int:
    """Entry point: user errors are one line on stderr with exit code 2, never a traceback."""
    command = typer.main.get_command(app)
    try:
        command.main(args=argv, prog_name="stackpick", standalone_mode=False)
    except UserError as exc:
        print(f"Error: {one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:  # bad flag or value: one line, with where to look
        if type(exc).__name__ == "NoArgsIsHelpError":
            print(exc.format_message())
            return 0
        ctx = getattr(exc, "ctx", None)
        hint = f" (see: {ctx.command_path} --help)" if ctx else ""
        print(f"Error: {exc.format_message()}{hint}", file=sys.stderr)
        return 2
    except typer.Abort:
        print("Error: aborted", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("Error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_broken_pipe()
        return 0
    return 0


def one_line(message: str) -> str:
    """Library messages (YAML, SQLite) can span lines; a user error is one line."""
    return "; ".join(part.strip() for part in message.splitlines() if part.strip())


def _silence_broken_pipe() -> None:
    """`stackpick history | head`: the reader left; exit quietly (pyperf does the same)."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
