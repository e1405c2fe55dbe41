"""A stored run, read back for display: cells by group, ratio lines, warnings.

Terminal tables, Markdown, HTML and JSON all render from this, so any past run re-renders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stackpick.analysis import portability as matrix
from stackpick.analysis.capability import CapabilityRow, capability_matrix
from stackpick.analysis.compare import Comparison, Contender, compare_group
from stackpick.protocol.cells import StoredCell, StoredRun
from stackpick.protocol.conversions import StoredConversion
from stackpick.store import Store


@dataclass
class GroupView:
    key: str
    cells: list[StoredCell]
    comparisons: list[Comparison] = field(default_factory=list)


@dataclass
class RunView:
    run: StoredRun
    groups: list[GroupView]
    conversions: list[StoredConversion] = field(default_factory=list)
    capabilities: list[CapabilityRow] = field(default_factory=list)  # transformation tasks

    @property
    def cells(self) -> list[StoredCell]:
        return [c for g in self.groups for c in g.cells]

    def failures(self) -> list[StoredCell]:
        return [c for c in self.cells if c.status != "ok"]

    @property
    def paths(self) -> list[StoredCell | StoredConversion]:
        """Cells and conversions: what the portability matrix is built from."""
        return [*self.cells, *self.conversions]


def load_results(store: Store, run_id: int) -> RunView:
    run = store.get_run(run_id)
    by_group: dict[str, list[StoredCell]] = {}
    for cell in store.cells(run_id):
        by_group.setdefault(cell.group, []).append(cell)
    groups = []
    for key, cells in by_group.items():
        groups.append(GroupView(key, cells, _comparisons(store, cells)))
    cells = [c for g in groups for c in g.cells]
    return RunView(run, groups, store.conversions(run_id), capability_matrix(cells, store.rounds))


def _comparisons(store: Store, cells: list[StoredCell]) -> list[Comparison]:
    """Ratios only between cells timed in the same interleaved rounds (one session): after a
    resume, round i of one session says nothing about round i of another."""
    sessions: dict[str, list[Contender]] = {}
    for c in cells:
        rounds = store.rounds(c.id) if c.status == "ok" else []
        if rounds:
            sessions.setdefault(c.metrics.session, []).append(
                Contender(c.label, c.id, rounds))
    return [cmp for contenders in sessions.values() for cmp in compare_group(contenders)]


def cell_json(c: StoredCell) -> dict[str, Any]:
    return {"id": c.id, "key": c.key, "workload": c.workload, "backend": c.backend,
            "variant": c.variant, "task": c.task, "batch": c.batch, "device": c.device,
            "status": c.status, "reason": c.reason, "error_tail": c.error_tail,
            "metrics": c.metrics.to_dict()}


def comparison_json(cmp: Comparison) -> dict[str, Any]:
    r = cmp.ratio
    return {"fast": cmp.fast.label, "slow": cmp.slow.label, "fast_cell": cmp.fast.cell_id,
            "slow_cell": cmp.slow.cell_id, "ratio": r.value, "low": r.low, "high": r.high,
            "rounds": r.rounds, "verdict": cmp.verdict, "text": cmp.sentence()}


def results_json(res: RunView) -> dict[str, Any]:
    """The documented JSON shape of a run (``schema`` bumps on incompatible change)."""
    run = res.run
    return {
        "schema": 2,
        "run": {"id": run.id, "kind": run.kind, "status": run.status,
                "started_at": run.started_at, "finished_at": run.finished_at,
                "command": run.command, "plan": run.plan, "extra": run.notes},
        "fingerprint": run.fingerprint,
        "groups": [{"key": g.key, "cells": [cell_json(c) for c in g.cells],
                    "comparisons": [comparison_json(x) for x in g.comparisons]}
                   for g in res.groups],
        # a user's model (--model) and its paths out; null and [] for the reference workloads
        "model": matrix.summary(run.notes),
        "portability": [r.to_dict() for r in matrix.matrix(run.notes, res.paths)],
        "conversions": [conversion_json(c) for c in res.conversions],
        # framework x transformation (per_example_grad, hvp, jacobian); [] if none was run
        "capabilities": [r.to_dict() for r in res.capabilities],
    }


def conversion_json(c: StoredConversion) -> dict[str, Any]:
    return {"id": c.id, "group": c.group, "model": c.model, "path": c.path,
            "status": c.status, "reason": c.reason, "details": c.details()}
