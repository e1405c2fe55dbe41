"""``results.json`` (and ``bench --json``): a stored run, its advice and the figures the report
derives from it. The shape is documented in docs/results-json.md; :data:`SCHEMA` is bumped on
any incompatible change (adding keys is compatible). Every serialiser of the document is here.
"""

from __future__ import annotations

import math
from typing import Any

from stackpick import __version__
from stackpick.analysis import portability as matrix
from stackpick.analysis.compare import Comparison
from stackpick.analysis.economics import Economics
from stackpick.analysis.machines import machines, per_machine
from stackpick.analysis.run_view import RunView
from stackpick.protocol.advice import Advice
from stackpick.protocol.cells import StoredCell
from stackpick.protocol.conversions import StoredConversion
from stackpick.report import views

# 3: the run's notes are "notes" (were "extra"), its plan is an object (was JSON text under
# "json"), the advice is in the current advice schema whatever was stored.
SCHEMA = 3
SCHEMA_DOC = "docs/results-json.md"


def _finite(x: float) -> float | None:
    return None if math.isnan(x) else x


def cell_json(c: StoredCell) -> dict[str, Any]:
    return {"id": c.id, "key": c.key, "workload": c.workload, "backend": c.backend,
            "variant": c.variant, "task": c.task, "batch": c.batch, "device": c.device,
            "status": c.status, "reason": c.reason, "error_tail": c.error_tail,
            "node": c.node or None, "metrics": c.metrics.to_dict()}


def comparison_json(cmp: Comparison) -> dict[str, Any]:
    r = cmp.ratio
    ok = not math.isnan(r.low)
    return {"fast": cmp.fast.label, "slow": cmp.slow.label, "fast_cell": cmp.fast.cell_id,
            "slow_cell": cmp.slow.cell_id, "ratio": r.value, "low": r.low if ok else None,
            "high": r.high if ok else None, "rounds": r.rounds, "verdict": cmp.verdict,
            "hidden": cmp.hidden, "reason": cmp.result.reason, "paired": cmp.paired,
            "blocks": cmp.result.blocks, "confidence": cmp.result.confidence,
            "text": cmp.sentence()}


def conversion_json(c: StoredConversion) -> dict[str, Any]:
    return {"id": c.id, "group": c.group, "model": c.model, "path": c.path,
            "status": c.status, "reason": c.reason, "details": c.details()}


def results_json(res: RunView) -> dict[str, Any]:
    """The stored run: its cells by group with their comparisons, a user model's paths,
    the transformation capabilities and a fleet study's machines."""
    run = res.run
    summary = views.model_summary(res)
    return {
        "schema": SCHEMA,
        "run": {"id": run.id, "kind": run.kind, "status": run.status,
                "started_at": run.started_at, "finished_at": run.finished_at,
                "command": run.command, "plan": run.plan.to_dict(),
                "notes": run.notes.to_dict()},
        "fingerprint": run.fingerprint,
        "groups": [{"key": g.key, "cells": [cell_json(c) for c in g.cells],
                    "resolution": g.resolution.to_dict() if g.resolution else None,
                    "comparisons": [comparison_json(x) for x in g.comparisons]}
                   for g in res.groups],
        # a user's model (--model) and its paths out; null and [] for the reference workloads
        "model": summary.to_dict() if summary else None,
        "portability": [r.to_dict() for r in matrix.matrix(run.notes.model, res.paths)],
        "conversions": [conversion_json(c) for c in res.conversions],
        # framework x transformation (per_example_grad, hvp, jacobian); [] if none was run
        "capabilities": [r.to_dict() for r in res.capabilities],
        # a fleet study (--ray): its machines, and cells timed on more than one of them
        "machines": [m.to_dict() for m in machines(res.cells)],
        "per_machine": [r.to_dict() for r in per_machine(res.cells)],
    }


def speedups_json(res: RunView) -> list[dict[str, Any]]:
    return [{"group": g.key, "cell": s.cell.id, "backend": s.cell.label, "baseline": "torch",
             "speedup": s.value, "low": _finite(s.low), "high": _finite(s.high),
             "verdict": s.verdict}
            for g in res.groups for s in views.speedups(g)]


def payoff_json(econ: Economics | None) -> dict[str, Any] | None:
    """Break-even status (pays off | free | not measurably faster | slower | inconclusive)
    and its range from the gain's interval."""
    p = econ.payoff if econ else None
    if p is None:
        return None
    return {"status": p.status, "calls": p.calls, "calls_low": p.calls_low,
            "calls_high": p.calls_high, "text": p.text()}


def first_calls_json(res: RunView) -> list[dict[str, Any]]:
    out = []
    for g in res.groups:
        for r in views.first_calls(g):
            out.append({"group": g.key, "cell": r.cell.id, "backend": r.cell.label,
                        "upfront_s": r.upfront_s, "steady_s": r.steady_s,
                        "is_baseline": r.is_baseline,
                        "against": r.econ.baseline if r.econ else None,
                        "break_even_calls": r.econ.break_even_calls if r.econ else None,
                        "break_even": payoff_json(r.econ), "compile_cache": r.cache or None})
    return out


def report_json(res: RunView, advice: Advice | None = None) -> dict[str, Any]:
    """The JSON document written as results.json (JSON-serialisable, keys stable)."""
    data = results_json(res)
    data["generator"] = {"name": "stackpick", "version": __version__}
    data["partial"] = views.partial_note(res) is not None
    data["advice"] = advice.to_dict() if advice else None
    data["derived"] = {"speedups": speedups_json(res), "first_calls": first_calls_json(res),
                       "warnings": [{"where": w, "text": t} for w, t in views.warnings(res)]}
    return data
