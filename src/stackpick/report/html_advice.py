"""HTML for the decision: the recommendation card, the answers, and the sourced facts used."""

from __future__ import annotations

from typing import Any

from stackpick.report.advice_view import AdviceView, Contribution
from stackpick.report.html_parts import Markup, dl, join, link, plain, section, table, tag, ul


def _score(x: Any) -> str:
    try:
        return f"{float(x):.2f}"
    except (TypeError, ValueError):
        return "" if x is None else str(x)


def _contrib_rows(items: list[Contribution]) -> list[list[Any]]:
    top = max((abs(c.points or 0) for c in items), default=0) or 1.0
    rows = []
    for c in sorted(items, key=lambda c: -(c.points or 0)):
        width = f"{abs(c.points or 0) / top * 100:.0f}%"
        bar = tag("span", "", "meter", style=f"width:{width}")
        points = (tag("span", join([bar, _score(c.points)]), "points")
                  if c.points is not None else "-")
        rows.append([c.criterion, _score(c.weight), plain(c.value), points,
                     ", ".join(c.evidence) or "-"])
    return rows


def _contributions(view: AdviceView) -> Markup:
    stack = view.pick
    parts = []
    if stack and stack.contributions:
        rows = _contrib_rows(stack.contributions)
        parts.append(table(["criterion", "weight", "value", "contribution", "evidence"], rows,
                           (1, 3), caption=f"How each criterion contributed to {stack.label}"))
    if view.weights:
        rows = [[name, _score(weight), why or "-"] for name, weight, why in view.weights]
        parts.append(table(["criterion", "weight", "why this weight"], rows, (1,),
                           caption="How your answers weighted the criteria"))
    if not parts:
        return Markup("")
    return tag("details", join([tag("summary", "Score by criterion and weights"), *parts]))


def _pick(view: AdviceView) -> Markup:
    pick = view.pick
    if pick is None:
        return tag("p", "The advisor made no pick (every stack was ruled out).", "pick")
    score = f" · score {_score(pick.score)}" if pick.score is not None else ""
    kicker = "Tie: recommended stacks" if view.tie else "Recommended stack"
    headline = tag("p", join([tag("strong", pick.label), tag("span", score, "muted")]), "pick")
    return join([tag("p", kicker, "kicker"), headline, tag("h3", "Why"),
                 ul(pick.reasons) or tag("p", "No reasons given.")])


def _some(items: list[str], shown: int, more: str) -> Markup:
    """The first ``shown`` items, the rest folded (opened for print by report.js)."""
    rest = items[shown:]
    folded = tag("details", join([tag("summary", f"{len(rest)} {more}"), ul(rest)])
                 ) if rest else ""
    return join([ul(items[:shown]), folded])


def _runner_up(view: AdviceView) -> Markup:
    r = view.runner_up
    if r is None:
        return Markup("")
    score = f" (score {_score(r.score)})" if r.score is not None else ""
    return join([tag("h3", "Runner-up"), tag("p", join([tag("strong", r.label), score])),
                 ul(r.reasons[:3])])


def _eliminated(view: AdviceView) -> Markup:
    if not view.eliminated:
        return Markup("")
    rows = [[name, "; ".join(reasons) or "no reason given"] for name, reasons in view.eliminated]
    return join([tag("h3", "Ruled out"), table(["stack", "why"], rows)])


def recommendation(view: AdviceView | None) -> Markup:
    """The recommendation card, or a short note on how to get one when there is no advice."""
    if view is None:
        note = join(["No recommendation in this report: it was rendered from measurements "
                     "alone. Run ", tag("code", "stackpick run"), " for an explained pick."])
        return tag("section", tag("p", note, "muted"), "card", id="recommendation")
    flips = _some(view.flips, 3, "more changes that flip it") or tag(
        "p", view.flip_note or "No change of answers was tried.", "muted")
    main = tag("div", join([_pick(view), _runner_up(view)]), "card-main")
    side = tag("div", join([tag("h3", "What would change the pick"), flips]), "card-side")
    caveats = join([tag("h3", "Caveats"), _some(view.caveats, 4, "more caveats")]
                   ) if view.caveats else ""
    body = join([tag("div", join([main, side]), "card-grid"), caveats, _eliminated(view),
                 _contributions(view)])
    return tag("section", join([tag("h2", "Recommendation"), body]), "card", id="recommendation")


def answers(given: list[tuple[str, object]]) -> Markup:
    """The four questions' answers (and any other profile fields) as a definition list."""
    if not given:
        body = tag("p", "No answers stored with this run.", "muted")
    else:
        body = dl((str(k).replace("_", " "), plain(v)) for k, v in given)
    return section("answers", "Your answers", body)


def facts(view: AdviceView | None) -> Markup:
    """Knowledge-base facts the advice used, each with its sources as links and its date."""
    if view is None or not view.facts:
        return Markup("")
    rows = []
    for f in view.facts:
        sources = join((link(title, url) for title, url in f.sources), Markup("<br>")) or "-"
        rows.append([f.id or "-", f.text, sources, f.as_of or "-"])
    return section("facts", "Facts used", table(["id", "fact", "sources", "as of"], rows,
                                                       cls="fact-table"),
                   "Every fact the recommendation relied on, with where it comes from.")
