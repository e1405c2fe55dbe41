"""Sensitivity: the changes a team could plausibly make, smallest first, and which flip the pick.

Plausible (size 1 unless said): an answer one step up or down its ordered scale (priority,
goal, each framework's expertise), a named target dropped, a stated need dropped, the latency
budget dropped, halved or doubled, the existing serving stack set to none, the model family to
a neighbour; a neighbouring target added (size 2: a new requirement, not a revision). When no
change flips the pick, the advice says what the pick rests on most.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from stackpick.advice.model import Change, Flip, Ranked
from stackpick.profile import FRAMEWORKS, GOALS, LEVELS, PRIORITIES, TRAINING_TARGETS, Profile
from stackpick.protocol.advice import label

MAX_FLIPS = 5
NEIGHBOURS = {
    "x86-cpu": ("arm-cpu", "serverless"), "arm-cpu": ("x86-cpu", "android"),
    "nvidia-gpu": ("amd-gpu", "x86-cpu"), "amd-gpu": ("nvidia-gpu",),
    "intel-gpu": ("nvidia-gpu",), "apple-silicon": ("ios",), "tpu": ("nvidia-gpu",),
    "aws-neuron": ("nvidia-gpu",), "android": ("ios",), "ios": ("android",),
    "browser": ("desktop",), "desktop": ("browser", "x86-cpu"),
    "microcontroller": ("android",), "serverless": ("x86-cpu",),
}
FAMILY_NEIGHBOURS = {"mlp": ("cnn",), "cnn": ("mlp", "transformer"), "transformer": ("llm", "cnn"),
                     "llm": ("transformer",), "other": ()}


def _steps(scale: tuple[str, ...], current: str) -> list[str]:
    i = scale.index(current)
    return [scale[j] for j in (i - 1, i + 1) if 0 <= j < len(scale)]


def _scalar_changes(p: Profile) -> Iterator[tuple[Change, Profile]]:
    for new in _steps(PRIORITIES, p.priority):
        yield (Change("priority", p.priority, new, 1, f"priority {p.priority} -> {new}"),
               replace(p, priority=new))
    for new in _steps(GOALS, p.goal):
        yield Change("goal", p.goal, new, 1, f"goal {p.goal} -> {new}"), replace(p, goal=new)
    for fw in FRAMEWORKS:
        old = p.skill(fw)
        for new in _steps(LEVELS, old):
            yield (Change(f"expertise.{fw}", old, new, 1, f"{fw} expertise {old} -> {new}"),
                   replace(p, expertise={**p.expertise, fw: new}))


def _list_changes(p: Profile) -> Iterator[tuple[Change, Profile]]:
    if len(p.targets) > 1:
        for t in p.targets:
            yield (Change("targets", t, None, 1, f"drop target {t}"),
                   replace(p, targets=tuple(x for x in p.targets if x != t)))
    added = dict.fromkeys(n for t in p.targets for n in NEIGHBOURS.get(t, ())
                          if n not in p.targets)
    for t in added:
        yield (Change("targets", None, t, 2, f"add target {t}"),
               replace(p, targets=(*p.targets, t)))
    for n in p.needs:
        yield (Change("needs", n, None, 1, f"drop need {n}"),
               replace(p, needs=tuple(x for x in p.needs if x != n)))
    for t in p.train_on:
        if len(p.train_on) > 1:
            yield (Change("train_on", t, None, 1, f"stop training on {t}"),
                   replace(p, train_on=tuple(x for x in p.train_on if x != t)))
    for t in (n for x in p.train_on for n in NEIGHBOURS.get(x, ()) if n in TRAINING_TARGETS):
        if t not in p.train_on:
            yield (Change("train_on", None, t, 2, f"train on {t} too"),
                   replace(p, train_on=(*p.train_on, t)))


def _other_changes(p: Profile) -> Iterator[tuple[Change, Profile]]:
    if p.existing != "none":
        yield (Change("existing", p.existing, "none", 1, f"existing stack {p.existing} -> none"),
               replace(p, existing="none"))
    if p.latency_budget_ms is not None:
        b = p.latency_budget_ms
        budgets: tuple[tuple[float | None, str], ...] = (
            (None, "drop the latency budget"),
            (b / 2, f"halve the latency budget to {b / 2:g} ms"),
            (b * 2, f"double the latency budget to {b * 2:g} ms"))
        for budget, text in budgets:
            yield (Change("latency_budget_ms", b, budget, 1, text),
                   replace(p, latency_budget_ms=budget))
    for family in FAMILY_NEIGHBOURS.get(p.model_family or "", ()):
        yield (Change("model_family", p.model_family, family, 1,
                      f"model family {p.model_family} -> {family}"),
               replace(p, model_family=family))


def changes(p: Profile) -> list[tuple[Change, Profile]]:
    """Every plausible change, smallest first (stable order within a size)."""
    found = [*_scalar_changes(p), *_list_changes(p), *_other_changes(p)]
    return sorted(found, key=lambda pair: pair[0].size)


def find_flips(p: Profile, pick: str | None, pick_for: Callable[[Profile], str | None]
               ) -> tuple[list[Flip], int]:
    """The smallest plausible changes that change the pick (at most :data:`MAX_FLIPS`), and how
    many changes were tried."""
    tried = changes(p)
    flips = [Flip(change, new) for change, changed in tried if (new := pick_for(changed)) != pick]
    return flips[:MAX_FLIPS], len(tried)


def rests_on(ranking: list[Ranked]) -> str:
    """What the pick rests on most: its largest edge over the runner-up."""
    if len(ranking) < 2:
        return ""
    a, b = ranking[0], ranking[1]
    edges = sorted(((sa.contribution - sb.contribution, sa.criterion)
                    for sa, sb in zip(a.scores, b.scores, strict=True)), reverse=True)
    gain, crit = edges[0]
    if gain <= 0:
        return ""
    return (f"the pick rests most on {label(crit).lower()} (+{gain:.2f} over {b.name}); no "
            "plausible single change overturns it")
