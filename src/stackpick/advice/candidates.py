"""Candidates: an authoring framework, where it trains, and one serving runtime per target.

For each author, every target it must serve gets the author's stacks whose runtime is made for
it (its role: server, in-process, on-device, browser) and that pass the reach rules there; a
candidate picks one per target (``TensorFlow/Keras: TF Serving on x86-cpu, LiteRT on
android``). LLM serving engines are candidates only for ``model_family: llm``. With goal
``training`` nothing is served: a candidate is the authoring framework and where it trains,
named without a runtime (its id is the author: ``tensorflow``). A stack is scored for the
targets it serves in the candidate, and the candidate's value on a criterion is the
target-weighted mean of its stacks' values (criteria with no value anywhere stay "no
evidence"). A stack that appears in no candidate is eliminated with every
rule it broke.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from itertools import product

from stackpick.advice.constraints import reach_block, train_blocks
from stackpick.advice.evidence import Evidence
from stackpick.advice.model import Ranked, Reason, Route, Score, Weight
from stackpick.advice.scoring import score_stack
from stackpick.knowledge import KnowledgeBase
from stackpick.knowledge.stacks import (
    AUTHOR_NAME,
    AUTHORS,
    STACK_IDS,
    TARGET_ROLES,
    Stack,
    base_of,
    family,
    get_stack,
)
from stackpick.profile import EDGE_TARGETS, Profile

MAX_COMBOS = 32  # per author; the simplest (fewest runtimes) are kept beyond it
ROLE_WORDS = {"server": "a model server", "in-process": "an in-process library",
              "on-device": "an on-device runtime", "browser": "a browser runtime"}


def _role_block(s: Stack, target: str) -> Reason:
    roles = " or ".join(ROLE_WORDS[r] for r in s.roles)
    made = ", ".join(TARGET_ROLES.get(target, ()))
    return Reason(f"{s.runtime} is {roles}, not made for serving on {target} (a target for "
                  f"{made} runtimes)", answers=("targets",))


def candidates_of(author: str, p: Profile) -> tuple[Stack, ...]:
    """The author's stacks this profile may use (LLM engines only for an LLM)."""
    return family(author, llm=p.model_family == "llm")


def _options(kb: KnowledgeBase, p: Profile, author: str, allow_unknown: bool,
             blocked: dict[str, list[Reason]], out: dict[str, list[Reason]]
             ) -> list[list[Stack]] | None:
    """Per serve target, the author's stacks that may serve it (None: the author is out)."""
    train = p.training_targets()
    stacks = candidates_of(author, p)
    base_fail = train_blocks(kb, base_of(author), train, allow_unknown)
    if base_fail:
        for s in stacks:
            out.setdefault(s.id, []).extend(base_fail)
        return None
    per_target: list[list[Stack]] = []
    for target in p.serve_targets():
        ok = []
        for s in stacks:
            why = (reach_block(kb, s, target, "serve", allow_unknown) if s.made_for(target)
                   else _role_block(s, target))
            if why is None and s.id not in blocked:
                ok.append(s)
            elif why is not None:
                out.setdefault(s.id, []).append(why)
        per_target.append(ok)
    for s in stacks:  # a path measured to fail for the user's model is the first reason
        if s.id in blocked:
            out[s.id] = [*blocked[s.id], *out.get(s.id, [])]
    return None if any(not ok for ok in per_target) else per_target


def _minimal(combo: tuple[Stack, ...], options: list[list[Stack]], targets: tuple[str, ...]
             ) -> bool:
    """One runtime per kind of target (servers, devices) unless it cannot reach them all: drop
    a combination in which every target of one stack could be served by another stack it
    already uses for a target of the same kind."""
    edge = [t in EDGE_TARGETS for t in targets]
    used = dict.fromkeys(combo)
    for b in used:
        mine = [i for i, s in enumerate(combo) if s == b]
        for a in used:
            kinds = {edge[i] for i, s in enumerate(combo) if s == a}
            if a != b and all(a in options[i] and edge[i] in kinds for i in mine):
                return False
    return True


def _simplest_first(combos: list[tuple[Stack, ...]]) -> list[tuple[Stack, ...]]:
    """Fewest distinct runtimes first, then catalogue order (what MAX_COMBOS keeps)."""
    return sorted(combos, key=lambda c: (len(set(c)), [STACK_IDS.index(s.id) for s in c]))


