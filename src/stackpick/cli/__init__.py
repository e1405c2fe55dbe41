"""The ``stackpick`` command line: one module per command, options declared once
(:mod:`stackpick.cli.options`). No framework is imported on this path.

User mistakes raise :class:`UserError` (or a click usage error) and print one line; exit 2.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Annotated

import typer

from stackpick import __version__
from stackpick.cli import advise, bench, info, report, run
from stackpick.errors import UserError

try:  # newer typer releases vendor their own click: catch that one's errors, even when
    from typer import _click as click  # a click is installed
except ImportError:  # pragma: no cover - older typer depends on click itself
    import click  # type: ignore[no-redef]  # the same name, from click itself

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

app.command("bench")(bench.bench)
app.command("run")(run.run)
app.command("advise")(advise.advise)
app.command("kb")(advise.kb)
app.command("report")(report.report)
app.command("compare")(report.compare_cmd)
app.command("env")(info.env)
app.command("history")(info.history)
_profile_app = typer.Typer(help="Profiles: the answers advice is built from.",
                           no_args_is_help=True)
_profile_app.command("init")(advise.profile_init)
app.add_typer(_profile_app, name="profile")


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
    """Entry point: user errors are one line on stderr with exit code 2, never a traceback.
    SIGTERM and SIGHUP end a command as Ctrl-C does: what was measured is kept, the study's
    temporary files and workers go, and the run is marked interrupted."""
    with _interrupt_on_termination():
        return _main(argv)


@contextlib.contextmanager
def _interrupt_on_termination() -> Iterator[None]:
    signals = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _raise_interrupt) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _main(argv: list[str] | None) -> int:
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
