"""The advice as typed records, with ``to_dict`` (the JSON ``advise --json`` writes and the store
keeps in ``runs.notes_json["advice"]``) and tolerant ``from_dict`` (advice stored by older
versions reads back: a missing key takes its default, an unknown one is ignored).

The advisor (``stackpick.advice``) builds these; the reports render them. Nothing here imports
the advisor, so ``report/`` may use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stackpick.protocol.advice_records import (
    LABELS,
    SCHEMA,
    Caveat,
    Change,
    Contradiction,
    Eliminated,
    Fact,
    Flip,
    Ranked,
    Reason,
    Route,
    Score,
    Tie,
    Weight,
    _d,
    _ints,
    _list,
    _strs,
    label,
)

__all__ = ["LABELS", "SCHEMA", "Advice", "Caveat", "Change", "Contradiction", "Eliminated",
           "Fact", "Flip", "Ranked", "Reason", "Route", "Score", "Tie", "Weight", "key_scores",
           "label"]

MEASURED_LEAD = 0.1  # a measured edge of at least this many points leads the reasons


def key_scores(a: Ranked, b: Ranked | None, n: int = 3) -> list[Score]:
    """The criteria to give first for ``a``: those that separate it from ``b`` (measured
    evidence first when its edge is at least :data:`MEASURED_LEAD` points, then by edge),
    then its largest contributions."""
    mine = sorted((s for s in a.scores if s.contribution > 0),
                  key=lambda s: (-s.contribution, s.criterion))
    if b is None:
        return mine[:n]
    theirs = {s.criterion: s.contribution for s in b.scores}
    edge = {s.criterion: s.contribution - theirs.get(s.criterion, 0.0) for s in mine}
    ahead = sorted((s for s in mine if edge[s.criterion] > 0),
                   key=lambda s: (not (s.criterion.startswith("measured_")
                                       and edge[s.criterion] >= MEASURED_LEAD),
                                  -edge[s.criterion], s.criterion))
    return [*ahead, *(s for s in mine if s not in ahead)][:n]


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
    rests_on: str = ""  # when no plausible change flips the pick: what it rests on most
    tie: Tie | None = None
    run: dict[str, Any] | None = None
    cells: list[int] = field(default_factory=list)
    summary: str = ""
    options: dict[str, Any] = field(default_factory=dict)  # allow_unknown, measurements
    facts: list[Fact] = field(default_factory=list)  # the cited facts, with their sources

    @property
    def recommended(self) -> str | None:
        return self.ranking[0].stack if self.ranking else None

    @property
    def runner_up(self) -> str | None:
        return self.ranking[1].stack if len(self.ranking) > 1 else None

    @property
    def tied_with(self) -> list[str]:
        return [s for s in self.tie.stacks if s != self.recommended] if self.tie else []

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
        for c in self.contradictions:
            found.update(c.facts)
        for cav in self.caveats:
            found.update(cav.facts)
        return sorted(found)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA, "kind": "stackpick-advice", "as_of": self.as_of,
            "profile": self.profile, "effective_profile": self.effective_profile,
            "profile_source": self.profile_source, "options": self.options,
            "recommended": self.recommended, "runner_up": self.runner_up,
            "tie": bool(self.tied_with), "tied_with": self.tied_with, "margin": self.margin,
            "tie_detail": self.tie.to_dict() if self.tie else None,
            "summary": self.summary,
            "weights": [w.to_dict() for w in self.weights],
            "ranking": [r.to_dict(i + 1) for i, r in enumerate(self.ranking)],
            "eliminated": [e.to_dict() for e in self.eliminated],
            "contradictions": [c.to_dict() for c in self.contradictions],
            "sensitivity": {"smallest": self.flips[0].to_dict() if self.flips else None,
                            "flips": [f.to_dict() for f in self.flips],
                            "checked": self.changes_checked, "rests_on": self.rests_on},
            "evidence": {"facts": self.fact_ids(), "run": self.run, "cells": self.cells},
            "caveats": [c.to_dict() for c in self.caveats],
            "facts": [f.to_dict() for f in self.facts],
        }

    @classmethod
    def from_dict(cls, d: Any) -> Advice:
        """Tolerant reading: schema 1 (no routes, no tie detail) and schema 2 both load."""
        d = _d(d)
        sens = _d(d.get("sensitivity"))
        tie = Tie.from_dict(d.get("tie_detail"))
        if tie is None and d.get("tied_with"):  # schema 1: exact ties only
            tied = (str(d.get("recommended")), *_strs(d["tied_with"]))
            tie = Tie(tied, 0.0, 0.0, "", "")
        return cls(
            as_of=str(d.get("as_of") or ""), profile=_d(d.get("profile")),
            effective_profile=_d(d.get("effective_profile")),
            profile_source=str(d.get("profile_source") or ""),
            weights=[Weight.from_dict(w) for w in _list(d.get("weights"))],
            ranking=[Ranked.from_dict(r) for r in _list(d.get("ranking"))],
            eliminated=[Eliminated.from_dict(e) for e in _list(d.get("eliminated"))],
            contradictions=[Contradiction.from_dict(c) for c in _list(d.get("contradictions"))],
            caveats=[Caveat.from_dict(c) for c in _list(d.get("caveats"))],
            flips=[Flip.from_dict(f) for f in _list(sens.get("flips"))],
            changes_checked=int(sens.get("checked") or 0),
            rests_on=str(sens.get("rests_on") or ""), tie=tie,
            run=d.get("run") if isinstance(d.get("run"), dict) else
            _d(d.get("evidence")).get("run"),
            cells=list(_ints(_d(d.get("evidence")).get("cells"))),
            summary=str(d.get("summary") or ""), options=_d(d.get("options")),
            facts=_facts(d),
        )


def _facts(d: dict[str, Any]) -> list[Fact]:
    """The cited facts in full; advice stored before they travelled with it names their ids
    (``evidence.facts``) only."""
    given = [Fact.from_dict(f) for f in _list(d.get("facts"))]
    return given or [Fact.from_dict(i) for i in _list(_d(d.get("evidence")).get("facts"))
                     if isinstance(i, str)]
