"""The Deployment section: per target class, the runtimes that ran, their latency, cold start,
install size and artifact size. Rendered into both the HTML page and the Markdown summary.

On-device runtimes (their spec's role: LiteRT, ExecuTorch) are measured on this host's CPU
with XNNPACK: the kernels a phone's Arm cores run, on another chip, so the numbers are a proxy,
and say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from stackpick.analysis.run_view import RunView
from stackpick.protocol.cells import StoredCell
from stackpick.protocol.extras import ColdStart
from stackpick.report import views
from stackpick.report.format import duration_ns, duration_s, size_bytes
from stackpick.report.html_parts import Markup, join, section, table, tag

CLASSES = {
    "server": ("Servers and serverless (x86 CPU, this host)",
               "Cold start and install size decide serverless: a fresh process pays the "
               "imports and the model load on every scale-up."),
    "on-device": ("Mobile and edge (on-device runtimes)",
                  "Measured on this host's CPU (XNNPACK) as a proxy for Arm and mobile: the "
                  "same kernels on another chip; rank runtimes by these, do not read them as "
                  "phone latencies."),
}


@dataclass
class DeployRow:
    target: str  # a key of CLASSES
    group: str
    label: str
    status: str
    median_ns: float | None
    cold: ColdStart | None
    cold_s: float | None
    install_bytes: int | None
    artifact_bytes: int | None
    note: str


def _note(c: StoredCell) -> str:
    extras = c.metrics.extras
    parts = []
    delegation = extras.delegation
    if delegation is not None and delegation.delegate:
        parts.append(f"{delegation.delegated_share:.0%} of operators delegated to "
                     f"{delegation.delegate}")
    elif extras.delegate_partitions:
        ops = "?" if extras.model_ops is None else extras.model_ops
        parts.append(f"{extras.delegate}: {extras.delegate_partitions} partition(s) over "
                     f"{ops} operators")
    parity = c.metrics.parity
    if parity is not None and parity.tolerance:
        verdict = "within" if parity.float32_ok else "outside"
        parts.append(f"max abs error {parity.max_abs or 0:.2g}, {verdict} the float32 "
                     f"tolerance; judged on {parity.tolerance}")
    cold = c.metrics.cold_start
    if cold is not None and cold.errors:
        parts.append(f"cold start failed: {cold.errors[0]}")
    if c.status != "ok":
        parts.append(c.reason or c.status)
    return "; ".join(parts)


def rows(res: RunView) -> list[DeployRow]:
    """One row per cell that ran or failed to export, where there is something to deploy
    to say: an on-device runtime, a cold start or an install size (runs stored before these
    were measured get no section)."""
    out = []
    for g in views.measured_groups(res):
        for c in g.cells:
            if c.status not in ("ok", "fail_export", "fail_parity"):
                continue
            on_device = views.role(c) == "on-device"
            extras = c.metrics.extras
            if not (on_device or c.metrics.cold_start_s is not None
                    or extras.install_bytes is not None):
                continue
            out.append(DeployRow(
                "on-device" if on_device else "server", views.group_title(g),
                c.label, c.status, views.median_ns(c), c.metrics.cold_start,
                c.metrics.cold_start_s, extras.install_bytes, extras.artifact_bytes,
                _note(c)))
    return out


def _cells(r: DeployRow) -> list[str]:
    cold = r.cold
    split = (f"{duration_s(cold.import_s)} / {duration_s(cold.load_s)} / "
             f"{duration_s(cold.first_call_s)}" if cold is not None and r.cold_s is not None
             else "-")
    return [r.group, r.label, r.status, duration_ns(r.median_ns), duration_s(r.cold_s), split,
            size_bytes(r.install_bytes), size_bytes(r.artifact_bytes), r.note or "-"]


HEADERS = ["workload", "runtime", "status", "median call", "cold start",
           "import / load / first call", "install size", "artifact", "notes"]
NUMERIC = (3, 4, 6, 7)
ABOUT = ("Cold start: median of fresh processes from interpreter start to the first output "
         "that passes parity (once per runtime variant, on its first measured cell). Install "
         "size: the installed files of the runtime's distributions and their dependencies.")


def by_class(res: RunView) -> list[tuple[str, str, list[DeployRow]]]:
    """(title, intro, rows) per target class that has rows."""
    all_rows = rows(res)
    return [(title, intro, [r for r in all_rows if r.target == key])
            for key, (title, intro) in CLASSES.items()
            if any(r.target == key for r in all_rows)]


def html_section(res: RunView) -> Markup:
    """The section for the HTML page ("" when nothing ran)."""
    parts = [join([tag("h3", title), tag("p", intro, "muted"),
                   table(HEADERS, [_cells(r) for r in rs], NUMERIC)])
             for title, intro, rs in by_class(res)]
    return section("deployment", "Deployment", join(parts), ABOUT) if parts else Markup("")


MdTable = Callable[[Sequence[str], Iterable[Sequence[Any]], Sequence[int]], list[str]]


def markdown_lines(res: RunView, md_table: MdTable, md: Callable[[Any], str]) -> list[str]:
    """The section for the Markdown summary ([] when nothing ran)."""
    out: list[str] = []
    for title, intro, rs in by_class(res):
        out += [f"### {md(title)}", "", f"_{md(intro)}_", ""]
        out += md_table(HEADERS, [_cells(r) for r in rs], NUMERIC)
    return ["## Deployment", "", md(ABOUT), "", *out] if out else []
