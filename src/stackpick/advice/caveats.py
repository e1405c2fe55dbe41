"""Caveats: what could change the decision, chosen for the profile and ordered by how much.

Only caveats about the user's targets, goal and the two leading candidates are kept: missing,
partial or old evidence (with the command that supplies it), inconclusive comparisons, a
latency budget the pick missed, pitfalls of the leading stacks that concern this profile (a
note's ``targets`` and ``when``), answers the knowledge base cannot use, and old facts the
leaders' scores rest on. Each carries a rough impact (the points it could move) and they are
listed largest first; the renderers show the first few and fold the rest.
"""

from __future__ import annotations

from datetime import date

from stackpick.advice.devices import classes_for, describe, device_class, measure_command
from stackpick.advice.evidence import BENCH_ALL, Evidence, age_days, missing_backends
from stackpick.advice.model import Advice, Caveat, Ranked
from stackpick.knowledge import KnowledgeBase
from stackpick.knowledge.stacks import get_stack, stacks_in
from stackpick.profile import Profile

OLD_RUN_DAYS = 90
OLD_FACT_DAYS = 730
SHOWN = 5  # the renderers show this many and fold the rest
TORCHSERVE_FACT = "torchserve-limited-maintenance"
Rated = tuple[float, Caveat]


def _measured_weight(advice: Advice) -> float:
    return sum(w.value for w in advice.weights if w.criterion.startswith("measured_"))


def _evidence(advice: Advice, p: Profile, ev: Evidence | None, today: date) -> list[Rated]:
    weight = _measured_weight(advice)
    if ev is None:
        return [(weight, Caveat("no measurements in the store: measured speed and memory score "
                                "no points, so the ranking rests on sourced facts and your "
                                "answers", BENCH_ALL, answers=("goal",)))]
    sids = {s for r in advice.ranking[:2] for s in stacks_in(r.stack)}
    here = {c for t in (*p.serve_targets(), *p.training_targets()) for c in classes_for(t)}
    out: list[Rated] = [(0.5, f.caveat) for f in ev.notes
                        if set(f.stacks) & sids and f.device_class in here]
    age = age_days(ev.run["started_at"], today)
    if age is not None and age > OLD_RUN_DAYS:
        out.append((0.5, Caveat(f"run {ev.run['id']} is {age} days old; framework releases "
                                "since then may change the numbers", BENCH_ALL)))
    wanted = {b for sid in sids
              for b in (*get_stack(sid).infer_backends, *get_stack(sid).train_backends)
              if device_class(b, "cpu") in here}  # a browser backend says nothing for x86
    missing = missing_backends(ev, wanted)
    if missing and ev.model_kind:  # the user's model cannot run there without a rewrite
        out.append((weight, Caveat(
            f"run {ev.run['id']} measured your {ev.model_kind} model, which "
            f"{', '.join(missing)} cannot run as it is: the stacks they stand for score no "
            "measured points (it would need rewriting for them)")))
    elif missing:
        out.append((weight, Caveat(
            f"run {ev.run['id']} has no successful cells for {', '.join(missing)}: the stacks "
            "they stand for score no measured points",
            f"stackpick bench --workload all --backends {','.join(missing)} "
            "--task inference,training")))
    return out


def _scope(advice: Advice, p: Profile, ev: Evidence | None) -> list[Rated]:
    """Targets the stored run says nothing about (measured elsewhere, or not measurable here)."""
    if ev is None or not ev.classes:
        return []
    out: list[Rated] = []
    where = ", ".join(sorted(describe(c) for c in ev.classes))
    for t in dict.fromkeys((*p.serve_targets(), *p.training_targets())):
        if set(classes_for(t)) & ev.classes:
            continue
        cmd = measure_command(t)
        tail = "" if cmd else "; stackpick cannot measure there"
        out.append((_measured_weight(advice), Caveat(
            f"run {ev.run['id']} measured on {where}; your target is {t}: measured criteria "
            f"score nothing for it{tail}", cmd, answers=("targets",))))
    return out


