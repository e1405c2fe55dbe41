"""What the reports show, derived once from a stored run: baselines, speed-ups, break-even call
counts, parity rows, failures and warnings. HTML, Markdown and JSON all read these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from stackpick.analysis import portability as matrix
from stackpick.analysis.economics import Economics, group_economics
from stackpick.analysis.payoff import FREE, INCONCLUSIVE, NOT_FASTER, PAYS_OFF, SLOWER
from stackpick.analysis.run_view import GroupView, RunView
from stackpick.protocol.advice import Advice
from stackpick.protocol.cells import Parity, StoredCell, Summary
from stackpick.registry import lookup

BASELINE = "torch"  # eager PyTorch: the reference every speed-up is measured against
PARTIAL = ("interrupted", "running")


def role(c: StoredCell) -> str:
    """How the cell's runtime serves (its backend spec's role; a backend this installation
    does not know counts as in-process)."""
    spec = lookup(c.backend)
    return spec.role if spec else "in-process"


def latency(c: StoredCell) -> Summary | None:
    return c.metrics.latency


def median_ns(c: StoredCell) -> float | None:
    lat = c.metrics.latency
    return lat.median if lat else None


def ok_cells(g: GroupView) -> list[StoredCell]:
    """Timed cells of a group, fastest first (by the ranking the verdicts use)."""
    timed = [c for c in g.cells if c.status == "ok" and median_ns(c)]
    return sorted(timed, key=g.order)


def baseline(g: GroupView) -> StoredCell | None:
    """The group's eager PyTorch cell, when it was measured."""
    return next((c for c in ok_cells(g) if c.label == BASELINE), None)


def measured_groups(res: RunView) -> list[GroupView]:
    """Groups of cells (a user model's conversions are not cells: its matrix shows them)."""
    return res.groups


def portability(res: RunView) -> list[matrix.PortRow]:
    """The user model's portability matrix ([] for the reference workloads)."""
    return matrix.matrix(res.run.notes.model, res.paths)


def model_summary(res: RunView) -> matrix.ModelSummary | None:
    return matrix.summary(res.run.notes.model)


def key_title(key: str) -> str:
    """'mlp · inference · batch 1 · cpu' from a group key 'mlp/inference/b1/cpu'."""
    parts = key.rsplit("/", 3)
    if len(parts) != 4 or not parts[2].startswith("b"):
        return key
    workload, task, batch, device = parts
    return f"{workload} · {task} · batch {batch[1:]} · {device}"


def group_title(g: GroupView) -> str:
    """'mlp · inference · batch 1 · cpu' from the first cell (the key is the fallback)."""
    if not g.cells:
        return g.key
    c = g.cells[0]
    on = f" · on {c.node}" if c.node else ""  # a fleet study: the machine that ran the group
    return f"{c.workload} · {c.task} · batch {c.batch} · {c.device}{on}"


@dataclass
class Speedup:
    """How many times faster than eager PyTorch (>1 faster), with the paired interval of the
    two cells' per-round ratios (NaN bounds when the pair is inconclusive)."""

    group: GroupView
    cell: StoredCell
    value: float
    low: float
    high: float
    verdict: str = "inconclusive"


def speedups(g: GroupView) -> list[Speedup]:
    base = baseline(g)
    if base is None:
        return []
    out = []
    for c in ok_cells(g):
        v = g.pair(base, c) if c is not base else None
        if v is None:
            continue
        if v.fast == c.label:  # time_base / time_c
            value, low, high = v.ratio, v.low, v.high
        else:
            value, low, high = 1 / v.ratio, 1 / v.high, 1 / v.low
        out.append(Speedup(g, c, value, low, high, v.verdict))
    return out


@dataclass
class FirstCall:
    """Up-front time (build + first call: export, trace, compile) against one steady call,
    with the compile economics against the cell's eager baseline where it has one."""

    cell: StoredCell
    upfront_s: float
    steady_s: float
    econ: Economics | None
    is_baseline: bool

    @property
    def cache(self) -> str:
        return compile_cache(self.cell)


def compile_cache(c: StoredCell) -> str:
    """Whether the first call found the compiler's on-disk cache cold or warm (inductor keeps
    one across processes and runs), and what a later fresh process then took; "" when the
    backend keeps no such cache."""
    extras = c.metrics.extras
    cache = extras.fx_graph_cache
    if cache is None:
        return ""
    # Only inductor's FX-graph cache is counted; other caches (AOTAutograd, C++ builds) and a
    # process's first-compile set-up can still make a hit's first call take seconds, which
    # is why the next process's first call is shown beside it.
    hits, misses = cache.hits, cache.misses
    state = (f"cold: {misses} graph{'s' if misses != 1 else ''} compiled" if misses else
             f"warm: {hits} graph{'s' if hits != 1 else ''} from inductor's cache")
    later = extras.first_call_s_by_process or []
    if len(later) > 1:
        state += f"; next process {later[1]:.2g} s"
    return state


