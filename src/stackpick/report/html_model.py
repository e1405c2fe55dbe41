"""The HTML section for a user's model: what it is, and its portability matrix (one row per
path out of it). Every string goes through the escaping builders of :mod:`html_parts`: model
names and error messages come from the user's files and may hold markup."""

from __future__ import annotations

from typing import Any

from stackpick.analysis.portability import ModelSummary, PortRow
from stackpick.analysis.run_view import RunView
from stackpick.report import views
from stackpick.report.format import duration_ns, duration_s, sci, size_bytes
from stackpick.report.html_parts import Markup, badge, dl, join, section, table, tag

HEADS = ["path", "result", "export / first call", "median call", "artifact", "parity max abs",
         "why, and notes"]


def _facts(info: ModelSummary) -> Markup:
    params = info.parameters
    pairs = [("model", info.file), ("kind", info.kind), ("class", info.class_name or "-"),
             ("parameters", f"{params:,}" if isinstance(params, int) else "-"),
             ("inputs", info.inputs), ("outputs", info.outputs),
             ("reference output", info.reference)]
    return dl(pairs)


def _why(r: PortRow) -> Markup:
    parts: list[Any] = []
    if r.error:
        parts.append(tag("p", tag("code", r.error)))
    if r.cause:
        parts.append(tag("p", join([tag("strong", f"Likely cause: {r.cause}."), " ",
                                    r.cause_text or ""])))
    if r.notes:
        parts.append(tag("ul", join(tag("li", n) for n in r.notes), "notes"))
    return join(parts) if parts else Markup("-")


def _result(r: PortRow) -> Markup:
    if r.status in ("not run", "not timed"):
        return tag("span", r.status, "badge warn")
    return badge(r.status)


def _row(r: PortRow) -> list[Any]:
    return [r.path, _result(r), duration_s(r.seconds), duration_ns(r.median_ns),
            size_bytes(r.artifact_bytes), sci(r.parity_max_abs), _why(r)]


def model_section(res: RunView) -> Markup:
    """Empty for a run of the reference workloads."""
    info = views.model_summary(res)
    if info is None:
        return Markup("")
    rows = views.portability(res)
    body = join([_facts(info), table(HEADS, [_row(r) for r in rows], (2, 3, 4, 5),
                                     caption="Portability matrix", cls="portability")])
    intro = ("One row per way out of the model: each was tried on this machine with the same "
             f"inputs, and every output compared with the reference ({info.reference}). "
             "A stack that needs a failed path is ruled out in the recommendation.")
    return section("model", "Your model and where it can go", body, intro)