def _inconclusive(advice: Advice) -> list[Rated]:
    """Measured differences the statistics could not settle (scored by point ratio)."""
    out: list[Rated] = []
    for cand in advice.ranking[:2]:
        for s in cand.scores:
            cells = tuple(dict.fromkeys(c for r in s.reasons if "inconclusive" in r.text
                                        for c in r.cells))
            if cells:
                out.append((s.weight * max(s.spread, 0.1), Caveat(
                    f"{cand.stack}: {s.criterion.replace('_', ' ')} rests on an inconclusive "
                    "comparison, scored by its point ratio (not full credit); more rounds "
                    "would settle it", cells=cells)))
    return out


def _notes(advice: Advice, p: Profile, kb: KnowledgeBase) -> list[Rated]:
    """Pitfalls of the two leaders' runtimes that concern this profile, and unknown reach."""
    out: list[Rated] = []
    named = {*p.targets, *p.training_targets()}
    for rank, cand in enumerate(advice.ranking[:2]):
        role = "serve" if cand.routes else "train"
        routes = {x.stack: [y.target for y in cand.routes if y.stack == x.stack]
                  for x in cand.routes} or {stacks_in(cand.stack)[0]: list(p.training_targets())}
        for sid, targets in routes.items():
            for f in kb.notes(sid):
                if f.concerns(p):
                    impact = (0.4 - 0.1 * rank) + (0.3 if named & set(f.named_targets) else 0)
                    out.append((impact, Caveat(f"{sid}: {f.statement} (as of {f.as_of})",
                                               facts=(f.id,))))
            out += [(3.0, Caveat(f"{sid}: unknown - no sourced fact says whether it can {role} "
                                 f"on {t} (kept by --allow-unknown); verify before committing",
                                 answers=("targets",)))
                    for t in targets if kb.reach(sid, t, role)[0] == "?"]
    return out


def _answers(p: Profile) -> list[Rated]:
    out: list[Rated] = []
    if p.existing == "other":
        out.append((1.0, Caveat("existing serving stack 'other' is not in the knowledge base, "
                                "so team fit ignores it", answers=("existing",))))
    if p.existing == "torchserve":
        out.append((1.0, Caveat("your existing TorchServe is in limited maintenance: plan a "
                                "move to another server", facts=(TORCHSERVE_FACT,),
                                answers=("existing",))))
    if p.model_family == "llm" and p.goal != "training":
        out.append((1.0, Caveat("stackpick's reference workloads stop at BERT-mini scale and no "
                                "cell times an LLM engine (time to first token, per output "
                                "token): LLM engines are ranked on sourced facts only",
                                answers=("model_family",))))
    return out


def _latency(p: Profile, ev: Evidence | None, pick: str | None) -> list[Rated]:
    if p.latency_budget_ms is None or ev is None or pick is None:
        return []
    best = sorted(x for s in stacks_in(pick) for x in ev.latency.get(s, {}).items())
    return [(3.0, Caveat(f"{pick}: its fastest {workload} cell ({cell}) measured a median "
                         f"{ms:.2f} ms at batch 1 on this machine, above your "
                         f"{p.latency_budget_ms:g} ms budget", answers=("latency_budget_ms",),
                         cells=(cell,)))
            for workload, (cell, ms) in best if ms > p.latency_budget_ms]


def _cited(cands: list[Ranked]) -> list[str]:
    """Facts the leaders' points rest on (criteria that contributed)."""
    return sorted({f for r in cands for s in r.scores if s.contribution > 0
                   for reason in s.reasons for f in reason.facts})


def _stale_facts(advice: Advice, kb: KnowledgeBase, today: date) -> list[Rated]:
    return [(0.2, Caveat(f"fact {fid} dates from {kb.get(fid).as_of}; it may no longer hold",
                         facts=(fid,)))
            for fid in _cited(advice.ranking[:2])
            if (today - kb.get(fid).as_of_date).days > OLD_FACT_DAYS]


def caveats(advice: Advice, p: Profile, kb: KnowledgeBase, ev: Evidence | None, today: date
            ) -> list[Caveat]:
    """The caveats for this advice, largest impact first (stable within equal impact)."""
    rated = [*_evidence(advice, p, ev, today), *_scope(advice, p, ev), *_inconclusive(advice),
             *_latency(p, ev, advice.recommended), *_notes(advice, p, kb), *_answers(p),
             *_stale_facts(advice, kb, today)]
    seen: set[str] = set()
    out = []
    for _, c in sorted(rated, key=lambda pair: -pair[0]):
        if c.text not in seen:
            seen.add(c.text)
            out.append(c)
    return out
