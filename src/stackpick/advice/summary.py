"""A few plain sentences that sum the advice up (terminal header, Markdown, HTML)."""

from __future__ import annotations

from stackpick.advice.model import Advice, Ranked, Score
from stackpick.protocol.advice import LABELS, key_scores

TOP_REASONS = 3


def top_criteria(r: Ranked, n: int = TOP_REASONS) -> list[Score]:
    """The criteria that contributed most to a stack's total, largest first."""
    return sorted((s for s in r.scores if s.contribution > 0),
                  key=lambda s: (-s.contribution, s.criterion))[:n]


def summary(advice: Advice) -> str:
    """E.g. 'Recommended: X (7.31), mostly for team fit, ... Runner-up: Y (6.90).'"""
    if not advice.ranking:
        return ("No stack meets every hard constraint; see 'eliminated' for the reasons and "
                "'sensitivity' for an answer that would leave one standing.")
    first = advice.ranking[0]
    text = f"Recommended: {first.name} ({first.total:.2f})"
    if advice.tie and advice.tied_with:
        names = {r.stack: r.name for r in advice.ranking}
        others = ", ".join(f"{names.get(s, s)} ({t:.2f})" for s, t in
                           ((s, next(r.total for r in advice.ranking if r.stack == s))
                            for s in advice.tied_with))
        tie = advice.tie
        text = (f"Tie between {first.name} ({first.total:.2f}) and {others}: the margin "
                f"{tie.margin:.2f} is within its uncertainty ({tie.uncertainty:.2f}); "
                f"decided by {tie.decided_by.lower()}, listed first")
    second = advice.ranking[1] if len(advice.ranking) > 1 else None
    why = [LABELS[s.criterion].lower() for s in key_scores(first, second)]
    if why:
        text += f", mostly for {', '.join(why)}"
    text += "."
    if first.routes and len({r.stack for r in first.routes}) > 1:
        text += " Runtimes: " + ", ".join(f"{r.runtime} on {r.target}" for r in first.routes) + "."
    if advice.tie and advice.tie.separate:
        text += f" What would separate them: {advice.tie.separate}."
    if advice.runner_up and not advice.tied_with:
        second = advice.ranking[1]
        text += f" Runner-up: {second.name} ({second.total:.2f})."
    if advice.eliminated:
        text += f" Ruled out: {len(advice.eliminated)}."
    if advice.flips:
        flip = advice.flips[0]
        text += f" Would change with: {flip.change.text} (-> {flip.new_pick or 'no stack'})."
    return text
