"""The capability matrix of the transformation tasks (framework x transformation) in HTML and
Markdown. Rows come from ``analysis.capability`` via ``RunView.capabilities``; both
renderers escape every stored string (error lines come from frameworks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stackpick.analysis.capability import CapabilityRow
from stackpick.analysis.run_view import RunView
from stackpick.report.format import duration_ns
from stackpick.report.html_parts import Markup, join, section, table, tag

INTRO = ("Per-example gradients, Hessian-vector products and Jacobians, each checked against "
         "a float64 reference before timing. Each cell: whether the framework does it "
         "natively, only through a fallback (workaround), with a wrong result, or not at all; "
         "the median time per call; and the speed-up over the same framework's naive "
         "baseline (variant loop: a Python loop over examples, or over classes for the "
         "Jacobian; double backward for the Hessian-vector product).")
_KIND = {"native": "ok", "workaround": "warn", "not measured": "warn"}


def tables(res: RunView) -> dict[str, tuple[list[str], dict[str, dict[str, CapabilityRow]]]]:
    """Per ``workload · device``: the columns (``task · bN``) and rows[label][column]."""
    out: dict[str, tuple[list[str], dict[str, dict[str, CapabilityRow]]]] = {}
    for r in res.capabilities:
        columns, rows = out.setdefault(f"{r.workload} · {r.device}", ([], {}))
        column = f"{r.task} · b{r.batch}"
        if column not in columns:
            columns.append(column)
        rows.setdefault(r.label, {})[column] = r
    return out


def speedup_text(r: CapabilityRow) -> str:
    if r.speedup is None:
        return "no baseline" if r.baseline_cell is None else f"baseline {r.baseline_status}"
    interval = (f" [{r.speedup_low:.2f}, {r.speedup_high:.2f}]"
                if r.speedup_low is not None and r.speedup_high is not None else "")
    return f"{r.speedup:.2f}x{interval} vs baseline"


def cell_parts(r: CapabilityRow) -> list[str]:
    """The capability, then time and speed-up, then the error or workaround line."""
    parts = [r.capability]
    if r.median_ns is not None:
        parts.append(f"{duration_ns(r.median_ns)} · {speedup_text(r)}")
    if r.error:
        parts.append(r.error)
    return parts


def _html_cell(r: CapabilityRow | None) -> Markup:
    if r is None:
        return Markup("-")
    first, *rest = cell_parts(r)
    badge = tag("span", first, f"badge {_KIND.get(first, 'bad')}")
    return join([badge, *(tag("div", p, "muted" if p == r.error else "") for p in rest)])


def _render(res: RunView, cell: Callable[[CapabilityRow | None], Any]) -> list[Any]:
    out = []
    for title, (columns, rows) in tables(res).items():
        body = [[label, *(cell(by_column.get(k)) for k in columns)] for label, by_column in
                rows.items()]
        out.append((title, ["framework", *columns], body))
    return out


def capability_html(res: RunView) -> Markup:
    """The section, or nothing when the run measured no transformation task."""
    if not res.capabilities:
        return Markup("")
    parts = [table(heads, body, caption=title, cls="capabilities")
             for title, heads, body in _render(res, _html_cell)]
    return section("capabilities", "Function transformations: capability matrix", join(parts),
                   INTRO)


def capability_markdown(res: RunView, md_table: Callable[..., list[str]]) -> list[str]:
    """Markdown lines (``md_table`` from the Markdown renderer escapes each cell)."""
    if not res.capabilities:
        return []
    out = ["## Function transformations: capability matrix", "", INTRO, ""]
    for title, heads, body in _render(res, lambda r: "; ".join(cell_parts(r)) if r else "-"):
        out += [f"### {title}", "", *md_table(heads, body)]
    return out
