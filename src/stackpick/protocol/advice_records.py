"""The parts of an advice as typed records: each has ``to_dict`` and a tolerant ``from_dict``.

Old (schema 1) and new dicts both load: a missing key takes its default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCHEMA = 2
LABELS = {
    "research_velocity": "Research velocity",
    "ecosystem": "Ecosystem breadth",
    "eager_to_compiled": "Eager-to-compiled path",
    "deployment_maturity": "Deployment maturity",
    "target_reach": "Reach on your targets",
    "portability": "Portability (breadth)",
    "team_fit": "Team fit",
    "measured_inference_speed": "Measured inference speed",
    "measured_training_speed": "Measured training speed",
    "footprint": "Footprint",
    "cold_start": "Cold start",
    "needs_fit": "Stated needs",
    "llm_serving": "LLM serving engine",
}


def _d(x: Any) -> dict[str, Any]:
    return x if isinstance(x, dict) else {}


def _list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, list | tuple) else []


def _strs(x: Any) -> tuple[str, ...]:
    return tuple(str(i) for i in _list(x))


def _ints(x: Any) -> tuple[int, ...]:
    return tuple(int(i) for i in _list(x) if isinstance(i, int | float))


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else None


def label(criterion: str) -> str:
    return LABELS.get(criterion, criterion.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Reason:
    """One explained statement, citing facts, the user's answers and/or measured cells."""

    text: str
    facts: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    cells: tuple[int, ...] = ()

    @property
    def cited(self) -> bool:
        return bool(self.facts or self.answers or self.cells)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "facts": list(self.facts), "answers": list(self.answers),
                "cells": list(self.cells)}

    @classmethod
    def from_dict(cls, d: Any) -> Reason:
        if isinstance(d, str):
            return cls(d)
        d = _d(d)
        return cls(str(d.get("text") or ""), _strs(d.get("facts")), _strs(d.get("answers")),
                   _ints(d.get("cells")))


def _reasons(x: Any) -> tuple[Reason, ...]:
    return tuple(Reason.from_dict(r) for r in _list(x))


@dataclass(frozen=True)
class Weight:
    criterion: str
    value: float
    why: str
    answers: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "label": label(self.criterion),
                "weight": self.value, "why": self.why, "answers": list(self.answers)}

    @classmethod
    def from_dict(cls, d: Any) -> Weight:
        d = _d(d)
        return cls(str(d.get("criterion") or "?"), _num(d.get("weight")) or 0.0,
                   str(d.get("why") or ""), _strs(d.get("answers")))


@dataclass(frozen=True)
class Score:
    """One criterion for one stack: value in [0, 1] (None: no evidence) times its weight."""

    criterion: str
    weight: float
    value: float | None
    basis: str  # facts | answers | measured | facts+measured | none
    reasons: tuple[Reason, ...]
    spread: float = 0.0  # half-width of the value's range from measurement intervals

    @property
    def contribution(self) -> float:
        return 0.0 if self.value is None else self.weight * self.value

    def to_dict(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "label": label(self.criterion),
                "weight": self.weight, "value": None if self.value is None
                else round(self.value, 6), "contribution": round(self.contribution, 6),
                "basis": self.basis, "spread": round(self.spread, 6),
                "reasons": [r.to_dict() for r in self.reasons]}

    @classmethod
    def from_dict(cls, d: Any) -> Score:
        d = _d(d)
        return cls(str(d.get("criterion") or d.get("label") or "?"), _num(d.get("weight")) or 0.0,
                   _num(d.get("value")), str(d.get("basis") or "none"), _reasons(d.get("reasons")),
                   _num(d.get("spread")) or 0.0)


@dataclass(frozen=True)
class Route:
    """The serving runtime chosen for one target (``stack`` is the single-runtime stack id)."""

    target: str
    stack: str
    runtime: str

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "stack": self.stack, "runtime": self.runtime}

    @classmethod
    def from_dict(cls, d: Any) -> Route:
        d = _d(d)
        return cls(str(d.get("target") or ""), str(d.get("stack") or ""),
                   str(d.get("runtime") or ""))


