"""A stored run, read back for display: cells by group, ratio lines, warnings.

Terminal tables, Markdown, HTML and JSON (``report/jsondoc.py``) all render from this, so any
past run re-renders.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from stackpick.analysis.capability import CapabilityRow, capability_matrix
from stackpick.analysis.compare import Comparison, Contender, Resolution, from_pair, resolution
from stackpick.analysis.intervals import (
    CellRounds,
    Interval,
    Spread,
    Study,
    cell_interval,
    pair_interval,
    study_cell_spread,
    study_pair_spread,
    unpaired_interval,
)
from stackpick.analysis.sequential import SequentialRule
from stackpick.analysis.study_stats import CellInput, study_stats
from stackpick.analysis.verdicts import Verdict, judge
from stackpick.protocol.cells import StoredCell
from stackpick.protocol.conversions import StoredConversion
from stackpick.protocol.runs import PlanRecord, StoredRun
from stackpick.store import Store


@dataclass
class GroupView:
    key: str
    cells: list[StoredCell]
    comparisons: list[Comparison] = field(default_factory=list)
    rounds: dict[int, Contender] = field(default_factory=dict)  # timed cells, by id
    studies: tuple[Study, Spread | None] = (None, None)  # pooled cell, pair spread
    confidence: float = 0.95  # the level pair verdicts use
    ranking: list[int] = field(default_factory=list)  # timed cell ids, fastest first

    @property
    def resolution(self) -> Resolution | None:
        """The smallest difference the group's pair intervals resolve (None: no pair)."""
        return resolution(self.comparisons)

    def order(self, c: StoredCell) -> tuple[int, float, float]:
        """Sort key: ok before failed, then by the ranking the verdicts use (so a table never
        lists first a cell its comparisons call slower), then by median."""
        lat = c.metrics.latency
        place = self.ranking.index(c.id) if c.id in self.ranking else len(self.ranking)
        return (0 if c.status == "ok" else 1, place, lat.median if lat else float("inf"))

    def pair(self, a: StoredCell, b: StoredCell) -> Verdict | None:
        """The verdict on time_b / time_a (paired in one session, else from the cell
        intervals); None when either cell was not timed."""
        ca, cb = self.rounds.get(a.id), self.rounds.get(b.id)
        if ca is None or cb is None:
            return None
        ra = CellRounds.from_samples(ca.label, ca.rounds, ca.blocks)
        rb = CellRounds.from_samples(cb.label, cb.rounds, cb.blocks)
        cell_study, pair_study = self.studies
        if ca.session == cb.session:
            iv = pair_interval(ra, rb, pair_study, self.confidence)
        else:
            iv = unpaired_interval(cell_interval(ra, cell_study, self.confidence),
                                   cell_interval(rb, cell_study, self.confidence),
                                   self.confidence)
        return judge(ca.label, cb.label, iv)


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
    contenders = {key: _contenders(store, cells) for key, cells in by_group.items()}
    inputs = {k: [CellInput(c.cell_id, c.label, c.session, c.rounds, c.blocks) for c in v]
              for k, v in contenders.items()}
    confidence = _pair_confidence(run.plan, inputs)
    stats = study_stats(inputs, confidence)
    studies = _studies(inputs)
    groups = []
    for key, cells in by_group.items():
        by_id = {c.cell_id: c for c in contenders[key]}
        for c in cells:
            if c.id in stats[key].intervals:
                _use_interval(c, stats[key].intervals[c.id])
        groups.append(GroupView(key, cells, [from_pair(p, by_id)
                                             for p in stats[key].comparisons],
                                by_id, studies, confidence[key], stats[key].ranking))
    all_cells = [c for g in groups for c in g.cells]
    return RunView(run, groups, store.conversions(run_id),
                   capability_matrix(all_cells, store.rounds))


def _studies(inputs: dict[str, list[CellInput]]) -> tuple[Study, Spread | None]:
    rounds = {k: [c.as_rounds() for c in v] for k, v in inputs.items()}
    sessions: dict[tuple[str, str], list[CellRounds]] = {}
    for k, v in inputs.items():
        for c, r in zip(v, rounds[k], strict=True):
            sessions.setdefault((k, c.session), []).append(r)
    return (study_cell_spread(r for v in rounds.values() for r in v),
            study_pair_spread(sessions.values()))


def _contenders(store: Store, cells: list[StoredCell]) -> list[Contender]:
    out = []
    for c in cells:
        rounds = store.rounds(c.id) if c.status == "ok" else []
        if rounds:
            t = c.metrics.timing
            out.append(Contender(c.label, c.id, rounds, c.metrics.session,
                                 t.blocks if t else None))
    return out


def _pair_confidence(plan: PlanRecord, inputs: dict[str, list[CellInput]]
                     ) -> dict[str, float]:
    """By group: the level of the look at which the run's sequential rule stopped it (its
    blocks); 0.95 for runs made before the rule."""
    rule = plan.rule
    if "max_blocks" not in rule:
        return {k: 0.95 for k in inputs}
    keys = ("rounds_per_block", "min_blocks", "max_blocks", "alpha", "equivalence",
            "spending")
    seq = SequentialRule(**{k: rule[k] for k in keys if k in rule})
    return {k: seq.confidence_at(max((len(set(c.blocks or [0])) for c in v), default=1))
            for k, v in inputs.items()}


def _use_interval(c: StoredCell, iv: Interval) -> None:
    """Show the cell's rerun interval (blocks and processes) in place of the pooled-sample
    one; when there is none, keep the median and zero the interval (shown as unknown)."""
    t = c.metrics.timing
    if t is None:
        return
    lat = t.latency_ns
    if iv.ok:
        lat = replace(lat, median=iv.estimate, ci_low=iv.low, ci_high=iv.high)
    else:
        lat = replace(lat, ci_low=0.0, ci_high=0.0)
    c.metrics.timing = replace(t, latency_ns=lat)
    c.metrics.interval = {
        "median": iv.estimate, "low": iv.low if iv.ok else None,
        "high": iv.high if iv.ok else None, "confidence": iv.confidence, "rounds": iv.rounds,
        "blocks": iv.blocks, "df": iv.df, "reason": iv.reason, "note": iv.note}
