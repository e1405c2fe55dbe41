"""The facts an advice relied on, with their sources as safe links and their dates.

Advice carries the facts it cites (:class:`~stackpick.protocol.advice.Fact`: id, statement,
source, as_of); advice stored before they travelled with it has their ids only, shown with a
pointer to ``stackpick kb``. The report never imports the knowledge base.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stackpick.protocol.advice import Advice, Fact

GITHUB_REF = re.compile(r"([\w.-]+/[\w.-]+)#(\d+)")
NOT_STORED = "(details not stored with this advice; see: stackpick kb)"


@dataclass
class FactView:
    id: str
    text: str
    sources: list[tuple[str, str | None]]  # (shown text, http(s) url or None)
    as_of: str = ""


def safe_url(url: str) -> str | None:
    """Only http(s) links become links: a 'javascript:' source must stay inert text.
    GitHub shorthand (``owner/repo#123``, as the knowledge base cites) links to the thread."""
    text = url.strip()
    ref = GITHUB_REF.fullmatch(text)
    if ref:  # /issues/N redirects to /pull/N when N is a pull request
        return f"https://github.com/{ref[1]}/issues/{ref[2]}"
    return text if text.lower().startswith(("http://", "https://")) else None


def fact_view(f: Fact) -> FactView:
    sources = [(f.source, safe_url(f.source))] if f.source else []
    return FactView(f.id, f.statement or NOT_STORED, sources, f.as_of)


def read_facts(advice: Advice) -> list[FactView]:
    """Facts the advice used, as the report shows them."""
    return [fact_view(f) for f in advice.facts]
