"""The advisor: answers + sourced facts + measured evidence -> an explained ranking of stacks.

Use :func:`advise` (pure and deterministic for given profile, evidence and ``today``) and
:func:`load_evidence` (reads the store; never imports a framework). ``Advice.to_dict()`` is the
JSON the ``--json`` flag writes; the reports read it back with ``Advice.from_dict`` (records in
:mod:`stackpick.protocol.advice`). A candidate ("stack" in the ranking) is an authoring
framework, the targets it trains on and one serving runtime per target; its id joins the
single-runtime stack ids it uses with ``+``. Its shape (schema 2)::

    {
      "schema": 1, "kind": "stackpick-advice", "as_of": "YYYY-MM-DD",
      "profile": {priority, goal, targets[], expertise{framework: level}, existing,
                  latency_budget_ms, model_family, needs[]},      # the answers as given
      "effective_profile": {...same keys...},   # after resolving contradictions (see below)
      "profile_source": "defaults" | "defaults (no answers given)" | "flags" | "file:PATH"
                        | "interactive" | "file:PATH+flags" | "interactive+flags",
      "options": {allow_unknown, measurements},
      "recommended": CANDIDATE_ID | null,     # null when every stack is ruled out
      "runner_up": CANDIDATE_ID | null,
      "tie": bool, "tied_with": [CANDIDATE_ID], "margin": float | null,  # total(1st) - (2nd)
      "tie_detail": {stacks[], margin, uncertainty, decided_by, separate} | null,
      "summary": "plain sentences",
      "weights": [{criterion, label, weight, why, answers[]}],
      "ranking": [{rank, stack, name, author, train_on[], total,
                   "routes": [{target, stack, runtime}],     # the serving runtime per target
                   "criteria": [{criterion, label, weight, value (0..1 | null = no evidence),
                                 contribution (= weight * value), basis, spread,
                                 reasons[REASON]}]}],
      "eliminated": [{stack, name, reasons[REASON]}],
      "contradictions": [{answers[], text, resolution, facts[]}],
      "sensitivity": {"smallest": FLIP | null, "flips": [FLIP], "checked": int, "rests_on"},
      "evidence": {"facts": [FACT_ID], "run": {id, kind, status, started_at} | null,
                   "cells": [CELL_ID]},
      "caveats": [{text, command | null, facts[], answers[], cells[]}]
    }
    REASON = {text, facts[FACT_ID], answers[ANSWER], cells[CELL_ID]}  # at least one citation
    FLIP   = {answer, from, to, size, text, new_pick}
    ANSWER = priority | goal | targets | train_on | expertise.<framework> | existing
             | latency_budget_ms | model_family | needs
    basis  = facts | answers | measured | facts+measured | none

Criteria (ids, in order): research_velocity, ecosystem, eager_to_compiled, deployment_maturity,
target_reach, portability, team_fit, measured_inference_speed, measured_training_speed,
footprint, cold_start, needs_fit, llm_serving. Stack ids: see ``knowledge/stacks.py`` (a
training-only candidate is named by its author: pytorch, tensorflow, jax, keras3). Fact ids
resolve with ``stackpick kb --json -``.
"""

from stackpick.advice.caveats import TORCHSERVE_FACT
from stackpick.advice.constraints import MICRO_FOOTPRINT, MICRO_NO_TRAINING
from stackpick.advice.devices import device_class
from stackpick.advice.engine import advise
from stackpick.advice.evidence import Evidence, from_results, load_evidence
from stackpick.advice.model import Advice
from stackpick.knowledge.stacks import STACKS

# Fact ids named in code (the rest come from the data): a test checks each one exists.
REFERENCED_FACTS = (MICRO_NO_TRAINING, MICRO_FOOTPRINT, TORCHSERVE_FACT,
                    *(f for s in STACKS for f in s.skill_facts))

__all__ = ["REFERENCED_FACTS", "Advice", "Evidence", "advise", "device_class", "from_results",
           "load_evidence"]
