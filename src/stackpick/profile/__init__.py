"""The four questions as a validated :class:`Profile`, and the vocabulary of their answers.

A profile comes from a YAML file (``--profile``), from flags, from ``--ask`` (see
:mod:`stackpick.profile.ask`) or from :data:`DEFAULT_PROFILE` (``--defaults``). Every mistake is a
:class:`~stackpick.errors.UserError` naming where it is (``file:line`` or the flag) and the fix;
unknown names come with the valid ones and the closest match.

The default profile (``--defaults``): priority ``balanced``, goal ``both``, target ``x86-cpu``,
no expertise in any framework, existing serving stack ``none``, no latency budget, no model family.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from stackpick.errors import UserError

PRIORITIES = ("research", "balanced", "production")
GOALS = ("training", "inference", "both")
LEVELS = ("none", "some", "strong")
FRAMEWORKS = ("pytorch", "tensorflow", "keras", "jax", "onnx")
# Where a model may have to train or run. Extending this needs sourced reach facts in knowledge/.
TRAINING_TARGETS = ("nvidia-gpu", "amd-gpu", "intel-gpu", "x86-cpu", "arm-cpu", "apple-silicon",
                    "tpu", "aws-neuron")
EDGE_TARGETS = ("android", "ios", "browser", "microcontroller", "desktop")
TARGETS = (*TRAINING_TARGETS, *EDGE_TARGETS, "serverless")
EXISTING = ("none", "tf-serving", "triton", "torchserve", "kserve", "onnxruntime", "litert",
            "executorch", "other")
MODEL_FAMILIES = ("mlp", "cnn", "transformer", "llm", "other")
NEEDS = ("functional-transforms", "pretrained-models")
# The flag that sets each field (for error messages about flags).
FLAG_NAMES = {"targets": "--target", "needs": "--need", "latency_budget_ms": "--latency-budget",
              "model_family": "--model-family", "expertise": "--expertise",
              "priority": "--priority", "goal": "--goal", "existing": "--existing"}
FIELDS = ("priority", "goal", "targets", "expertise", "existing", "latency_budget_ms",
          "model_family", "needs")

# One line per choice: shown by --ask and written as comments by `profile init`.
EXPLAIN: dict[str, str] = {
    "priority": "research = iterate fast on new ideas; production = fixed constraints, long-lived "
                "deployments; balanced = both matter",
    "goal": "what the stack must do well: training, inference, or both",
    "targets": "hardware and runtime environments the model MUST reach (a stack that cannot "
               "reach one is ruled out)",
    "expertise": "what the team already knows, per framework: none, some or strong",
    "existing": "the serving stack already running in production, if any",
    "latency_budget_ms": "optional per-request latency budget in milliseconds (inference)",
    "model_family": "optional: mlp, cnn, transformer, llm or other (picks matching measurements)",
    "needs": "optional must-have features: functional-transforms (composable grad/vmap/jit), "
             "pretrained-models (a large hub of ready checkpoints)",
}


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

    def skill(self, framework: str) -> str:
        """The team's level in ``framework`` (``none`` when not answered)."""
        return self.expertise.get(framework, "none")

    def to_dict(self) -> dict[str, Any]:
        """Plain data in a stable order (the YAML profile format, too)."""
        return {
            "priority": self.priority, "goal": self.goal, "targets": list(self.targets),
            "expertise": {f: self.skill(f) for f in FRAMEWORKS},
            "existing": self.existing, "latency_budget_ms": self.latency_budget_ms,
            "model_family": self.model_family, "needs": list(self.needs),
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
        return " ".join(parts)


DEFAULT_PROFILE = Profile()

Where = Callable[[tuple[Any, ...]], str]


def _nowhere(_path: tuple[Any, ...]) -> str:
    return ""


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The most similar valid name, if any is reasonably close (difflib ratio >= 0.5)."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return found[0] if found else None


def unknown_name(kind: str, name: str, valid: Iterable[str], where: str = "") -> UserError:
    """One line: the bad name, every valid name and the closest match."""
    valid = list(valid)
    near = closest(name, valid)
    hint = f"; closest: {near}" if near else ""
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
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
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
    )


def override(profile: Profile, changes: Mapping[str, Any]) -> Profile:
    """Apply answers given as flags on top of ``profile`` (None means 'not given')."""
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
