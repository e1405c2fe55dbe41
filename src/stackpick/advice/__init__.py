"""The advisor: answers + sourced facts + measured evidence -> an explained ranking of stacks.

Use :func:`advise` (pure and deterministic for given profile, evidence and ``today``) and
:func:`load_evidence` (reads the store; never imports a framework). ``Advice.to_dict()`` is the
JSON the ``--json`` flag writes and the HTML / Markdown reports render. Its shape (schema 1)::

    {
      "schema": 1, "kind": "stackpick-advice", "as_of": "YYYY-MM-DD",
      "profile": {priority, goal, targets[], expertise{framework: level}, existing,
                  latency_budget_ms, model_family, needs[]},      # the answers as given
      "effective_profile": {...same keys...},   # after resolving contradictions (see below)
      "profile_source": "defaults" | "defaults (no answers given)" | "flags" | "file:PATH"
                        | "interactive" | "file:PATH+flags" | "interactive+flags",
      "recommended": STACK_ID | null,     # null when every stack is ruled out
      "runner_up": STACK_ID | null,
      "tie": bool, "tied_with": [STACK_ID], "margin": float | null,   # total(1st) - total(2nd)
      "summary": "plain sentences",
      "weights": [{criterion, label, weight, why, answers[]}],
      "ranking": [{rank, stack, name, total,
                   "criteria": [{criterion, label, weight, value (0..1 | null = no evidence),
                                 contribution (= weight * value), basis, reasons[REASON]}]}],
      "eliminated": [{stack, name, reasons[REASON]}],
      "contradictions": [{answers[], text, resolution, facts[]}],
      "sensitivity": {"smallest": FLIP | null, "flips": [FLIP], "checked": int},
      "evidence": {"facts": [FACT_ID], "run": {id, kind, status, started_at} | null,
                   "cells": [CELL_ID]},
      "caveats": [{text, command | null, facts[], answers[], cells[]}]
    }
    REASON = {text, facts[FACT_ID], answers[ANSWER], cells[CELL_ID]}  # at least one citation
    FLIP   = {answer, from, to, size, text, new_pick}
    ANSWER = priority | goal | targets | expertise.<framework> | existing | latency_budget_ms
             | model_family | needs
    basis  = facts | answers | measured | facts+measured | none

Criteria (ids, in order): research_velocity, ecosystem, eager_to_compiled, deployment_maturity,
portability, team_fit, measured_inference_speed, measured_training_speed, footprint, needs_fit.
Stack ids: pytorch, pytorch-onnxruntime, pytorch-executorch, tensorflow-serving,
tensorflow-litert, jax, keras3. Fact ids resolve with ``stackpick kb --json -``.
"""

from stackpick.advice.caveats import STALE_CONTEXT, TORCHSERVE_FACT
from stackpick.advice.constraints import MICRO_NO_TRAINING
from stackpick.advice.engine import advise
from stackpick.advice.evidence import Evidence, from_results, load_evidence
from stackpick.advice.model import Advice
from stackpick.knowledge.stacks import STACKS

# Fact ids named in code (the rest come from the data): a test checks each one exists.
REFERENCED_FACTS = (MICRO_NO_TRAINING, TORCHSERVE_FACT, *STALE_CONTEXT, *STALE_CONTEXT.values(),
                    *(f for s in STACKS for f in s.skill_facts))

__all__ = ["REFERENCED_FACTS", "Advice", "Evidence", "advise", "from_results", "load_evidence"]
