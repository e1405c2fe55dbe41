"""The advisor's ``to_dict()`` output read tolerantly into what a report shows.

The report renders advice from its JSON form (so a stored or hand-edited advice renders too)
and never fails on a missing or renamed key: a part that is absent is simply not shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEXT_KEYS = ("text", "reason", "summary", "description", "message", "change", "detail", "why")
LABEL_KEYS = ("label", "name", "title", "id")


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
    parts = [x.get(k) for k in ("author", "authoring", "framework", "training", "serving",
                                "runtime") if x.get(k)]
    return " + ".join(dict.fromkeys(str(p) for p in parts)) or "?"


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


@dataclass
class Contribution:
    criterion: str
    weight: Any = None
    value: Any = None
    points: float | None = None
    evidence: list[str] = field(default_factory=list)


@dataclass
class StackView:
    label: str
    score: Any = None
    reasons: list[str] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)


@dataclass
class Fact:
    id: str
    text: str
    sources: list[tuple[str, str | None]]  # (title, http(s) url or None)
    as_of: str = ""


@dataclass
class AdviceView:
    pick: StackView | None = None
    runner_up: StackView | None = None
    tie: bool = False
    eliminated: list[tuple[str, list[str]]] = field(default_factory=list)
    flips: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)


def _number(x: Any) -> float | None:
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def _contribution(name: str, c: Any) -> Contribution:
    if not isinstance(c, dict):
        return Contribution(name, points=_number(c))
    ev = c.get("evidence") or c.get("sources") or []
    evidence = [str(e) for e in (ev if isinstance(ev, list) else [ev])]
    return Contribution(str(c.get("criterion") or c.get("name") or name), c.get("weight"),
                        first(c, "value", "raw", "score"),
                        _number(first(c, "contribution", "points", "weighted")), evidence)


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
    if not reasons:  # fall back to the criteria that carried the most weight
        top = sorted((c for c in contrib if c.points), key=lambda c: -(c.points or 0))[:3]
        reasons = [f"{c.criterion} (+{c.points:.2f})" for c in top]
    return StackView(label(x), first(x, "score", "total"), reasons, contrib)


def _eliminated(raw: Any) -> list[tuple[str, list[str]]]:
    if isinstance(raw, dict):
        return [(str(k), texts(v)) for k, v in raw.items()]
    return [(label(e), texts(first(e, "reasons", "reason", "why") if isinstance(e, dict)
                             else None)) for e in raw or []]


def safe_url(url: Any) -> str | None:
    """Only http(s) links become links: a 'javascript:' source must stay inert text."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else None


def _sources(raw: Any) -> list[tuple[str, str | None]]:
    out = []
    for s in raw if isinstance(raw, list) else [raw] if raw else []:
        if isinstance(s, dict):
            url = first(s, "url", "href", "link")
            out.append((str(first(s, "title", "name", "citation") or url or "source"),
                        safe_url(url)))
        else:
            out.append((str(s), safe_url(s)))
    return out


def _fact(f: Any) -> Fact:
    if not isinstance(f, dict):
        return Fact("", str(f), [])
    src = first(f, "sources", "source", "url", "urls", "links")
    text = first(f, "claim", "text", "statement", "fact", "summary", "value")
    return Fact(str(f.get("id") or ""), str(text or ""), _sources(src), str(f.get("as_of") or ""))


def _facts(advice: dict[str, Any]) -> list[Fact]:
    evidence = advice.get("evidence") if isinstance(advice.get("evidence"), dict) else {}
    raw = advice.get("facts") or [f for f in evidence.get("facts", []) if isinstance(f, dict)]
    facts = [_fact(f) for f in (raw.values() if isinstance(raw, dict) else raw)]
    used = {str(i) for i in evidence.get("facts", []) if not isinstance(i, dict)}
    return [f for f in facts if not used or not f.id or f.id in used]


def read_advice(advice: dict[str, Any] | None) -> AdviceView | None:
    """The parts of an advice dict a report shows, or None when there is no advice."""
    if not advice:
        return None
    ranked = first(advice, "ranked", "ranking", "candidates") or []
    pick = first(advice, "recommendation", "pick", "winner") or (ranked[0] if ranked else None)
    runner = first(advice, "runner_up", "runnerup") or (ranked[1] if len(ranked) > 1 else None)
    return AdviceView(
        pick=stack_view(pick), runner_up=stack_view(runner), tie=bool(advice.get("tie")),
        eliminated=_eliminated(first(advice, "eliminated", "ruled_out", "excluded")),
        flips=texts(first(advice, "sensitivity", "flips", "what_would_flip")),
        caveats=texts(advice.get("caveats")), facts=_facts(advice),
    )
