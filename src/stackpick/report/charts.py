"""The report's charts as inline SVG strings: latency, speed-up over eager PyTorch, first call
against steady state (with the break-even call count), training step time, peak memory.

Each function returns a list of :class:`Chart` (one per group where that makes sense); an
empty list means the run has nothing to show for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from stackpick.analysis.run_view import GroupView, RunView
from stackpick.protocol.cells import StoredCell
from stackpick.report import views
from stackpick.report.format import duration_ns, duration_s, size_bytes
from stackpick.report.svg import PALETTE, Bar, Pair, bar_chart, family_color, pair_chart


@dataclass
class Chart:
    """One figure: a caption (also the chart's title) and its SVG markup."""

    caption: str
    svg: str


def _ci_text(c: StoredCell) -> str:
    lat = views.latency(c)
    if lat is None:
        return "-"
    half = (lat.ci_high - lat.ci_low) / 2 if lat.ci_high else None  # 0: no interval
    return f"{duration_ns(lat.median)} ± {duration_ns(half)}"


def _ci(c: StoredCell, end: str) -> float | None:
    lat = views.latency(c)
    return getattr(lat, end) if lat else None


def _time_bars(g: GroupView) -> list[Bar]:
    """Timed cells fastest first, then failed cells with their status instead of a bar."""
    bars = [Bar(c.label, views.median_ns(c), _ci(c, "ci_low"), _ci(c, "ci_high"),
                _ci_text(c), family_color(c.backend))
            for c in views.ok_cells(g)]
    timed = {id(c) for c in views.ok_cells(g)}
    bars += [Bar(c.label, None, note=f"no timing: {c.status}")
             for c in g.cells if id(c) not in timed]
    return bars


def _time_chart(g: GroupView, what: str) -> Chart:
    title = f"{what}: {views.group_title(g)}"
    desc = (f"Median {what.lower()} per backend with its 95% confidence interval as a whisker; "
            "shorter is faster. " + "; ".join(f"{b.label} {b.text or b.note}"
                                               for b in _time_bars(g)))
    return Chart(title, bar_chart(title, desc, _time_bars(g), duration_ns))


def latency_charts(res: RunView) -> list[Chart]:
    """One chart per inference group (workload, batch, device)."""
    return [_time_chart(g, "Latency per call") for g in res.groups
            if g.cells and g.cells[0].task == "inference"]


def training_charts(res: RunView) -> list[Chart]:
    """One chart per training group: forward + loss + backward + optimiser step."""
    return [_time_chart(g, "Training step time") for g in res.groups
            if g.cells and g.cells[0].task == "training"]


def speedup_charts(res: RunView) -> list[Chart]:
    """Speed relative to eager PyTorch, one chart per workload and task, on a log scale."""
    sets: dict[str, list[Bar]] = {}
    for g in res.groups:
        for s in views.speedups(g):
            c = s.cell
            color = family_color(c.backend) if s.value >= 1 else PALETTE["failed"]
            word = "faster" if s.value >= 1 else "slower"
            size = s.value if s.value >= 1 else 1 / s.value
            # the point ratio alone would claim a gap the paired interval does not support
            said = {"faster": "", "tie": ": tie"}.get(s.verdict, "?")  # ? fits the column
            sets.setdefault(f"{c.workload} · {c.task}", []).append(Bar(
                f"{c.label} · b{c.batch}", s.value, s.low, s.high, f"{size:.2f}x {word}{said}",
                color))
    return [_speedup_chart(name, bars) for name, bars in sets.items()]


def _speedup_chart(name: str, bars: list[Bar]) -> Chart:
    title = f"Speed relative to eager PyTorch: {name}"
    desc = ("Times faster than eager PyTorch (torch) at the same batch; right of the 1x line is "
            "faster, left is slower; whiskers: the 95% interval of the paired per-round ratio "
            "(a tie when it includes 1; a question mark: inconclusive, too few worker processes to "
            "bound it). "
            + "; ".join(f"{b.label} {b.text}" for b in bars))
    svg = bar_chart(title, desc, bars, lambda v: f"{v:g}x", log=True, base=1.0,
                    base_label="1x = eager PyTorch")
    return Chart(title, svg)


def first_call_charts(res: RunView) -> list[tuple[Chart, list[views.FirstCall]]]:
    """Up-front time (build + first call, compile included) against one steady-state call,
    per group, with the break-even call count against each cell's eager baseline."""
    out = []
    for g in res.groups:
        rows = views.first_calls(g)
        if not any(r.econ for r in rows):  # nothing compiled against a baseline here
            continue
        pairs = [Pair(r.cell.label, r.upfront_s, r.steady_s,
                      views.break_even_text(r, short=True)) for r in rows]
        title = f"First result vs steady state: {views.group_title(g)}"
        desc = ("Time to the first result (build and first call) and one steady-state call "
                "per backend on a log scale; the text gives the calls after which a slower "
                "start is paid back. " + "; ".join(f"{p.label}: first {duration_s(p.first)}, "
                                                   f"steady {duration_s(p.second)}, {p.text}"
                                                   for p in pairs))
        svg = pair_chart(title, desc, pairs, ("build + first call", "steady-state call"),
                         duration_s)
        out.append((Chart(title, svg), rows))
    return out


def memory_charts(res: RunView) -> list[Chart]:
    """Peak resident memory of the worker per cell, one chart per workload and task."""
    out = []
    for name, cells in views.memory_sets(res).items():
        cells = sorted(cells, key=lambda c: (c.batch, views.peak_rss(c) or 0))
        bars = [Bar(f"{c.label} · b{c.batch}", views.peak_rss(c), text=size_bytes(
            views.peak_rss(c)), color=family_color(c.backend)) for c in cells]
        title = f"Peak memory (RSS): {name}"
        desc = ("Peak resident memory of each backend's worker process, measured in a separate "
                "pass; shorter is leaner. " + "; ".join(f"{b.label} {b.text}" for b in bars))
        out.append(Chart(title, bar_chart(title, desc, bars, size_bytes)))
    return out
