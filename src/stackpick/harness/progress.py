"""Progress of a study: the protocol the runner reports to, and a Rich display of it
(written to stderr, so stdout stays for results)."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.text import Text

from stackpick.protocol.cells import Cell, CellResult


class Progress(Protocol):
    def stage(self, cell: Cell, what: str) -> None: ...
    def finished(self, result: CellResult) -> None: ...


class NullProgress:
    """Reports nowhere (library calls and tests)."""

    def stage(self, cell: Cell, what: str) -> None:
        pass

    def finished(self, result: CellResult) -> None:
        pass


class StudyProgress:
    """Implements the runner's Progress protocol with a bar: cell, stage, count, elapsed."""

    def __init__(self, total: int, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.bar = RichProgress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TextColumn("{task.fields[stage]}"),
            console=self.console, transient=False,
        )
        self.task = self.bar.add_task("study", total=total, stage="")

    def stage(self, cell: Cell, what: str) -> None:
        self.bar.update(self.task, description=escape(f"{cell.group} {cell.label}"), stage=what)

    def finished(self, result: CellResult) -> None:
        self.bar.advance(self.task)
        if result.status != "ok":  # Text, not markup: reasons may contain [brackets]
            line = Text.assemble((result.status, "red"), f" {result.cell.key}: ",
                                 (result.reason or "")[:200])
            self.bar.console.print(line, highlight=False)

    def __enter__(self) -> StudyProgress:
        self.bar.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.bar.update(self.task, stage="done" if exc is None else "stopped")
        self.bar.stop()
