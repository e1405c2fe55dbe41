"""Every command block of README.md, so README cannot drift from the code.

A block runs command by command against a scratch store (``STACKPICK_DB``, set for every test
by conftest.py) that holds seven synthetic runs, in a scratch directory, and every command must
exit 0. A block marked ``<!-- readme-test: long -->`` (a study, an install) is not run: each of
its stackpick commands must still parse (every flag and value known), each `make` target must
exist and each script must be there.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer
from report_data import fill_run

from stackpick.cli import app, main
from stackpick.store import open_store

ROOT = Path(__file__).resolve().parents[2]
LONG = "<!-- readme-test: long -->"


def readme_blocks() -> list[tuple[int, bool, list[list[str]]]]:
    """(line, long, commands) of every ```sh block; continuation lines joined, comments cut."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    blocks = []
    for i, line in enumerate(lines):
        if line.strip() != "```sh":
            continue
        end = lines.index("```", i + 1)
        text = "\n".join(lines[i + 1:end]).replace("\\\n", " ")
        long = any(ln.strip() == LONG for ln in lines[max(0, i - 2):i])
        commands = [shlex.split(ln, comments=True) for ln in text.splitlines()]
        blocks.append((i + 1, long, [c for c in commands if c]))
    return blocks


def parses(args: list[str]) -> None:
    """Parse a stackpick command line as the CLI would, without running it."""
    command = typer.main.get_command(app)
    ctx = command.make_context("stackpick", list(args))
    while hasattr(command, "resolve_command"):  # a group: on to its subcommand
        rest = [*getattr(ctx, "_protected_args", []), *getattr(ctx, "protected_args", []),
                *ctx.args]
        name, command, rest = command.resolve_command(ctx, rest)
        assert command is not None, args
        ctx = command.make_context(name, rest, parent=ctx)


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([\w.-]+):", text, re.M))


BLOCKS = readme_blocks()


def test_readme_has_command_blocks_both_kinds() -> None:
    assert any(long for _, long, _ in BLOCKS) and any(not long for _, long, _ in BLOCKS)


@pytest.mark.parametrize("line,long,commands", BLOCKS, ids=[f"line{b[0]}" for b in BLOCKS])
def test_readme_block(line: int, long: bool, commands: list[list[str]], tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
                      ) -> None:
    monkeypatch.chdir(tmp_path)
    if not long:
        with open_store() as store:  # the STACKPICK_DB of this test
            for seed in range(7):
                fill_run(store, seed=seed)
    for argv in commands:
        program, args = argv[0], argv[1:]
        if program.endswith("bin/stackpick"):
            if long:
                parses(args)
            else:
                code = main(args)
                err = capsys.readouterr().err
                assert code == 0, f"README line {line}: stackpick {' '.join(args)}: {err}"
        elif program == "make":
            assert set(args) <= make_targets(), f"README line {line}: make {args}"
        elif program.endswith("python") or program == "bash":
            assert (ROOT / args[0]).is_file(), f"README line {line}: no {args[0]}"
        else:
            pytest.fail(f"README line {line}: unknown program {program}")
