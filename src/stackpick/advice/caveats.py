"""Caveats: missing, partial or old evidence (with the command that supplies it), stale facts,
known pitfalls of the leading stacks, and answers the knowledge base cannot use."""

from __future__ import annotations

from datetime import date

from stackpick.advice.devices import classes_for, describe, measure_command
from stackpick.advice.evidence import BENCH_ALL, Evidence, age_days, missing_backends
from stackpick.advice.model import Advice, Caveat
from stackpick.knowledge import KnowledgeBase
from stackpick.knowledge.stacks import get_stack
from stackpick.profile import Profile

OLD_RUN_DAYS = 90
OLD_FACT_DAYS = 730
TORCHSERVE_FACT = "torchserve-limited-maintenance"


def _evidence(advice: Advice, p: Profile, ev: Evidence | None, today: date) -> list[Caveat]:
    if ev is None:
        return [Caveat("no measurements in the store: measured speed and memory score no points, "
                       "so the ranking rests on sourced facts and your answers", BENCH_ALL,
                       answers=("goal",))]
    out = list(ev.notes)
    age = age_days(ev.run["started_at"], today)
    if age is not None and age > OLD_RUN_DAYS:
        out.append(Caveat(f"run {ev.run['id']} is {age} days old; framework releases since then "
                          "may change the numbers", BENCH_ALL))
    sids = {x.stack for r in advice.ranking for x in r.routes} | {
        r.stack for r in advice.ranking if not r.routes}
    wanted = {b for sid in sids
              for b in (*get_stack(sid).infer_backends, *get_stack(sid).train_backends)}
    missing = missing_backends(ev, wanted)
    if missing and ev.model_kind:  # the user's model cannot run there without a rewrite
        out.append(Caveat(f"run {ev.run['id']} measured your {ev.model_kind} model, which "
                          f"{', '.join(missing)} cannot run as it is: the stacks they stand for "
                          "score no measured points (it would need rewriting for them)"))
    elif missing:
        out.append(Caveat(f"run {ev.run['id']} has no successful cells for {', '.join(missing)}: "
                          "the stacks they stand for score no measured points",
                          f"stackpick bench --workload all --backends {','.join(missing)} "
                          "--task inference,training"))
    return out


def _scope(p: Profile, ev: Evidence | None) -> list[Caveat]:
    """Targets the stored run says nothing about (measured elsewhere, or not measurable here)."""
    if ev is None or not ev.classes:
        return []
    out = []
    where = ", ".join(sorted(describe(c) for c in ev.classes))
    for t in dict.fromkeys((*p.serve_targets(), *p.training_targets())):
        if set(classes_for(t)) & ev.classes:
            continue
        cmd = measure_command(t)
        tail = "" if cmd else "; stackpick cannot measure there"
        out.append(Caveat(f"run {ev.run['id']} measured on {where}; your target is {t}: "
                          f"measured criteria score nothing for it{tail}", cmd,
                          answers=("targets",)))
    return out


def _inconclusive(advice: Advice) -> list[Caveat]:
    """Measured differences the statistics could not settle (scored by point ratio)."""
    out = []
    for cand in advice.ranking[:2]:
        for s in cand.scores:
            cells = tuple(c for r in s.reasons if "inconclusive" in r.text for c in r.cells)
            if cells:
                out.append(Caveat(f"{cand.stack}: {s.criterion.replace('_', ' ')} rests on an "
                                  "inconclusive comparison, scored by its point ratio (not "
                                  "full credit); more rounds would settle it", cells=cells))
    return out


def _unscored(advice: Advice, kb: KnowledgeBase) -> list[Caveat]:
    stacks = {s.partition("@")[0] for r in advice.ranking[:2] for s in r.stack.split("+")}
    found = {f.id: f for s in sorted(stacks) for f in kb.unscored(s)}
    return [Caveat(f"fact {f.id} (as of {f.as_of}) was not re-read, so it is not scored: "
                   f"{f.statement}", facts=(f.id,)) for f in found.values()]


def _stale_facts(advice: Advice, kb: KnowledgeBase, today: date) -> list[Caveat]:
    out = []
    for fid in advice.fact_ids():
        fact = kb.get(fid)
        if (today - fact.as_of_date).days > OLD_FACT_DAYS:
            out.append(Caveat(f"fact {fid} dates from {fact.as_of}; it may no longer hold",
                              facts=(fid,)))
    return out


def _pitfalls(advice: Advice, p: Profile, kb: KnowledgeBase) -> list[Caveat]:
    out = []
    for cand in advice.ranking[:2]:
        routes = {r.stack: [x.target for x in cand.routes if x.stack == r.stack]
                  for r in cand.routes} or {cand.stack: list(p.training_targets())}
        for sid, targets in routes.items():
            out += [Caveat(f"{sid}: {f.statement}", facts=(f.id,)) for f in kb.notes(sid)]
            role = "serve" if cand.routes else "train"
            for t in targets:
                if kb.reach(sid, t, role)[0] == "?":
                    out.append(Caveat(f"{sid}: unknown - no sourced fact says whether it can "
                                      f"{role} on {t} (kept by --allow-unknown); verify before "
                                      "committing", answers=("targets",)))
    return out


def _answers(p: Profile) -> list[Caveat]:
    out = []
    if p.existing == "other":
        out.append(Caveat("existing serving stack 'other' is not in the knowledge base, so team "
                          "fit ignores it", answers=("existing",)))
    if p.existing == "torchserve":
        out.append(Caveat("your existing TorchServe is in limited maintenance: plan a move to "
                          "another server", facts=(TORCHSERVE_FACT,),
                          answers=("existing",)))
    if p.model_family == "llm":
        out.append(Caveat("stackpick's reference workloads stop at BERT-mini scale; dedicated LLM "
                          "serving engines are outside this comparison",
                          answers=("model_family",)))
    return out


def _latency(p: Profile, ev: Evidence | None, pick: str | None) -> list[Caveat]:
    if p.latency_budget_ms is None or ev is None or pick is None:
        return []
    stacks = [s.partition("@")[0] for s in pick.split("+")]
    best = sorted(x for s in stacks for x in ev.latency.get(s, {}).items())
    return [Caveat(f"{pick}: its fastest {workload} cell ({cell}) measured a median {ms:.2f} ms "
                   f"at batch 1 on this machine, above your {p.latency_budget_ms:g} ms budget",
                   answers=("latency_budget_ms",), cells=(cell,))
            for workload, (cell, ms) in best if ms > p.latency_budget_ms]


def caveats(advice: Advice, p: Profile, kb: KnowledgeBase, ev: Evidence | None, today: date
            ) -> list[Caveat]:
    """Every caveat for this advice, in a stable order."""
    return [*_evidence(advice, p, ev, today), *_scope(p, ev), *_inconclusive(advice),
            *_latency(p, ev, advice.recommended), *_pitfalls(advice, p, kb), *_answers(p),
            *_unscored(advice, kb), *_stale_facts(advice, kb, today)]
