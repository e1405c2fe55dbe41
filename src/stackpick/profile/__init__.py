"""The four questions as a validated :class:`Profile`, and the vocabulary of their answers.

A profile comes from a YAML file (``--profile``), from flags, from ``--ask`` (see
:mod:`stackpick.profile.ask`) or from :data:`DEFAULT_PROFILE` (``--defaults``). Every mistake is a
:class:`~stackpick.errors.UserError` naming where it is (``file:line`` or the flag) and the fix;
unknown names come with the valid ones and the closest match.

The default profile (``--defaults``): priority ``balanced``, goal ``both``, target ``x86-cpu``,
no expertise in any framework, existing serving stack ``none``, no latency budget, no model family.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from stackpick.errors import UserError
from stackpick.profile.questions import (
    EDGE_TARGETS,
    EXISTING,
    EXPLAIN,
    FIELDS,
    FLAG_NAMES,
    FRAMEWORKS,
    GOALS,
    LEVELS,
    MODEL_FAMILIES,
    NEEDS,
    PRIORITIES,
    TARGETS,
    TRAINING_TARGETS,
)

__all__ = ["DEFAULT_PROFILE", "EDGE_TARGETS", "EXISTING", "EXPLAIN", "FIELDS", "FLAG_NAMES",
           "FRAMEWORKS", "GOALS", "LEVELS", "MODEL_FAMILIES", "NEEDS", "PRIORITIES", "TARGETS",
           "TRAINING_TARGETS", "Profile", "closest", "make_profile", "override", "unknown_name"]


@dataclass(frozen=True)
class Profile:
    """The answers the advice is built from. Build it with :func:`make_profile` to validate."""

    priority: str = "balanced"
    goal: str = "both"
    targets: tuple[str, ...] = ("x86-cpu",)
    expertise: Mapping[str, str] = field(default_factory=dict)
    existing: str = "none"
    latency_budget_ms: float | None = None
    model_family: str | None = None
    needs: tuple[str, ...] = ()
    train_on: tuple[str, ...] = ()  # empty: train on the training-capable targets

    def skill(self, framework: str) -> str:
        """The team's level in ``framework`` (``none`` when not answered)."""
        return self.expertise.get(framework, "none")

    def serve_targets(self) -> tuple[str, ...]:
        """Where the model must run (every target, unless the goal is training only)."""
        return () if self.goal == "training" else self.targets

    def training_targets(self) -> tuple[str, ...]:
        """Where the model must train: ``train_on`` when given, else the training-capable
        targets (none when the goal is inference only)."""
        if self.goal == "inference":
            return ()
        return self.train_on or tuple(t for t in self.targets if t in TRAINING_TARGETS)

    def to_dict(self) -> dict[str, Any]:
        """Plain data in a stable order (the YAML profile format, too)."""
        return {
            "priority": self.priority, "goal": self.goal, "targets": list(self.targets),
            "expertise": {f: self.skill(f) for f in FRAMEWORKS},
            "existing": self.existing, "latency_budget_ms": self.latency_budget_ms,
            "model_family": self.model_family, "needs": list(self.needs),
            "train_on": list(self.train_on),
        }

    def describe(self) -> str:
        """One line, for terminal output."""
        skills = ", ".join(f"{f}={lvl}" for f, lvl in sorted(self.expertise.items())
                           if lvl != "none") or "none"
        parts = [f"priority={self.priority}", f"goal={self.goal}",
                 f"targets={','.join(self.targets)}", f"expertise={skills}",
                 f"existing={self.existing}"]
        if self.latency_budget_ms is not None:
            parts.append(f"latency_budget_ms={self.latency_budget_ms:g}")
        if self.model_family:
            parts.append(f"model_family={self.model_family}")
        if self.needs:
            parts.append(f"needs={','.join(self.needs)}")
        if self.train_on:
            parts.append(f"train_on={','.join(self.train_on)}")
        return " ".join(parts)


DEFAULT_PROFILE = Profile()

Where = Callable[[tuple[Any, ...]], str]


