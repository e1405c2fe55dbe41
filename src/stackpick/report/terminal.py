"""Rich tables for the terminal: one table per group, ratio lines, warnings, failures."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from stackpick.analysis import portability as matrix
from stackpick.analysis.compare import Comparison
from stackpick.analysis.economics import group_economics
from stackpick.analysis.portability import PortRow
from stackpick.analysis.run_view import GroupView, RunView
from stackpick.protocol.cells import StoredCell
from stackpick.report import views
from stackpick.report.format import duration_ns, duration_s, rate, sci, size_bytes

STATUS_STYLE = {"ok": "green", "fail_parity": "red", "crash": "red", "timeout": "red",
                "error": "red", "oom": "red", "unavailable": "yellow", "unsupported": "dim",
                "fail_export": "red"}


def _latency(c: StoredCell) -> str:
    lat = c.metrics.latency
    if not lat:
        return "-"
    half = (lat.ci_high - lat.ci_low) / 2 if lat.ci_high else None  # 0: no interval
    return f"{duration_ns(lat.median)} ± {duration_ns(half)}"


def _row(c: StoredCell) -> list[str | Text]:
    m = c.metrics
    lat = m.latency
    loops = m.loops or 1
    n = f"{lat.n}" + (f" (x{loops} loop)" if loops > 1 else "") if lat else "-"
    memory = m.memory.peak_rss_bytes if m.memory else None
    return [
        Text(c.label), Text(c.status, style=STATUS_STYLE.get(c.status, "")), _latency(c), n,
        duration_ns(lat.p90) if lat and lat.p90 else "-",
        duration_ns(lat.p99) if lat and lat.p99 else "-",
        rate(m.throughput), duration_s(m.first_call_s), size_bytes(memory),
        sci(m.parity.max_abs if m.parity else None),
    ]


def _title(g: GroupView) -> str:
    """The group's key, with the cluster machine that measured it (a fleet study)."""
    nodes = sorted({c.node for c in g.cells if c.node})
    return f"{g.key} on {', '.join(nodes)}" if nodes and "@" not in g.key else g.key


def group_table(g: GroupView) -> Table:
    table = Table(title=Text(_title(g)), title_justify="left", header_style="bold")
    for col in ("backend", "status", "median ± 95% CI", "n", "p90", "p99", "items/s",
                "first call", "peak RSS", "parity err"):
        table.add_column(col, justify="left" if col in ("backend", "status") else "right")
    for c in sorted(g.cells, key=g.order):
        table.add_row(*_row(c))
    return table


def _short(text: str | None, limit: int = 120) -> str:
    return "" if not text else text if len(text) <= limit else text[: limit - 1] + "…"


def portability_table(rows: list[PortRow]) -> Table:
    """The user model's matrix: path, result, times, artifact, parity and why it failed."""
    table = Table(title=Text("portability of your model"), title_justify="left",
                  header_style="bold")
    for col in ("path", "result", "export / 1st call", "median", "artifact", "parity err",
                "why"):
        table.add_column(col, justify="right" if col in ("export / 1st call", "median",
                                                         "artifact", "parity err") else "left")
    for r in rows:
        why = "; ".join(x for x in (_short(r.error), f"likely cause: {r.cause}" if r.cause
                                    else "", *r.notes[:2]) if x)
        table.add_row(Text(r.path), Text(r.status, style=STATUS_STYLE.get(r.status, "yellow")),
                      duration_s(r.seconds), duration_ns(r.median_ns),
                      size_bytes(r.artifact_bytes), sci(r.parity_max_abs), Text(why or "-"))
    return table


def print_results(res: RunView, console: Console) -> None:
    rows = matrix.matrix(res.run.notes.model, res.paths)
    if rows:
        console.print(portability_table(rows))
        console.print()
    for g in res.groups:
        console.print(group_table(g))
        for cmp in g.comparisons:
            console.print(Text("  " + cmp.sentence()))
        if g.resolution:
            console.print(Text(f"  this group {g.resolution.sentence()}", style="dim"))
        for econ in group_economics(g.cells, g.pair):
            console.print(Text("  " + econ.sentence(), style="cyan"))
        for c in g.cells:
            for w in c.metrics.warnings:
                console.print(Text.assemble("  ", ("warning", "yellow"), f" {c.label}: {w}"))
            if c.status != "ok":  # Text, not markup: error messages may contain [brackets]
                style = STATUS_STYLE.get(c.status, "red")
                console.print(Text.assemble("  ", (c.status, style), f" {c.label}: {c.reason}"))
        console.print()
    loops = any((c.metrics.loops or 1) > 1 for c in res.cells)
    if loops:
        console.print("Note: calls shorter than 50 µs are timed in loops of k calls "
                      "(n counts loops); each sample is the per-call mean of its loop.")
    warning = res.run.notes.load_warning
    if warning:
        console.print(Text.assemble(("warning", "yellow"), f" {warning}"))


def _mark(cmp: Comparison) -> str:
    """' 2.85x' (faster), ' =±8%' (a tie: how large a gap its interval could still hide),
    ' ?' (inconclusive)."""
    if cmp.verdict == "faster":
        return f" {cmp.ratio.value:.2f}x"
    if cmp.verdict == "tie":
        return f" =±{cmp.hidden:.0%}"
    return " ?"


def compact_line(g: GroupView) -> Text:
    """One line per group: backends fastest first, each with its median and its ratio to the
    fastest (``=±8%`` marks a tie whose interval could hide up to 8%; ``?`` an inconclusive
    pair)."""
    ratios = {cmp.slow.label: cmp for cmp in g.comparisons}
    timed = sorted((c for c in g.cells if c.metrics.latency), key=g.order)
    parts = []
    for c in timed:
        median = duration_ns(c.metrics.latency.median if c.metrics.latency else None)
        cmp = ratios.get(c.label)
        mark = "" if cmp is None else _mark(cmp)
        parts.append(f"{c.label} {median}{mark}")
    failed = [c.label for c in g.cells if c.status not in ("ok", "unsupported")]
    text = Text.assemble((f"{_title(g)}: ", "bold"), " < ".join(parts) or "nothing timed")
    if g.resolution and g.resolution.relative is not None:
        text.append(f"  (resolves {g.resolution.relative:.0%})", style="dim")
    if failed:
        text.append(f"  (not timed: {', '.join(failed)})", style="yellow")
    return text


def print_compact(res: RunView, console: Console) -> None:
    """The measured comparison in a few lines (for `stackpick run`)."""
    console.print(Text("Measured (median per call; Nx = times slower than the fastest; "
                       "=±N% a tie that could hide up to N%; ? inconclusive; resolves N%: "
                       "the smallest difference the group's intervals tell apart):",
                       style="bold"))
    for g in res.groups:
        if any(c.metrics.latency for c in g.cells):
            console.print(compact_line(g))
    for g in res.groups:  # a figure a worker failure left out is said here too, not only in
        for c in g.cells:  # the report
            for fault in c.metrics.faults:
                console.print(Text.assemble(("warning", "yellow"), f" {g.key} {c.label}: {fault}"))
    for label, why in views.left_out(res).items():
        console.print(Text(f"left out: {label} ({why})", style="dim"))
