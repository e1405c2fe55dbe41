"""A Markdown summary for a pull request or design document: plain tables, no HTML.

Stored strings are escaped for Markdown (pipes, backticks, angle brackets...), so an error
message cannot break a table or inject markup where the file is rendered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from stackpick.analysis.machines import machines, per_machine
from stackpick.analysis.portability import PortRow
from stackpick.analysis.run_view import RunView
from stackpick.protocol.advice import Advice
from stackpick.protocol.cells import StoredCell
from stackpick.report import browser, views
from stackpick.report.advice_view import AdviceView, read_advice
from stackpick.report.capabilities import capability_markdown
from stackpick.report.deployment import markdown_lines as deployment_lines
from stackpick.report.format import duration_ns, duration_s, rate, sci, size_bytes
from stackpick.report.html_parts import plain
from stackpick.report.jsondoc import SCHEMA

_SPECIAL = re.compile(r"([\\`*_\[\]<|~])")
_LEADING = re.compile(r"^([>#]|[-+](?= ))")  # special only at the start of a line or cell

SHOWN_CAVEATS = 5  # the first few; the HTML report shows four and folds the rest


def md(text: Any) -> str:
    """One line of Markdown-safe text: special characters backslash-escaped, newlines folded."""
    line = _SPECIAL.sub(r"\\\1", " ".join(str("" if text is None else text).split()))
    return _LEADING.sub(r"\\\1", line)


def md_url(url: str) -> str:
    """A URL that cannot end the link early or open markup."""
    for ch, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E"),
                     ("|", "%7C"), ("`", "%60")):
        url = url.replace(ch, code)
    return url


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]],
             numeric: Sequence[int] = ()) -> list[str]:
    align = ["---:" if i in numeric else "---" for i in range(len(headers))]
    out = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(md(x) for x in r) + " |" for r in rows]
    return [*out, ""]


def _bullets(items: Iterable[Any]) -> list[str]:
    return [f"- {md(i)}" for i in items]


def _recommendation(view: AdviceView | None) -> list[str]:
    if view is None:
        return ["_No recommendation: rendered from measurements alone._", ""]
    if view.pick is None:
        out = ["**No stack qualifies**: every candidate was ruled out.", ""]
    else:
        kind = "Tie" if view.tie else "Recommended"
        out = [f"**{kind}: {md(view.pick.label)}**", "", *_bullets(view.pick.reasons), ""]
    if view.runner_up:
        out += [f"Runner-up: **{md(view.runner_up.label)}**", ""]
    if view.flips:
        out += ["What would change the pick:", "", *_bullets(view.flips), ""]
    elif view.flip_note:
        out += [md(view.flip_note), ""]
    if view.eliminated:
        out += md_table(["ruled out", "why"], [[n, "; ".join(r) or "no reason given"]
                                               for n, r in view.eliminated])
    if view.caveats:  # ordered by how much they could change the decision: fold the rest
        out += ["Caveats:", "", *_bullets(view.caveats[:SHOWN_CAVEATS]), ""]
        rest = view.caveats[SHOWN_CAVEATS:]
        if rest:
            out += ["<details><summary>" + f"{len(rest)} more caveats</summary>", "",
                    *_bullets(rest), "", "</details>", ""]
    return out


def _vs_torch(s: views.Speedup | None, label: str) -> str:
    """'1.35x' when the paired interval says faster (or slower); a tie or an inconclusive pair
    says so beside its point ratio."""
    if s is None:
        return "1x" if label == views.BASELINE else "-"
    return f"{s.value:.2f}x" + ("" if s.verdict == "faster" else f" ({s.verdict})")


def _row(c: StoredCell, speedup: dict[int, views.Speedup]) -> list[str]:
    lat = views.latency(c)
    half = (lat.ci_high - lat.ci_low) / 2 if lat and lat.ci_high else None  # 0: no interval
    ci = f"{duration_ns(lat.median)} ± {duration_ns(half)}" if lat else "-"
    vs = _vs_torch(speedup.get(c.id), c.label)
    return [c.label, c.status, ci, duration_ns(lat.p90 if lat else None),
            duration_ns(lat.p99 if lat else None),
            rate(c.metrics.throughput), duration_s(c.metrics.first_call_s),
            size_bytes(views.peak_rss(c)), vs]


def _results(res: RunView) -> list[str]:
    out = ["## Measurements", ""]
    heads = ["backend", "status", "median ± 95% CI", "p90", "p99", "items/s", "first call",
             "peak RSS", "vs torch"]
    for g in views.measured_groups(res):
        speedup = {s.cell.id: s for s in views.speedups(g)}
        out += [f"### {md(views.group_title(g))}", ""]
        out += md_table(heads, [_row(c, speedup) for c in g.cells], range(2, 9))
        out += _bullets([*(cmp.sentence() for cmp in g.comparisons),
                         *([f"This group {g.resolution.sentence()}."] if g.resolution else [])])
        out += [""] if g.comparisons else []
    return out


def _why(r: PortRow) -> str:
    parts = [r.error or "", f"likely cause: {r.cause}: {r.cause_text}" if r.cause else "",
             *r.notes]
    return "; ".join(p for p in parts if p) or "-"


def _model(res: RunView) -> list[str]:
    """The user's model and its portability matrix ([] for the reference workloads)."""
    info = views.model_summary(res)
    if info is None:
        return []
    shown = info.to_dict()
    facts = [f"{k}: {shown[k] if shown[k] is not None else '-'}"
             for k in ("file", "kind", "class", "parameters", "inputs", "outputs", "reference")]
    rows = [[r.path, r.status, duration_s(r.seconds), duration_ns(r.median_ns),
             size_bytes(r.artifact_bytes), sci(r.parity_max_abs), _why(r)]
            for r in views.portability(res)]
    heads = ["path", "result", "export / first call", "median call", "artifact",
             "parity max abs", "why, and notes"]
    return ["## Your model", "", *_bullets(facts), "", "### Portability matrix", "",
            *md_table(heads, rows, (2, 3, 4, 5))]


