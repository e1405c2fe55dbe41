"""Profiles as YAML files: reading with ``file:line`` errors, and the commented example that
``stackpick profile init`` writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from stackpick.errors import UserError
from stackpick.profile import (
    EDGE_TARGETS,
    EXISTING,
    EXPLAIN,
    FRAMEWORKS,
    GOALS,
    LEVELS,
    MODEL_FAMILIES,
    NEEDS,
    PRIORITIES,
    TRAINING_TARGETS,
    Profile,
    make_profile,
)


def _marks(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """1-based line of every key and list item, by path (``("targets", 2)``)."""
    out = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out.update(_marks(value_node, (*path, key)))
            out[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.update(_marks(item, (*path, i)))
    return out


def _parse(text: str, name: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """YAML text -> (data, marks); syntax errors name the file, line and column."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise UserError(f"{at}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{name}: invalid YAML: {exc}") from None
    return data, _marks(node) if node is not None else {}


def parse_profile(text: str, name: str = "<profile>") -> Profile:
    """A profile from YAML text; every error says ``name:line: what is wrong``."""
    data, marks = _parse(text, name)
    if data is None:
        raise UserError(f"{name}:1: the profile is empty; write one with: stackpick profile init")
    if not isinstance(data, dict):
        raise UserError(f"{name}:1: a profile is a mapping of answers (priority: ..., goal: ...), "
                        f"not a {type(data).__name__}")

    def where(path: tuple[Any, ...]) -> str:
        for cut in range(len(path), -1, -1):  # the deepest marked node on the path
            if path[:cut] in marks:
                return f"{name}:{marks[path[:cut]]}: "
        return f"{name}: "

    return make_profile(data, where)


def load_profile(path: Path) -> Profile:
    """Read and validate a profile file (errors name the file, line and fix)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read --profile {path}: {exc.strerror}; "
                        "write one with: stackpick profile init") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file; a profile is YAML") from None
    return parse_profile(text, str(path))


def example_yaml() -> str:
    """A commented example profile that loads as it is."""
    lines = [
        "# stackpick profile: the answers `stackpick advise --profile FILE` decides from.",
        "# Every field is optional; missing ones take the defaults shown by `--defaults`.",
        "",
        f"# priority: {EXPLAIN['priority']}.",
        f"#   one of: {', '.join(PRIORITIES)}",
        "priority: balanced",
        "",
        f"# goal: {EXPLAIN['goal']}.  One of: {', '.join(GOALS)}",
        "goal: both",
        "",
        f"# targets: {EXPLAIN['targets']}.",
        f"#   training and serving hardware: {', '.join(TRAINING_TARGETS)}",
        f"#   deployment only: {', '.join(EDGE_TARGETS)}, serverless",
        "targets:",
        "  - x86-cpu",
        "  - nvidia-gpu",
        "",
        f"# expertise: {EXPLAIN['expertise']}.",
        f"#   frameworks: {', '.join(FRAMEWORKS)}; levels: {', '.join(LEVELS)}",
        "expertise:",
        "  pytorch: some",
        "  tensorflow: none",
        "  jax: none",
        "",
        f"# existing: {EXPLAIN['existing']}.",
        f"#   one of: {', '.join(EXISTING)}",
        "existing: none",
        "",
        f"# latency_budget_ms: {EXPLAIN['latency_budget_ms']}.",
        "# latency_budget_ms: 20",
        "",
        f"# model_family: one of {', '.join(MODEL_FAMILIES)}.",
        "# model_family: transformer",
        "",
        f"# needs: {EXPLAIN['needs']}.",
        f"#   any of: {', '.join(NEEDS)}",
        "needs: []",
    ]
    return "\n".join(lines) + "\n"


def write_example(target: str, force: bool) -> Path | None:
    """Write the example to ``target`` ('-' is stdout, returns None); never overwrite silently."""
    text = example_yaml()
    if target == "-":
        print(text, end="")
        return None
    path = Path(target)
    if path.exists() and not force:
        raise UserError(f"{path} exists; pass --force to overwrite it, or give another FILE")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}") from None
    return path
