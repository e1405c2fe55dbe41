"""The advisor's ``to_dict()`` output read tolerantly into what a report shows.

The report renders advice from its JSON form (so stored advice re-renders) and never fails on a
missing or renamed key: an absent part is simply not shown. The advisor's shape (see
``stackpick.advice.model.Advice.to_dict``): ``recommended`` / ``runner_up`` stack ids,
``ranking`` entries (``stack``, ``name``, ``total``, ``criteria`` with ``label``, ``weight``,
``value``, ``contribution`` and cited ``reasons``), ``eliminated`` (``name``, ``reasons``),
``sensitivity`` (``flips``, ``checked``), ``weights``, ``caveats``, ``contradictions`` and
``evidence`` (fact ids, resolved here against the knowledge base for their sources).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stackpick.report.advice_facts import Fact, read_facts

TEXT_KEYS = ("text", "reason", "summary", "description", "message", "change", "detail", "why")
LABEL_KEYS = ("name", "label", "title")


def label(x: Any) -> str:
    """A stack's display name from a string or a dict in any of the likely shapes."""
    if x is None:
        return ""
    if not isinstance(x, dict):
        return str(x)
    for key in LABEL_KEYS:
        if x.get(key):
            return str(x[key])
    if "stack" in x:
        return label(x["stack"])
    parts = [x.get(k) for k in ("author", "framework", "serving", "runtime") if x.get(k)]
    return " + ".join(dict.fromkeys(str(p) for p in parts)) or str(x.get("id") or "?")


def texts(x: Any) -> list[str]:
    """Sentences from a string, a list, or dicts holding them under a usual key."""
    if x is None or x == "":
        return []
    if isinstance(x, list | tuple):
        return [t for item in x for t in texts(item)]
    if isinstance(x, dict):
        for key in TEXT_KEYS:
            if x.get(key):
                return texts(x[key])
        return ["; ".join(f"{k}: {v}" for k, v in x.items())]
    return [str(x)]


def first(d: dict[str, Any], *keys: str) -> Any:
    return next((d[k] for k in keys if d.get(k) not in (None, "", [], {})), None)


def _number(x: Any) -> float | None:
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


@dataclass
class Contribution:
    criterion: str
    weight: Any = None
    value: Any = None
    points: float | None = None
    evidence: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


@dataclass
class StackView:
    label: str
    score: Any = None
    reasons: list[str] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)


@dataclass
class AdviceView:
    pick: StackView | None = None
    runner_up: StackView | None = None
    tie: bool = False
    eliminated: list[tuple[str, list[str]]] = field(default_factory=list)
    flips: list[str] = field(default_factory=list)
    flip_note: str = ""
    weights: list[tuple[str, Any, str]] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)


def _cited(reasons: Any) -> list[str]:
    """Fact ids and cell ids a list of reason dicts cites, as 'fact-id' and 'cell 12'."""
    out: list[str] = []
    for r in reasons if isinstance(reasons, list) else []:
        if isinstance(r, dict):
            out += [str(f) for f in r.get("facts") or []]
            out += [f"cell {c}" for c in r.get("cells") or []]
    return list(dict.fromkeys(out))


def _contribution(name: str, c: Any) -> Contribution:
    if not isinstance(c, dict):
        return Contribution(name, points=_number(c))
    ev = c.get("evidence") or c.get("sources") or _cited(c.get("reasons"))
    evidence = [str(e) for e in (ev if isinstance(ev, list) else [ev])]
    return Contribution(str(first(c, "label", "criterion", "name") or name), c.get("weight"),
                        first(c, "value", "raw", "score"),
                        _number(first(c, "contribution", "points", "weighted")), evidence,
                        texts(c.get("reasons")))


def _contributions(raw: Any) -> list[Contribution]:
    if isinstance(raw, dict):
        return [_contribution(k, v) for k, v in raw.items()]
    return [_contribution(str(i), c) for i, c in enumerate(raw or [])]