def _break_even(res: RunView) -> list[str]:
    rows = [[g.key, r.cell.label, duration_s(r.upfront_s), duration_s(r.steady_s),
             r.econ.baseline, views.break_even_text(r), r.cache or "-"]
            for g in res.groups for r in views.first_calls(g) if r.econ]
    if not rows:
        return []
    heads = ["group", "backend", "build + first call", "steady call", "against", "break-even",
             "compile cache"]
    return ["## Compile economics: when a slower start pays off", "",
            *md_table(heads, rows, (2, 3))]


def _parity_failures_warnings(res: RunView) -> list[str]:
    out = ["## Parity", ""]
    out += md_table(["group", "backend", "parity", "max abs err", "max rel err"],
                    [[key, label, "pass" if p.ok else "FAIL", sci(p.max_abs),
                      sci(p.max_rel)] for key, _, label, p in views.parity_rows(res)], (3, 4))
    if res.failures():
        out += ["## Failures", ""]
        out += md_table(["cell", "status", "reason"],
                        [[c.key, c.status, c.reason or "-"] for c in res.failures()])
    warns = views.warnings(res)
    if warns:
        out += ["## Stability warnings", "", *_bullets(f"{w}: {t}" for w, t in warns), ""]
    return out


def _facts(view: AdviceView | None) -> list[str]:
    if view is None or not view.facts:
        return []
    rows = []
    for f in view.facts:
        src = ", ".join(f"[{md(t)}]({md_url(u)})" if u else md(t) for t, u in f.sources) or "-"
        rows.append([md(f.id or "-"), md(f.text), src, md(f.as_of or "-")])
    table = ["| id | fact | sources | as of |", "| --- | --- | --- | --- |"]
    return ["## Facts used", "", *table, *("| " + " | ".join(r) + " |" for r in rows), ""]


def _machine(res: RunView) -> list[str]:
    fp = res.run.fingerprint
    cpu = fp.get("cpu") or {}
    items = [f"CPU: {cpu.get('model', '?')} ({cpu.get('physical', '?')} cores)",
             f"memory: {size_bytes(fp.get('memory_bytes'))}", f"OS: {fp.get('os', '?')}",
             f"Python: {fp.get('python', '?')}", f"threads: {fp.get('threads', '?')}",
             f"frameworks: {plain(fp.get('frameworks') or {})}"]
    if fp.get("gpus"):
        items.insert(1, f"GPUs: {plain(fp['gpus'])}")
    return ["## Machine", "", *_bullets(items), ""]


def _machines(res: RunView) -> list[str]:
    """A fleet study's machines and the cells timed on several of them ([] when local)."""
    used = machines(res.cells)
    if not used:
        return []
    out = ["## Cluster machines", "", *md_table(
        ["machine", "CPU", "arch", "labels", "cells"],
        [[m.name, m.cpu, m.arch, ", ".join(m.labels) or "-", m.cells] for m in used], (4,))]
    rows = [[r.key, t.node, duration_ns(t.median_ns), f"{t.vs_fastest:.2f}x"]
            for r in per_machine(res.cells) for t in r.times]
    if rows:
        out += ["### The same cell on several machines", "", *md_table(
            ["cell", "machine", "median", "vs fastest machine"], rows, (2, 3))]
    return out


def render_markdown(res: RunView, advice: Advice | None = None) -> str:
    """The summary as one Markdown string."""
    run, view = res.run, read_advice(advice)
    out = [f"# stackpick report: run {run.id}", "",
           md(f"{run.kind} · {run.status} · started {run.started_at} · "
              f"finished {run.finished_at or '-'}"), ""]
    note = views.partial_note(res)
    if note:
        out += [f"> **PARTIAL:** {md(note)}", ""]
    out += ["## Recommendation", "", *_recommendation(view)]
    answers = views.answers(res, advice)
    if answers:
        out += ["## Answers", "", *md_table(["question", "answer"],
                                            [[k, plain(v)] for k, v in answers])]
    out += _model(res) + capability_markdown(res, md_table) + _results(res) + _break_even(res)
    if rows := browser.browser_rows(res):
        out += ["## In the browser", "", md(browser.INTRO), "",
                *md_table(browser.HEADERS, rows, browser.NUMERIC)]
    out += deployment_lines(res, md_table, md) + _parity_failures_warnings(res)
    out += _facts(view) + _machine(res) + _machines(res)
    out += [f"_stackpick results.json schema {SCHEMA}; full report in index.html._", ""]
    return "\n".join(out)
