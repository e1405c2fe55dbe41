"""The knowledge base: sourced, dated facts in ``knowledge/*.yaml``, loaded and validated.

Each fact has an ``id``, a ``statement`` in the project's own words, a ``topic`` (reach, serving,
conversion, ecosystem, footprint, needs), a ``source`` (a URL or ``owner/repo#number``) and an
``as_of`` date (``YYYY-MM-DD``, or ``YYYY-MM`` for a lead taken from shared notes and not re-read:
such a fact is listed and shown as a caveat but never scored - see :attr:`Fact.scored`).
Machine-usable values, where the advisor needs them:

* ``reach: {target: LEVEL}`` with ``serve: [stack...]`` and/or ``train: [stack...]`` - where the
  named stacks run (serve) or train;
* ``scores: {criterion: {stack: LEVEL or number in [0, 1]}}`` - a criterion value for a stack.
  Criteria: research_velocity, ecosystem, eager_to_compiled, deployment_server, deployment_edge,
  footprint, ``needs:<need>`` and ``existing:<serving stack>``.

LEVEL is N native, P plugin or side package, E experimental / preview / partial, C only via
conversion, ``-`` unsupported, ``?`` unknown (no source says; never guessed).
A fact with neither is a note (a pitfall or context) shown as a caveat for the stacks it names,
only to profiles it concerns: its ``targets`` (one of them must be named) and ``when: {answer:
[values]}`` (goal, priority, existing, model_family: the answer must be one of the values).

A lead may only be a note: a fact with values must be dated to the day (the loader refuses a
month-only ``as_of`` on one), so no rule or score ever rests on a lead; ``stackpick kb
--leads`` lists the leads left. Criteria of the authoring framework (research velocity,
ecosystem, the needs) that name no fact for a stack are inherited from its base stack (an LLM
engine fed PyTorch checkpoints has PyTorch's model hubs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from stackpick.knowledge.stacks import BY_ID, STACK_IDS
from stackpick.profile import EXISTING, GOALS, MODEL_FAMILIES, NEEDS, PRIORITIES, TARGETS, Profile

FILES = ("reach.yaml", "serving.yaml", "conversion.yaml", "ecosystem.yaml", "llm.yaml")
TOPICS = ("reach", "serving", "conversion", "ecosystem", "footprint", "needs")
LEVEL_SCORE: dict[str, float | None] = {"N": 1.0, "P": 0.7, "E": 0.5, "C": 0.5, "-": 0.0,
                                        "?": None}
LEVEL_NAME = {"N": "native", "P": "plugin or side package", "E": "experimental or partial",
              "C": "only via conversion", "-": "unsupported", "?": "unknown"}
# Best-first order when several facts (or inherited reach) speak about one target.
LEVEL_RANK = {"N": 5, "P": 4, "E": 3, "C": 2, "?": 1, "-": 0}
BASE_CRITERIA = ("research_velocity", "ecosystem", "eager_to_compiled", "deployment_server",
                 "deployment_edge", "deployment_llm", "footprint")
CRITERIA = (*BASE_CRITERIA, *(f"needs:{n}" for n in NEEDS),
            *(f"existing:{e}" for e in EXISTING if e not in ("none", "other")))
AUTHOR_CRITERIA = ("research_velocity", "ecosystem", *(f"needs:{n}" for n in NEEDS))
WHEN = {"goal": GOALS, "priority": PRIORITIES, "existing": EXISTING,
        "model_family": MODEL_FAMILIES}
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SOURCE_RE = re.compile(r"^(https?://\S+|[\w.-]+/[\w.-]+#\d+)$")
AS_OF_RE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


class KnowledgeError(ValueError):
    """A packaged fact file is malformed: a bug in stackpick, named by file and fact id."""


Value = str | float


@dataclass(frozen=True)
class Fact:
    id: str
    statement: str
    topic: str
    source: str
    as_of: str
    serve: tuple[str, ...] = ()
    train: tuple[str, ...] = ()
    reach: Mapping[str, str] = field(default_factory=dict)
    scores: Mapping[str, Mapping[str, Value]] = field(default_factory=dict)
    named_stacks: tuple[str, ...] = ()
    named_targets: tuple[str, ...] = ()
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    file: str = ""

    @property
    def stacks(self) -> tuple[str, ...]:
        """Every stack the fact concerns, in catalogue order."""
        named = {*self.named_stacks, *self.serve, *self.train,
                 *(s for per in self.scores.values() for s in per)}
        return tuple(s for s in STACK_IDS if s in named)

    @property
    def targets(self) -> tuple[str, ...]:
        named = {*self.named_targets, *self.reach}
        return tuple(t for t in TARGETS if t in named)

    @property
    def scored(self) -> bool:
        """Only a fact re-read on a given day scores; a month-only lead is context."""
        return len(self.as_of) == 10

    @property
    def lead(self) -> bool:
        """A month-only date: taken from notes and not re-read at its source."""
        return not self.scored

    def concerns(self, p: Profile) -> bool:
        """Whether a note speaks to this profile: one of its targets is named (or it names
        none) and every ``when`` answer matches."""
        named = {*p.targets, *p.training_targets()}
        if self.named_targets and not named & set(self.named_targets):
            return False
        answers = {"goal": p.goal, "priority": p.priority, "existing": p.existing,
                   "model_family": p.model_family or ""}
        return all(answers[k] in v for k, v in self.when.items())

    @property
    def has_values(self) -> bool:
        return bool(self.reach or self.scores)

    @property
    def as_of_date(self) -> date:
        """``as_of`` as a date (a month-only date counts from the 1st)."""
        parts = [int(p) for p in self.as_of.split("-")]
        return date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "statement": self.statement, "topic": self.topic,
                "stacks": list(self.stacks), "targets": list(self.targets),
                "serve": list(self.serve), "train": list(self.train), "reach": dict(self.reach),
                "scores": {c: dict(v) for c, v in self.scores.items()},
                "when": {k: list(v) for k, v in self.when.items()},
                "source": self.source, "as_of": self.as_of}


def _bad(file: str, fact_id: str, message: str) -> KnowledgeError:
    return KnowledgeError(f"knowledge/{file}: fact {fact_id or '?'}: {message}")


def _check_names(names: Iterable[str], valid: Iterable[str], what: str, file: str, fid: str
                 ) -> tuple[str, ...]:
    names = tuple(names)
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise _bad(file, fid, f"unknown {what} {', '.join(unknown)}")
    return names


def _check_value(value: Any, file: str, fid: str) -> Value:
    if isinstance(value, str) and value in LEVEL_SCORE:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    raise _bad(file, fid, f"value {value!r} is neither a level ({' '.join(LEVEL_SCORE)}) "
                          "nor a number in [0, 1]")


def _scores(raw: Any, file: str, fid: str) -> dict[str, dict[str, Value]]:
    if not isinstance(raw, dict):
        raise _bad(file, fid, "scores must map criteria to {stack: value}")
    out: dict[str, dict[str, Value]] = {}
    for crit, per in raw.items():
        _check_names([crit], CRITERIA, "criterion", file, fid)
        if not isinstance(per, dict) or not per:
            raise _bad(file, fid, f"scores.{crit} must map stacks to values")
        _check_names(per, STACK_IDS, "stack", file, fid)
        out[crit] = {s: _check_value(v, file, fid) for s, v in per.items()}
    return out


REQUIRED = ("id", "statement", "topic", "source", "as_of")
OPTIONAL = ("serve", "train", "reach", "scores", "stacks", "targets", "when")


def _when(raw: Any, file: str, fid: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise _bad(file, fid, "when must map answers to lists of values")
    _check_names(raw, WHEN, "answer", file, fid)
    return {k: _check_names(v if isinstance(v, list) else [v], WHEN[k], f"{k} value", file, fid)
            for k, v in raw.items()}


def parse_fact(raw: Any, file: str) -> Fact:
    """Validate one fact entry; every problem names the file and the fact id."""
    if not isinstance(raw, dict):
        raise _bad(file, "", "each fact is a mapping")
    fid = str(raw.get("id", ""))
    missing = [k for k in REQUIRED if not str(raw.get(k) or "").strip()]
    if missing:
        raise _bad(file, fid, f"missing {', '.join(missing)}")
    extra = sorted(set(raw) - set(REQUIRED) - set(OPTIONAL))
    if extra:
        raise _bad(file, fid, f"unknown keys {', '.join(extra)}")
    as_of, source = str(raw["as_of"]), str(raw["source"]).strip()
    if not ID_RE.match(fid):
        raise _bad(file, fid, "id must be lower-case words joined by '-'")
    if not SOURCE_RE.match(source):
        raise _bad(file, fid, f"source {source!r} is neither a URL nor owner/repo#number")
    if not AS_OF_RE.match(as_of):
        raise _bad(file, fid, f"as_of {as_of!r} is not YYYY-MM-DD or YYYY-MM")
    if raw["topic"] not in TOPICS:
        raise _bad(file, fid, f"topic {raw['topic']!r} is not one of {', '.join(TOPICS)}")
    reach = raw.get("reach") or {}
    _check_names(reach, TARGETS, "target", file, fid)
    serve = _check_names(raw.get("serve") or (), STACK_IDS, "stack", file, fid)
    train = _check_names(raw.get("train") or (), STACK_IDS, "stack", file, fid)
    if bool(reach) != bool(serve or train):
        raise _bad(file, fid, "reach needs serve/train stacks and the other way round")
    if len(as_of) != 10 and (reach or raw.get("scores")):
        raise _bad(file, fid, f"as_of {as_of} is a month: a lead cannot carry reach or scores; "
                              "re-read its source and date it to the day, or make it a note")
    return Fact(
        id=fid, statement=" ".join(str(raw["statement"]).split()), topic=raw["topic"],
        source=source, as_of=as_of, serve=serve, train=train,
        reach={t: str(_check_value(v, file, fid)) for t, v in reach.items()},
        scores=_scores(raw.get("scores") or {}, file, fid),
        named_stacks=_check_names(raw.get("stacks") or (), STACK_IDS, "stack", file, fid),
        named_targets=_check_names(raw.get("targets") or (), TARGETS, "target", file, fid),
        when=_when(raw.get("when") or {}, file, fid), file=file,
    )


def parse_facts(text: str, file: str) -> list[Fact]:
    """All facts of one YAML file (a top-level ``facts:`` list)."""
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict) or not isinstance(data.get("facts"), list):
        raise KnowledgeError(f"knowledge/{file}: expected a top-level 'facts:' list")
    return [parse_fact(raw, file) for raw in data["facts"]]


class KnowledgeBase:
    """Facts by id, with the queries the advisor needs."""

    def __init__(self, facts: Iterable[Fact]) -> None:
        self.facts: dict[str, Fact] = {}
        self._reach: dict[tuple[str, str, str], tuple[str, tuple[str, ...]]] = {}
        self._scores: dict[tuple[str, str], list[tuple[Fact, Value]]] = {}
        for fact in facts:
            if fact.id in self.facts:
                raise _bad(fact.file, fact.id, f"duplicate id (also in {self.facts[fact.id].file})")
            self.facts[fact.id] = fact

    def __len__(self) -> int:
        return len(self.facts)

    def get(self, fact_id: str) -> Fact:
        return self.facts[fact_id]

    def _own_reach(self, stack: str, target: str, role: str) -> list[tuple[str, str]]:
        return [(f.reach[target], f.id) for f in self.facts.values()
                if f.scored and target in f.reach
                and stack in (f.serve if role == "serve" else f.train)]

    def reach(self, stack: str, target: str, role: str) -> tuple[str, tuple[str, ...]]:
        """Best level at which ``stack`` can ``role`` (serve/train) on ``target``, and the facts
        behind it; ``?`` with no facts when nothing is known (memoised: facts never change)."""
        key = (stack, target, role)
        if key not in self._reach:
            self._reach[key] = self._reach_of(stack, target, role)
        return self._reach[key]

    def _reach_of(self, stack: str, target: str, role: str) -> tuple[str, tuple[str, ...]]:
        spec = BY_ID[stack]
        if role == "train" and spec.base:  # it trains exactly like its base stack
            return self.reach(spec.base, target, role)
        found = self._own_reach(stack, target, role)
        if target in spec.via_targets:  # Keras 3 runs in-process on its backends, where sourced
            for via in spec.reach_via:
                found += self._own_reach(via, target, role)
        if not found:
            return "?", ()
        best = max(LEVEL_RANK[level] for level, _ in found)
        level = next(lv for lv, _ in found if LEVEL_RANK[lv] == best)
        return level, tuple(dict.fromkeys(fid for lv, fid in found if lv == level))

    def scores(self, criterion: str, stack: str) -> list[tuple[Fact, Value]]:
        """Every fact that gives ``stack`` a value on ``criterion``, in file order."""
        key = (criterion, stack)
        if key not in self._scores:
            own = [(f, f.scores[criterion][stack]) for f in self.facts.values()
                   if f.scored and stack in f.scores.get(criterion, {})]
            base = BY_ID[stack].base
            if not own and base and criterion in AUTHOR_CRITERIA:  # the author's own trait
                own = self.scores(criterion, base)
            self._scores[key] = own
        return self._scores[key]

    def notes(self, stack: str) -> list[Fact]:
        """Pitfall and context facts (no machine value) that name ``stack``."""
        return [f for f in self.facts.values() if not f.has_values and stack in f.stacks]

    def leads(self) -> list[Fact]:
        """Facts dated by month only: notes taken from shared leads and not re-read."""
        return [f for f in self.facts.values() if f.lead]

    def select(self, stacks: Iterable[str] = (), target: str | None = None) -> list[Fact]:
        """Facts concerning any of ``stacks`` (all when empty) and ``target`` (any when None)."""
        wanted = set(stacks)
        return [f for f in self.facts.values()
                if (not wanted or wanted & set(f.stacks))
                and (target is None or target in f.targets)]


def value_score(value: Value) -> float | None:
    """A level or number as a criterion value in [0, 1] (None: unknown)."""
    return LEVEL_SCORE[value] if isinstance(value, str) else float(value)


@lru_cache(maxsize=1)
def load_knowledge() -> KnowledgeBase:
    """The packaged knowledge base (validated once per process)."""
    base = resources.files("stackpick.knowledge")
    facts: list[Fact] = []
    for name in FILES:
        facts += parse_facts(base.joinpath(name).read_text(encoding="utf-8"), name)
    return KnowledgeBase(facts)
