"""The facts an advice relied on, with their sources as safe links and their dates.

Advice carries the facts it cites (``facts``: id, statement, source, as_of); older advice has only
their ids (``evidence.facts``), listed by id. The report never imports the knowledge base.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

GITHUB_REF = re.compile(r"([\w.-]+/[\w.-]+)#(\d+)")
TEXT_KEYS = ("statement", "claim", "text", "fact", "summary", "value")


@dataclass
class Fact:
    id: str
    text: str
    sources: list[tuple[str, str | None]]  # (shown text, http(s) url or None)
    as_of: str = ""


def safe_url(url: Any) -> str | None:
    """Only http(s) links become links: a 'javascript:' source must stay inert text.
    GitHub shorthand (``owner/repo#123``, as the knowledge base cites) links to the thread."""
    text = str(url or "").strip()
    ref = GITHUB_REF.fullmatch(text)
    if ref:  # /issues/N redirects to /pull/N when N is a pull request
        return f"https://github.com/{ref[1]}/issues/{ref[2]}"
    return text if text.lower().startswith(("http://", "https://")) else None


def _first(d: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((d[k] for k in keys if d.get(k)), None)


def _sources(raw: Any) -> list[tuple[str, str | None]]:
    out = []
    for s in raw if isinstance(raw, list) else [raw] if raw else []:
        if isinstance(s, dict):
            url = _first(s, ("url", "href", "link"))
            shown = _first(s, ("title", "name", "citation")) or url or "source"
            out.append((str(shown), safe_url(url)))
        else:
            out.append((str(s), safe_url(s)))
    return out


def fact_from(f: Any) -> Fact:
    if not isinstance(f, dict):
        return Fact(str(f), "", [])
    src = _first(f, ("sources", "source", "url", "urls", "links"))
    return Fact(str(f.get("id") or ""), str(_first(f, TEXT_KEYS) or ""), _sources(src),
                str(f.get("as_of") or ""))


def _bare(fact_id: str) -> Fact:
    """A fact cited by id only (advice stored before facts travelled with it)."""
    return Fact(fact_id, "(details not stored with this advice; see: stackpick kb)", [])


def read_facts(advice: dict[str, Any]) -> list[Fact]:
    """Facts the advice used: given in full, else resolved from their ids."""
    evidence = advice.get("evidence") if isinstance(advice.get("evidence"), dict) else {}
    cited = evidence.get("facts") or []
    raw = advice.get("facts") or [f for f in cited if isinstance(f, dict)]
    facts = [fact_from(f) for f in (raw.values() if isinstance(raw, dict) else raw)]
    ids = [str(i) for i in cited if not isinstance(i, dict)]
    if not facts:
        return [_bare(i) for i in ids]
    return [f for f in facts if not ids or not f.id or f.id in ids]