def _nowhere(_path: tuple[Any, ...]) -> str:
    return ""


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions and substitutions count 1)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def closest(word: str, choices: Iterable[str]) -> str | None:
    """What the user probably meant: every valid name ``word`` is a whole part of (``gpu`` ->
    ``nvidia-gpu, amd-gpu, intel-gpu``), else the nearest by edit distance when it is at most a
    third of the word (at least 1)."""
    choices = list(choices)
    parts = [c for c in choices if word and word in c.split("-")]
    if parts:
        return ", ".join(parts)
    if not word or not choices:
        return None
    best = min(choices, key=lambda c: (edit_distance(word, c), choices.index(c)))
    return best if edit_distance(word, best) <= max(1, len(word) // 3) else None


def unknown_name(kind: str, name: str, valid: Iterable[str], where: str = "") -> UserError:
    """One line: the bad name, every valid name and the closest match."""
    valid = list(valid)
    near = closest(name, valid)
    hint = f"; did you mean {near}?" if near else ""
    return UserError(f"{where}unknown {kind} {name!r}; valid: {', '.join(valid)}{hint}")


def _choice(value: Any, valid: tuple[str, ...], kind: str, where: str) -> str:
    if not isinstance(value, str):
        raise UserError(f"{where}{kind} must be one of {', '.join(valid)}, not {value!r}")
    text = value.strip().lower()
    if text not in valid:
        raise unknown_name(kind, text, valid, where)
    return text


def _names(value: Any, where: str, kind: str) -> list[str]:
    """A list or a comma-separated string of names -> clean list."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise UserError(f"{where}{kind} must be a list of names or a comma-separated string")
    return [i.strip().lower() for i in items if i.strip()]


def parse_targets(value: Any, where: Where = _nowhere, key: tuple[Any, ...] = ("targets",)
                  ) -> tuple[str, ...]:
    """Validated, de-duplicated targets in the order given."""
    names = _names(value, where(key), "targets")
    if not names:
        raise UserError(f"{where(key)}targets is empty; give at least one of {', '.join(TARGETS)}")
    for i, name in enumerate(names):
        if name not in TARGETS:
            raise unknown_name("target", name, TARGETS, where((*key, i)))
    return tuple(dict.fromkeys(names))


def parse_expertise(value: Any, where: Where = _nowhere) -> dict[str, str]:
    """``{"pytorch": "strong"}`` or ``"pytorch=strong,jax=some"`` -> validated mapping."""
    if isinstance(value, str):
        pairs = [p.partition("=") for p in value.split(",") if p.strip()]
        if any(not sep for _, sep, _ in pairs):
            raise UserError(f"{where(('expertise',))}expertise {value!r} needs FRAMEWORK=LEVEL "
                            "pairs, e.g. pytorch=strong,jax=some")
        value = {k.strip(): v.strip() for k, _, v in pairs}
    if not isinstance(value, Mapping):
        raise UserError(f"{where(('expertise',))}expertise must map frameworks to levels, "
                        "e.g. {pytorch: strong}")
    out: dict[str, str] = {}
    for name, level in value.items():
        fw = str(name).strip().lower()
        if fw not in FRAMEWORKS:
            raise unknown_name("framework", fw, FRAMEWORKS, where(("expertise", name)))
        out[fw] = _choice(level, LEVELS, f"expertise level for {fw}", where(("expertise", name)))
    return out


def _budget(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not math.isfinite(value) or value <= 0):
        raise UserError(f"{where}latency_budget_ms must be a positive number of milliseconds, "
                        f"not {value!r}")
    return float(value)


def make_profile(data: Mapping[str, Any], where: Where = _nowhere) -> Profile:
    """Validate answers (missing ones take the defaults) and build a :class:`Profile`."""
    for key in data:
        if key not in FIELDS:
            raise unknown_name("profile field", str(key), FIELDS, where((key,)))
    d = DEFAULT_PROFILE
    family = data.get("model_family")
    needs = _names(data.get("needs") or [], where(("needs",)), "needs")
    for i, need in enumerate(needs):
        if need not in NEEDS:
            raise unknown_name("need", need, NEEDS, where(("needs", i)))
    return Profile(
        priority=_choice(data.get("priority", d.priority), PRIORITIES, "priority",
                         where(("priority",))),
        goal=_choice(data.get("goal", d.goal), GOALS, "goal", where(("goal",))),
        targets=parse_targets(data["targets"], where) if "targets" in data else d.targets,
        expertise=parse_expertise(data.get("expertise") or {}, where),
        existing=_choice(data.get("existing", d.existing), EXISTING, "existing serving stack",
                         where(("existing",))),
        latency_budget_ms=_budget(data.get("latency_budget_ms"), where(("latency_budget_ms",))),
        model_family=None if family is None else _choice(family, MODEL_FAMILIES, "model family",
                                                         where(("model_family",))),
        needs=tuple(dict.fromkeys(needs)),
        train_on=_train_on(data.get("train_on"), where),
    )


def _train_on(value: Any, where: Where) -> tuple[str, ...]:
    names = _names(value or [], where(("train_on",)), "train_on")
    for i, name in enumerate(names):
        if name not in TRAINING_TARGETS:
            raise unknown_name("training target", name, TRAINING_TARGETS, where(("train_on", i)))
    return tuple(dict.fromkeys(names))


def override(profile: Profile, changes: Mapping[str, Any]) -> Profile:
    """Apply answers given as flags on top of ``profile`` (None means 'not given')."""
    for key, value in changes.items():  # --target "" is a mistake, not "use the defaults"
        if key == "targets" and value is not None and not str(value).replace(",", "").strip():
            raise UserError(f"{FLAG_NAMES['targets']}: empty target; give at least one of "
                            f"{', '.join(TARGETS)}")
    given = {k: v for k, v in changes.items() if v is not None and v != [] and v != ()}
    if not given:
        return profile
    data = profile.to_dict()

    def where(path: tuple[Any, ...]) -> str:
        return f"{FLAG_NAMES.get(str(path[0]), '--' + str(path[0]))}: "

    if "expertise" in given:  # flags add to the file's expertise rather than replacing it
        given["expertise"] = {**data["expertise"], **parse_expertise(given["expertise"], where)}
    data.update(given)
    return make_profile(data, where)


def with_changes(profile: Profile, **changes: Any) -> Profile:
    """A copy with some answers replaced (no validation: for sensitivity analysis)."""
    return replace(profile, **changes)
