"""Sensitivity: every single-answer change, smallest first, and which of them flip the pick.

Size of a change: steps along an ordered scale (none->some->strong is 1, none->strong 2;
research->production 2; training<->inference 2, either<->both 1); adding or removing one target
or need, changing the existing stack, model family or latency budget is 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from stackpick.advice.model import Change, Flip
from stackpick.profile import (
    EXISTING,
    FRAMEWORKS,
    GOALS,
    LEVELS,
    MODEL_FAMILIES,
    NEEDS,
    PRIORITIES,
    TARGETS,
    Profile,
)

MAX_FLIPS = 5
GOAL_STEP = {("training", "both"): 1, ("inference", "both"): 1, ("training", "inference"): 2}
TRY_BUDGET_MS = 10.0  # the budget tried when none was given: a strict, typical online target


def _goal_size(a: str, b: str) -> int:
    return GOAL_STEP.get((a, b)) or GOAL_STEP[(b, a)]


def _scalar_changes(p: Profile) -> Iterator[tuple[Change, Profile]]:
    for new in PRIORITIES:
        if new != p.priority:
            size = abs(PRIORITIES.index(new) - PRIORITIES.index(p.priority))
            yield (Change("priority", p.priority, new, size, f"priority {p.priority} -> {new}"),
                   replace(p, priority=new))
    for new in GOALS:
        if new != p.goal:
            yield (Change("goal", p.goal, new, _goal_size(p.goal, new), f"goal {p.goal} -> {new}"),
                   replace(p, goal=new))
    for fw in FRAMEWORKS:
        old = p.skill(fw)
        for new in LEVELS:
            if new != old:
                size = abs(LEVELS.index(new) - LEVELS.index(old))
                yield (Change(f"expertise.{fw}", old, new, size, f"{fw} expertise {old} -> {new}"),
                       replace(p, expertise={**p.expertise, fw: new}))


def _list_changes(p: Profile) -> Iterator[tuple[Change, Profile]]:
    for t in TARGETS:
        if t not in p.targets:
            yield (Change("targets", None, t, 1, f"add target {t}"),
                   replace(p, targets=(*p.targets, t)))
        elif len(p.targets) > 1:
            yield (Change("targets", t, None, 1, f"drop target {t}"),
                   replace(p, targets=tuple(x for x in p.targets if x != t)))
    for n in NEEDS:
        if n in p.needs:
            yield (Change("needs", n, None, 1, f"drop need {n}"),
                   replace(p, needs=tuple(x for x in p.needs if x != n)))
        else:
            yield Change("needs", None, n, 1, f"add need {n}"), replace(p, needs=(*p.needs, n))


def _other_changes(p: Profile) -> Iterator[tuple[Change, Profile]]:
    for new in EXISTING:
        if new != p.existing:
            yield (Change("existing", p.existing, new, 1, f"existing stack {p.existing} -> {new}"),
                   replace(p, existing=new))
    new_budget = None if p.latency_budget_ms is not None else TRY_BUDGET_MS
    text = "drop the latency budget" if new_budget is None else \
        f"add a latency budget of {TRY_BUDGET_MS:g} ms"
    yield (Change("latency_budget_ms", p.latency_budget_ms, new_budget, 1, text),
           replace(p, latency_budget_ms=new_budget))
    for new in (*MODEL_FAMILIES, None):
        if new != p.model_family:
            yield (Change("model_family", p.model_family, new, 1,
                          f"model family {p.model_family or 'unset'} -> {new or 'unset'}"),
                   replace(p, model_family=new))


def changes(p: Profile) -> list[tuple[Change, Profile]]:
    """Every single-answer change, smallest first (stable order within a size)."""
    found = [*_scalar_changes(p), *_list_changes(p), *_other_changes(p)]
    return sorted(found, key=lambda pair: pair[0].size)


def find_flips(p: Profile, pick: str | None, pick_for: Callable[[Profile], str | None]
               ) -> tuple[list[Flip], int]:
    """The smallest changes that change the pick (at most :data:`MAX_FLIPS`), and how many
    changes were tried (all of them)."""
    tried = changes(p)
    flips = [Flip(change, new) for change, changed in tried if (new := pick_for(changed)) != pick]
    return flips[:MAX_FLIPS], len(tried)