def enumerate_candidates(kb: KnowledgeBase, p: Profile, allow_unknown: bool,
                         blocked: dict[str, list[Reason]]
                         ) -> tuple[list[tuple[str, tuple[Route, ...]]], dict[str, list[Reason]]]:
    """(author, routes) for every candidate, and the reasons of every stack left out."""
    reasons: dict[str, list[Reason]] = {}
    found: list[tuple[str, tuple[Route, ...]]] = []
    used: set[str] = set()
    for author in AUTHORS:
        options = _options(kb, p, author, allow_unknown, blocked, reasons)
        if options is None:
            continue
        if p.goal == "training":  # nothing to serve: the base stack stands for the author
            found.append((author, ()))
            used.add(base_of(author).id)
            continue
        combos = _simplest_first([c for c in product(*options)
                                  if _minimal(c, options, p.serve_targets())])
        for combo in combos[:MAX_COMBOS]:
            routes = tuple(Route(t, s.id, s.runtime) for t, s in zip(p.serve_targets(), combo,
                                                                     strict=True))
            found.append((author, routes))
            used.update(r.stack for r in routes)
    for sid in list(reasons):
        if sid in used:
            del reasons[sid]  # it serves somewhere; the targets it cannot reach went elsewhere
    considered = {s.id for a in AUTHORS for s in candidates_of(a, p)}
    for s in (get_stack(i) for i in STACK_IDS if i in considered):
        if s.id not in used and s.id not in reasons:
            why = (f"with goal 'training' it trains exactly like {AUTHOR_NAME[s.author]}; it "
                   "differs only in its inference runtime, which a training-only pick does "
                   "not name") if s.base else \
                "another of its author's stacks serves every target at least as well"
            reasons[s.id] = [Reason(why, answers=("goal",) if s.base else ("targets",))]
    return found, reasons


def _merge(c: str, parts: list[tuple[Score, int, Route | None]]) -> Score:
    first = parts[0][0]
    known = [(s.value, n) for s, n, _ in parts if s.value is not None]
    value = (sum(v * n for v, n in known) / sum(n for _, n in known)) if known else None
    reasons: list[Reason] = []
    for s, _, route in parts:
        prefix = f"[{route.runtime} on {route.target}] " if route and len(parts) > 1 else ""
        reasons += [Reason(prefix + r.text, r.facts, r.answers, r.cells) for r in s.reasons]
    bases = sorted({s.basis for s, _, _ in parts if s.basis != "none"}) or ["none"]
    spread = sum(s.spread * n for s, n, _ in parts) / sum(n for _, n, _ in parts)
    return Score(c, first.weight, value, "+".join(bases) if len(bases) > 1 else bases[0],
                 tuple(reasons), spread)


def score_candidate(kb: KnowledgeBase, ev: Evidence | None, author: str,
                    routes: tuple[Route, ...], weights: list[Weight], p: Profile,
                    cache: dict[tuple[str, tuple[str, ...]], Ranked] | None = None,
                    scales: Mapping[str, float] | None = None) -> Ranked:
    """One candidate's scores: each stack for its own targets, merged per criterion
    (``cache`` keeps one stack's scores for one set of targets across candidates; ``scales``:
    each measured criterion's largest gap in scope)."""
    train = p.training_targets()
    cache = {} if cache is None else cache

    def scored(sid: str, targets: tuple[str, ...]) -> Ranked:
        if (sid, targets) not in cache:
            cache[(sid, targets)] = score_stack(kb, ev, get_stack(sid), weights,
                                                replace(p, targets=targets, train_on=train),
                                                scales)
        return cache[(sid, targets)]

    by_stack: dict[str, list[Route]] = {}
    for r in routes:
        by_stack.setdefault(r.stack, []).append(r)
    if not by_stack:
        ranked: list[tuple[Ranked, int, Route | None]] = [
            (score_stack(kb, ev, base_of(author), weights, p, scales), 1, None)]
    else:
        ranked = [(scored(sid, tuple(r.target for r in rs)), len(rs),
                   rs[0] if len(by_stack) > 1 else None)
                  for sid, rs in by_stack.items()]
    scores = tuple(_merge(w.criterion, [(r.scores[i], n, route) for r, n, route in ranked])
                   for i, w in enumerate(weights))
    if not p.train_on:  # the sub-profiles carry the training platforms; the user named targets
        scores = tuple(replace(s, reasons=tuple(
            replace(r, answers=tuple(dict.fromkeys("targets" if a == "train_on" else a
                                                   for a in r.answers)))
            for r in s.reasons)) for s in scores)
    if not by_stack:  # training only: the authoring framework, no runtime named
        where = f"trains on {', '.join(train)}" if train else "training platform open"
        return Ranked(author, f"{AUTHOR_NAME[author]} ({where})", scores, author, train, ())
    ids = list(by_stack)
    if len(ids) == 1:
        return Ranked(ids[0], get_stack(ids[0]).name, scores, author, train, routes)
    name = f"{AUTHOR_NAME[author]}: " + ", ".join(f"{r.runtime} on {r.target}" for r in routes)
    key = "+".join(f"{sid}@{','.join(r.target for r in rs)}" for sid, rs in by_stack.items())
    return Ranked(key, name, scores, author, train, routes)