def first_calls(g: GroupView) -> list[FirstCall]:
    """One row per timed cell of the group, fastest steady state first."""
    econ = {e.compiled: e for e in group_economics(g.cells, g.pair)}
    bases = {e.baseline for e in econ.values()}
    rows = []
    for c in ok_cells(g):
        if c.metrics.first_call_s is None:
            continue
        upfront = (c.metrics.build_s or 0.0) + c.metrics.first_call_s
        rows.append(FirstCall(c, upfront, (median_ns(c) or 0.0) / 1e9, econ.get(c.label),
                              c.label in bases))
    return rows


SHORT_PAYOFF = {PAYS_OFF: "after {calls:,.0f} calls", FREE: "from call 1",
                SLOWER: "never pays off", NOT_FASTER: "not measurably faster",
                INCONCLUSIVE: "inconclusive"}


def break_even_text(row: FirstCall, short: bool = False) -> str:
    """From the gain's interval: 'pays off after 1,234 calls [900, 2,100]', 'not measurably
    faster (...)', 'never pays off (slower ...)', 'baseline'; ``short`` fits a chart's value
    column. A point-median gain inside the noise never gets a break-even count."""
    if row.econ is None:
        return "baseline" if row.is_baseline else "-" if short else "no baseline measured"
    payoff = row.econ.payoff
    if payoff is not None and short:
        return SHORT_PAYOFF[payoff.status].format(calls=payoff.calls)
    if payoff is not None:
        return "from the first call" if payoff.status == FREE else payoff.text()
    calls = row.econ.break_even_calls  # no paired verdict: the point medians alone
    if calls is None:
        return "never pays off" if short else "never (steady state not faster)"
    if calls == 0:
        return "from call 1" if short else "from the first call"
    return f"after {calls:,.0f} calls"


def peak_rss(c: StoredCell) -> float | None:
    return c.metrics.memory.peak_rss_bytes if c.metrics.memory else None


def memory_sets(res: RunView) -> dict[str, list[StoredCell]]:
    """Cells with a peak-memory reading, by 'workload · task'."""
    out: dict[str, list[StoredCell]] = {}
    for c in res.cells:
        if peak_rss(c):
            out.setdefault(f"{c.workload} · {c.task}", []).append(c)
    return out


class ParityRow(NamedTuple):
    key: str  # the group key
    title: str  # the group as a title
    label: str  # the backend or conversion path
    parity: Parity


def parity_rows(res: RunView) -> list[ParityRow]:
    """Every parity check of the run: a user model's conversions first, then the cells."""
    rows = [ParityRow(c.group, key_title(c.group), c.path, c.parity)
            for c in res.conversions if c.parity is not None]
    return rows + [ParityRow(g.key, group_title(g), c.label, c.metrics.parity)
                   for g in res.groups for c in g.cells if c.metrics.parity is not None]


def warnings(res: RunView) -> list[tuple[str, str]]:
    """(where, warning) pairs: run-level first, then each cell's stability warnings."""
    out = []
    if res.run.notes.load_warning:
        out.append(("machine", res.run.notes.load_warning))
    out.extend(("left out", f"{label}: {why}") for label, why in left_out(res).items())
    for g in res.groups:
        for c in g.cells:
            out.extend((f"{g.key} {c.label}", str(w)) for w in c.metrics.warnings)
    return out


def left_out(res: RunView) -> dict[str, str]:
    """Backends the study chose not to measure (e.g. in --quick), with the reason."""
    return dict(res.run.notes.left_out)


def uses_loops(res: RunView) -> bool:
    return any((c.metrics.loops or 1) > 1 for c in res.cells)


def planned_cells(res: RunView) -> int | None:
    """How many cells the run's plan holds (None when the plan cannot be read)."""
    return len(res.run.plan.cells) or None


def partial_note(res: RunView) -> str | None:
    """The banner text for a run that did not finish, else None."""
    if res.run.status not in PARTIAL:
        return None
    planned = planned_cells(res)
    of = f" of {planned} planned" if planned else ""
    state = "was interrupted" if res.run.status == "interrupted" else "is still running"
    hint = (f" Finish it with: stackpick {res.run.kind} --resume {res.run.id}"
            if res.run.kind in ("bench", "run") else "")
    done = len(res.cells)
    return (f"Partial results: run {res.run.id} {state}; {done}{of} cells "
            f"measured, the rest are missing from this report.{hint}")


def answers(res: RunView, advice: Advice | None) -> list[tuple[str, object]]:
    """The answers (question, answer): from the advice when given, else as stored with the
    run."""
    found = (advice.profile if advice else None) or res.run.notes.profile or {}
    return list(found.items())
