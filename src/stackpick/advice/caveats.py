"""Caveats: missing, partial or old evidence (with the command that supplies it), stale facts,
known pitfalls of the leading stacks, and answers the knowledge base cannot use."""

from __future__ import annotations

from datetime import date

from stackpick.advice.evidence import BENCH_ALL, Evidence, age_days, missing_backends
from stackpick.advice.model import Advice, Caveat
from stackpick.knowledge import KnowledgeBase
from stackpick.knowledge.stacks import get_stack
from stackpick.profile import Profile

OLD_RUN_DAYS = 90
OLD_FACT_DAYS = 730
TORCHSERVE_FACT = "torchserve-limited-maintenance"
# Why an old fact has no newer replacement: stale fact id -> the fact that explains it.
STALE_CONTEXT = {"state-of-ai-2020-papers": "papers-with-code-shutdown"}


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
    wanted = {b for r in advice.ranking for b in (*get_stack(r.stack).infer_backends,
                                                  *get_stack(r.stack).train_backends)}
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


def _unmeasurable(advice: Advice) -> list[Caveat]:
    names = [r.stack for r in advice.ranking if not get_stack(r.stack).infer_backends]
    if not names:
        return []
    return [Caveat(f"{', '.join(names)} cannot be measured by stackpick yet (no backend runs "
                   "its runtime): their measured inference speed scores no points")]


def _stale_facts(advice: Advice, kb: KnowledgeBase, today: date) -> list[Caveat]:
    out = []
    for fid in advice.fact_ids():
        fact = kb.get(fid)
        if (today - fact.as_of_date).days > OLD_FACT_DAYS:
            context = STALE_CONTEXT.get(fid)
            later = f" ({kb.get(context).statement})" if context else ""
            out.append(Caveat(f"fact {fid} dates from {fact.as_of}; it may no longer hold{later}",
                              facts=(fid, context) if context else (fid,)))
    return out


def _pitfalls(advice: Advice, p: Profile, kb: KnowledgeBase) -> list[Caveat]:
    out = []
    for stack in advice.ranking[:2]:
        out += [Caveat(f"{stack.stack}: {f.statement}", facts=(f.id,))
                for f in kb.notes(stack.stack)]
        for t in p.targets:
            role = "train" if p.goal == "training" else "serve"
            level, _ = kb.reach(stack.stack, t, role)
            if level == "?":
                out.append(Caveat(f"{stack.stack}: no sourced fact says whether it can {role} on "
                                  f"{t}; check before committing", answers=("targets",)))
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
    best = sorted(ev.latency.get(pick, {}).items())
    return [Caveat(f"{pick}: its fastest {workload} cell ({cell}) measured a median {ms:.2f} ms "
                   f"at batch 1 on this machine, above your {p.latency_budget_ms:g} ms budget",
                   answers=("latency_budget_ms",), cells=(cell,))
            for workload, (cell, ms) in best if ms > p.latency_budget_ms]


def caveats(advice: Advice, p: Profile, kb: KnowledgeBase, ev: Evidence | None, today: date
            ) -> list[Caveat]:
    """Every caveat for this advice, in a stable order."""
    return [*_evidence(advice, p, ev, today), *_unmeasurable(advice),
            *_latency(p, ev, advice.recommended), *_pitfalls(advice, p, kb), *_answers(p),
            *_stale_facts(advice, kb, today)]