def stack_view(x: Any) -> StackView | None:
    if not x:
        return None
    if not isinstance(x, dict):
        return StackView(str(x))
    contrib = _contributions(first(x, "contributions", "criteria", "breakdown"))
    reasons = texts(first(x, "reasons", "why", "explanation"))
    if not reasons:  # the criteria that carried the most weight, with their own reasons
        top = sorted((c for c in contrib if c.points), key=lambda c: -(c.points or 0))[:3]
        reasons = [f"{c.criterion} (+{c.points:.2f})" + (f": {c.reasons[0]}" if c.reasons
                                                          else "") for c in top]
    return StackView(label(x), first(x, "score", "total"), reasons, contrib)


def _resolve(x: Any, ranked: list[Any]) -> Any:
    """A stack id (as ``recommended`` / ``runner_up`` give it) -> its ranking entry."""
    if isinstance(x, str):
        return next((r for r in ranked if isinstance(r, dict) and x in (r.get("stack"),
                                                                         r.get("id"))), x)
    return x


def _eliminated(raw: Any) -> list[tuple[str, list[str]]]:
    if isinstance(raw, dict):
        return [(str(k), texts(v)) for k, v in raw.items()]
    return [(label(e), texts(first(e, "reasons", "reason", "why") if isinstance(e, dict)
                             else None)) for e in raw or []]


def _names(advice: dict[str, Any]) -> dict[str, str]:
    """Stack id -> display name, from the ranking and the eliminated list."""
    items = (first(advice, "ranking", "ranked") or []) + (advice.get("eliminated") or [])
    return {str(i["stack"]): label(i) for i in items
            if isinstance(i, dict) and isinstance(i.get("stack"), str)}


def _flips(advice: dict[str, Any]) -> tuple[list[str], str]:
    raw = first(advice, "sensitivity", "flips", "what_would_flip")
    if not isinstance(raw, dict):
        return texts(raw), ""
    names, out = _names(advice), []
    for f in raw.get("flips") or []:
        new = f.get("new_pick") if isinstance(f, dict) else None
        to = f": the pick becomes {names.get(new, new)}" if new else ": no stack qualifies"
        out += [t + (to if isinstance(f, dict) else "") for t in texts(f)[:1]]
    checked = raw.get("checked")
    note = (f"None of the {checked} single-answer changes tried flips the pick." if checked
            else "No single change of answers flips the pick.")
    return out, note


def _caveats(advice: dict[str, Any]) -> list[str]:
    out = []
    for c in advice.get("contradictions") or []:
        out += [" ".join(texts(c.get("text")) + texts(c.get("resolution")))
                if isinstance(c, dict) else str(c)]
    for c in advice.get("caveats") or []:
        command = c.get("command") if isinstance(c, dict) else None
        out += [t + (f" (try: {command})" if command else "") for t in texts(c)[:1]]
    return out


def _weights(advice: dict[str, Any]) -> list[tuple[str, Any, str]]:
    return [(str(first(w, "label", "criterion") or "?"), w.get("weight"),
             " ".join(texts(w.get("why")))) for w in advice.get("weights") or []
            if isinstance(w, dict)]


def read_advice(advice: dict[str, Any] | None) -> AdviceView | None:
    """The parts of an advice dict a report shows, or None when there is no advice."""
    if not advice:
        return None
    ranked = first(advice, "ranking", "ranked", "candidates") or []
    pick = _resolve(first(advice, "recommended", "recommendation", "pick"), ranked) or (
        ranked[0] if ranked else None)
    runner = _resolve(first(advice, "runner_up", "runnerup"), ranked) or (
        ranked[1] if len(ranked) > 1 else None)
    flips, note = _flips(advice)
    return AdviceView(
        pick=stack_view(pick), runner_up=stack_view(runner), tie=bool(advice.get("tie")),
        eliminated=_eliminated(first(advice, "eliminated", "ruled_out", "excluded")),
        flips=flips, flip_note=note, weights=_weights(advice), caveats=_caveats(advice),
        facts=read_facts(advice),
    )
