"""The advice as plain data: every part converts to JSON-ready dicts (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA = 1


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


@dataclass(frozen=True)
class Weight:
    criterion: str
    value: float
    why: str
    answers: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        from stackpick.advice.weights import LABELS

        return {"criterion": self.criterion, "label": LABELS[self.criterion],
                "weight": self.value, "why": self.why, "answers": list(self.answers)}


@dataclass(frozen=True)
class Score:
    """One criterion for one stack: value in [0, 1] (None: no evidence) times its weight."""

    criterion: str
    weight: float
    value: float | None
    basis: str  # facts | answers | measured | facts+measured | none
    reasons: tuple[Reason, ...]

    @property
    def contribution(self) -> float:
        return 0.0 if self.value is None else self.weight * self.value

    def to_dict(self) -> dict[str, Any]:
        from stackpick.advice.weights import LABELS

        return {"criterion": self.criterion, "label": LABELS[self.criterion],
                "weight": self.weight, "value": _round(self.value),
                "contribution": round(self.contribution, 6), "basis": self.basis,
                "reasons": [r.to_dict() for r in self.reasons]}


@dataclass(frozen=True)
class Ranked:
    stack: str
    name: str
    scores: tuple[Score, ...]

    @property
    def total(self) -> float:
        return round(sum(s.contribution for s in self.scores), 9)

    def score(self, criterion: str) -> Score:
        return next(s for s in self.scores if s.criterion == criterion)

    def to_dict(self, rank: int) -> dict[str, Any]:
        return {"rank": rank, "stack": self.stack, "name": self.name,
                "total": round(self.total, 6), "criteria": [s.to_dict() for s in self.scores]}


@dataclass(frozen=True)
class Eliminated:
    stack: str
    name: str
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"stack": self.stack, "name": self.name,
                "reasons": [r.to_dict() for r in self.reasons]}


@dataclass(frozen=True)
class Contradiction:
    answers: tuple[str, ...]
    text: str
    resolution: str
    facts: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"answers": list(self.answers), "text": self.text,
                "resolution": self.resolution, "facts": list(self.facts)}


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


@dataclass
class Advice:
    """The whole recommendation. :meth:`to_dict` is the documented JSON shape."""

    as_of: str
    profile: dict[str, Any]
    effective_profile: dict[str, Any]
    profile_source: str
    weights: list[Weight]
    ranking: list[Ranked]
    eliminated: list[Eliminated]
    contradictions: list[Contradiction] = field(default_factory=list)
    caveats: list[Caveat] = field(default_factory=list)
    flips: list[Flip] = field(default_factory=list)
    changes_checked: int = 0
    run: dict[str, Any] | None = None
    cells: list[int] = field(default_factory=list)

    @property
    def recommended(self) -> str | None:
        return self.ranking[0].stack if self.ranking else None

    @property
    def runner_up(self) -> str | None:
        return self.ranking[1].stack if len(self.ranking) > 1 else None

    @property
    def tied_with(self) -> list[str]:
        if not self.ranking:
            return []
        top = self.ranking[0].total
        return [r.stack for r in self.ranking[1:] if r.total == top]

    @property
    def margin(self) -> float | None:
        if len(self.ranking) < 2:
            return None
        return round(self.ranking[0].total - self.ranking[1].total, 6)

    def fact_ids(self) -> list[str]:
        """Every fact the advice cites, sorted."""
        found: set[str] = set()
        for r in self.ranking:
            for s in r.scores:
                for reason in s.reasons:
                    found.update(reason.facts)
        for e in self.eliminated:
            for reason in e.reasons:
                found.update(reason.facts)
        for item in (*self.contradictions, *self.caveats):
            found.update(item.facts)
        return sorted(found)

    def to_dict(self) -> dict[str, Any]:
        from stackpick.advice.summary import summary

        return {
            "schema": SCHEMA, "kind": "stackpick-advice", "as_of": self.as_of,
            "profile": self.profile, "effective_profile": self.effective_profile,
            "profile_source": self.profile_source,
            "recommended": self.recommended, "runner_up": self.runner_up,
            "tie": bool(self.tied_with), "tied_with": self.tied_with, "margin": self.margin,
            "summary": summary(self),
            "weights": [w.to_dict() for w in self.weights],
            "ranking": [r.to_dict(i + 1) for i, r in enumerate(self.ranking)],
            "eliminated": [e.to_dict() for e in self.eliminated],
            "contradictions": [c.to_dict() for c in self.contradictions],
            "sensitivity": {"smallest": self.flips[0].to_dict() if self.flips else None,
                            "flips": [f.to_dict() for f in self.flips],
                            "checked": self.changes_checked},
            "evidence": {"facts": self.fact_ids(), "run": self.run, "cells": self.cells},
            "caveats": [c.to_dict() for c in self.caveats],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