@dataclass(frozen=True)
class Ranked:
    """A candidate: authoring framework, where it trains, and a serving runtime per target."""

    stack: str
    name: str
    scores: tuple[Score, ...]
    author: str = ""
    train_on: tuple[str, ...] = ()
    routes: tuple[Route, ...] = ()

    @property
    def total(self) -> float:
        return round(sum(s.contribution for s in self.scores), 9)

    def score(self, criterion: str) -> Score:
        return next(s for s in self.scores if s.criterion == criterion)

    def to_dict(self, rank: int) -> dict[str, Any]:
        return {"rank": rank, "stack": self.stack, "name": self.name, "author": self.author,
                "train_on": list(self.train_on), "routes": [r.to_dict() for r in self.routes],
                "total": round(self.total, 6), "criteria": [s.to_dict() for s in self.scores]}

    @classmethod
    def from_dict(cls, d: Any) -> Ranked:
        d = _d(d)
        stack = str(d.get("stack") or d.get("id") or "?")
        return cls(stack, str(d.get("name") or stack),
                   tuple(Score.from_dict(s) for s in _list(d.get("criteria"))),
                   str(d.get("author") or ""), _strs(d.get("train_on")),
                   tuple(Route.from_dict(r) for r in _list(d.get("routes"))))


@dataclass(frozen=True)
class Eliminated:
    stack: str
    name: str
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"stack": self.stack, "name": self.name,
                "reasons": [r.to_dict() for r in self.reasons]}

    @classmethod
    def from_dict(cls, d: Any) -> Eliminated:
        d = _d(d)
        stack = str(d.get("stack") or "?")
        return cls(stack, str(d.get("name") or stack), _reasons(d.get("reasons")))


@dataclass(frozen=True)
class Contradiction:
    answers: tuple[str, ...]
    text: str
    resolution: str
    facts: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"answers": list(self.answers), "text": self.text,
                "resolution": self.resolution, "facts": list(self.facts)}

    @classmethod
    def from_dict(cls, d: Any) -> Contradiction:
        d = _d(d)
        return cls(_strs(d.get("answers")), str(d.get("text") or ""),
                   str(d.get("resolution") or ""), _strs(d.get("facts")))


@dataclass(frozen=True)
class Caveat:
    text: str
    command: str | None = None
    facts: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    cells: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "command": self.command, "facts": list(self.facts),
                "answers": list(self.answers), "cells": list(self.cells)}

    @classmethod
    def from_dict(cls, d: Any) -> Caveat:
        if isinstance(d, str):
            return cls(d)
        d = _d(d)
        return cls(str(d.get("text") or ""), d.get("command") or None, _strs(d.get("facts")),
                   _strs(d.get("answers")), _ints(d.get("cells")))


@dataclass(frozen=True)
class Change:
    """One single-answer change tried by the sensitivity analysis."""

    answer: str
    old: Any
    new: Any
    size: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"answer": self.answer, "from": self.old, "to": self.new, "size": self.size,
                "text": self.text}


@dataclass(frozen=True)
class Flip:
    change: Change
    new_pick: str | None

    def to_dict(self) -> dict[str, Any]:
        return {**self.change.to_dict(), "new_pick": self.new_pick}

    @classmethod
    def from_dict(cls, d: Any) -> Flip:
        d = _d(d)
        size = d.get("size")
        change = Change(str(d.get("answer") or ""), d.get("from"), d.get("to"),
                        int(size) if isinstance(size, int | float) else 0,
                        str(d.get("text") or ""))
        return cls(change, d.get("new_pick"))


@dataclass(frozen=True)
class Tie:
    """The leaders whose margin is inside its uncertainty, and what decides between them."""

    stacks: tuple[str, ...]
    margin: float
    uncertainty: float
    decided_by: str
    separate: str

    def to_dict(self) -> dict[str, Any]:
        return {"stacks": list(self.stacks), "margin": round(self.margin, 6),
                "uncertainty": round(self.uncertainty, 6), "decided_by": self.decided_by,
                "separate": self.separate}

    @classmethod
    def from_dict(cls, d: Any) -> Tie | None:
        d = _d(d)
        if not d.get("stacks"):
            return None
        return cls(_strs(d["stacks"]), _num(d.get("margin")) or 0.0,
                   _num(d.get("uncertainty")) or 0.0, str(d.get("decided_by") or ""),
                   str(d.get("separate") or ""))


@dataclass(frozen=True)
class Fact:
    """A knowledge-base fact an advice cites, as it travels with the advice: its statement
    in the project's words, its source (a URL or ``owner/repo#number``) and its date. Advice
    stored before facts travelled with it has their ids only (empty statement)."""

    id: str
    statement: str = ""
    source: str = ""
    as_of: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "statement": self.statement, "source": self.source,
                "as_of": self.as_of}

    @classmethod
    def from_dict(cls, d: Any) -> Fact:
        if isinstance(d, str):
            return cls(d)
        d = _d(d)
        return cls(str(d.get("id") or ""), str(d.get("statement") or ""),
                   str(d.get("source") or ""), str(d.get("as_of") or ""))
