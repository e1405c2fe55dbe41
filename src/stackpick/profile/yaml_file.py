"""Profiles as YAML files: reading with ``file:line`` errors, and the commented example that
``stackpick profile init`` writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from stackpick.errors import UserError
from stackpick.files import write_text
from stackpick.profile import (
    EDGE_TARGETS,
    FRAMEWORKS,
    LEVELS,
    TRAINING_TARGETS,
    Profile,
    make_profile,
)
from stackpick.profile.questions import QUESTIONS, Question

MAX_PROFILE_BYTES = 64 * 1024  # the commented example is under 2 KiB
MAX_DEPTH = 20  # levels of nesting (a profile uses 2: expertise -> framework -> level)
MAX_NODES = 10_000  # values after expanding aliases


def _marks(node: yaml.Node, path: tuple[Any, ...] = (), name: str = "<profile>"
           ) -> dict[tuple[Any, ...], int]:
    """1-based line of every key and list item, by path (``("targets", 2)``); a key given twice
    in one mapping is an error naming both lines (YAML would silently keep the last)."""
    out = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                raise UserError(f"{name}:{line}: duplicate key {key!r} (first given on line "
                                f"{seen[key]}); keep one")
            seen[key] = line
            out.update(_marks(value_node, (*path, key), name))
            out[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.update(_marks(item, (*path, i), name))
    return out


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with a bound on nesting while it composes (its composer
    recurses once per level, so a deep document would end in a RecursionError)."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise UserError(f"{self.name}:{mark.line + 1}: nested more than {MAX_DEPTH} "
                                "levels deep; a profile is a flat list of answers")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _check_expansion(node: yaml.Node, name: str) -> None:
    """Refuse documents whose aliases expand to more than MAX_NODES nodes or MAX_DEPTH
    levels, or refer to themselves (a few hundred bytes of nested aliases expand to
    gigabytes; ``a: &a [*a]`` never ends). Each distinct node is sized once."""
    sizes: dict[int, tuple[int, int]] = {}  # id -> (expanded nodes, height)

    def measure(n: yaml.Node, depth: int) -> tuple[int, int]:
        if depth > MAX_DEPTH:
            raise UserError(f"{name}: aliases nest more than {MAX_DEPTH} levels deep or "
                            "refer to themselves; write the answers out")
        if id(n) not in sizes:
            children = [c for pair in n.value for c in pair] if isinstance(
                n, yaml.MappingNode) else list(n.value) if isinstance(n, yaml.SequenceNode) else []
            size, height = 1, 0
            for child in children:
                s, h = measure(child, depth + 1)
                size, height = size + s, max(height, h + 1)
                if size > MAX_NODES:
                    raise UserError(f"{name}: aliases expand to more than {MAX_NODES:,} "
                                    "values; a profile is a few answers, write them out")
            sizes[id(n)] = (size, height)
        size, height = sizes[id(n)]
        if depth + height > MAX_DEPTH:
            raise UserError(f"{name}: aliases nest more than {MAX_DEPTH} levels deep; write "
                            "the answers out")
        return size, height

    measure(node, 0)


def _parse(text: str, name: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """YAML text -> (data, marks); syntax errors name the file, line and column. Nesting and
    alias expansion are bounded (one clear line, never a memory or recursion error)."""
    try:
        loader = _BoundedLoader(text)
        loader.name = name
        try:
            node = loader.get_single_node()
            if node is not None:
                _check_expansion(node, name)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise UserError(f"{at}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{name}: invalid YAML: {exc}") from None
    return data, _marks(node, (), name) if node is not None else {}


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
        with path.open("rb") as f:  # bounded: --profile /dev/zero must not read forever
            raw = f.read(MAX_PROFILE_BYTES + 1)
        if len(raw) > MAX_PROFILE_BYTES:
            raise UserError(f"{path}: larger than {MAX_PROFILE_BYTES // 1024} KiB; a profile is "
                            "a few lines of answers (write one with: stackpick profile init)")
        text = raw.decode("utf-8")
    except OSError as exc:
        raise UserError(f"cannot read --profile {path}: {exc.strerror}; "
                        "write one with: stackpick profile init") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file; a profile is YAML") from None
    return parse_profile(text, str(path))


def _example(q: Question) -> list[str]:
    """The commented lines for one question, and its example value."""
    lines = [f"# {q.field}: {q.help}."]
    if q.field == "targets":
        lines += [f"#   training and serving hardware: {', '.join(TRAINING_TARGETS)}",
                  f"#   deployment only: {', '.join(EDGE_TARGETS)}, serverless"]
    elif q.field == "expertise":
        lines.append(f"#   frameworks: {', '.join(FRAMEWORKS)}; levels: {', '.join(LEVELS)}")
    elif q.options:
        lines.append(f"#   {'any' if q.many else 'one'} of: {', '.join(q.options)}")
    value = q.example if q.example is not None else q.default
    text = yaml.safe_dump({q.field: list(value) if isinstance(value, tuple) else value},
                          default_flow_style=False, sort_keys=False).rstrip().splitlines()
    commented = q.example is not None and q.field in ("latency_budget_ms", "model_family")
    lines += [f"# {t}" if commented or value is None else t for t in text]
    return [*lines, ""]


def example_yaml() -> str:
    """A commented example profile that loads as it is (derived from the questions table)."""
    lines = ["# stackpick profile: the answers `stackpick advise --profile FILE` decides from.",
             "# Every field is optional; missing ones take the defaults shown by `--defaults`.", ""]
    for q in QUESTIONS:
        lines += _example(q)
    return "\n".join(lines).rstrip() + "\n"


def write_example(target: str, force: bool) -> Path | None:
    """Write the example to ``target`` ('-' is stdout, returns None); never overwrite silently."""
    text = example_yaml()
    if target == "-":
        print(text, end="")
        return None
    path = Path(target)
    write_text(path, text, "FILE", force)
    return path
