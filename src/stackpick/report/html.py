"""The self-contained HTML report: one file, inline CSS, SVG and a few lines of JS; no network.

Every stored or user-supplied string goes through :func:`html_parts.h` (``html.escape``), so a
model name, a profile answer or an error message holding ``<script>`` is shown, never run.
"""

from __future__ import annotations

from importlib import resources
from string import Template
from typing import Any

from stackpick import __version__
from stackpick.analysis.machines import machines, per_machine
from stackpick.analysis.run_view import RunView
from stackpick.protocol.advice import Advice
from stackpick.protocol.cells import StoredCell
from stackpick.report import browser, charts, views
from stackpick.report.advice_view import read_advice
from stackpick.report.capabilities import capability_html
from stackpick.report.deployment import html_section as deployment_section
from stackpick.report.format import duration_ns, duration_s, rate, sci, size_bytes
from stackpick.report.html_advice import answers, facts, recommendation
from stackpick.report.html_model import model_section
from stackpick.report.html_parts import Markup, badge, dl, h, join, plain, section, table, tag, ul
from stackpick.report.jsondoc import SCHEMA, SCHEMA_DOC


def _template(name: str) -> str:
    return resources.files("stackpick.report").joinpath("templates", name).read_text("utf-8")


def _figures(items: list[charts.Chart], empty: str = "") -> Markup:
    """Charts in a responsive grid; ``empty`` is said instead when there are none."""
    if not items:
        return _none(empty) if empty else Markup("")
    return tag("div", join(tag("figure", join([tag("figcaption", c.caption), Markup(c.svg)]))
                           for c in items), "grid")


def _measurement_row(c: StoredCell) -> list[Any]:
    lat = views.latency(c)
    half = (lat.ci_high - lat.ci_low) / 2 if lat and lat.ci_high else None  # 0: no interval
    loops = c.metrics.loops or 1
    n = f"{lat.n}" + (f" (loops of {loops})" if loops > 1 else "") if lat else "-"
    return [c.label, badge(c.status), duration_ns(lat.median if lat else None),
            duration_ns(half), n, duration_ns(lat.p90 if lat else None),
            duration_ns(lat.p99 if lat else None),
            rate(c.metrics.throughput), duration_s(c.metrics.first_call_s),
            size_bytes(views.peak_rss(c))]


def _measurements(res: RunView) -> Markup:
    heads = ["backend", "status", "median", "± 95% CI", "n", "p90", "p99", "items/s",
             "first call", "peak RSS"]
    parts = []
    for g in views.measured_groups(res):
        sentences = [cmp.sentence() for cmp in g.comparisons]
        if g.resolution:
            sentences.append(f"This group {g.resolution.sentence()}.")
        parts += [table(heads, [_measurement_row(c) for c in g.cells], range(2, 10),
                        caption=views.group_title(g)), ul(sentences, "verdicts")]
    note = ("p90 is shown from 64 samples and p99 from 662 (MLPerf LoadGen's minima). "
            "Calls shorter than 50 µs are timed in loops; n then counts loops." if
            views.uses_loops(res) else
            "p90 is shown from 64 samples and p99 from 662 (MLPerf LoadGen's minima).")
    return tag("details", join([tag("summary", "All measurements, group by group"),
                                join(parts), tag("p", note, "muted")]))


def _break_even_table(first: list[tuple[charts.Chart, list[views.FirstCall]]]) -> Markup:
    rows = [[f"{r.cell.workload} · {r.cell.task} · b{r.cell.batch}", r.cell.label,
             duration_s(r.upfront_s), duration_s(r.steady_s),
             r.econ.baseline if r.econ else "-", views.break_even_text(r), r.cache or "-"]
            for _, group in first for r in group if r.econ or r.is_baseline]
    if not rows:
        return _none("No compiled or exported backend was measured beside its eager baseline.")
    heads = ["group", "backend", "build + first call", "steady call", "against", "break-even",
             "compile cache"]
    return table(heads, rows, (2, 3))


def _chart_sections(res: RunView) -> Markup:
    first = charts.first_call_charts(res)
    return join([
        section("latency", "Latency", join([_figures(charts.latency_charts(res)),
                                            _measurements(res)]),
                "Median time per call with its 95% confidence interval (whiskers). "
                "A backend is called faster only when the interval of the ratio excludes 1."),
        section("speedup", "Speed relative to eager PyTorch", _figures(
            charts.speedup_charts(res), "No eager PyTorch (torch) cell to compare against."),
                "Whiskers: the 95% interval of the paired ratio. \"tie\": it includes 1; "
                "a question mark: inconclusive (too few worker processes to bound it)."),
        section("first-call", "First call and compile time",
                join([_figures([c for c, _ in first]), _break_even_table(first)]),
                "Break-even: calls after which a slower start (build, export, trace, compile) "
                "is paid back by a faster steady state, against the eager baseline "
                "(torch for torch-compile, JAX and ONNX Runtime; tensorflow:eager for "
                "TensorFlow graph and XLA)."),
        section("training", "Training step time", _figures(
            charts.training_charts(res), "Training was not measured in this run.")),
        section("memory", "Peak memory", _figures(
            charts.memory_charts(res), "No memory readings in this run.")),
    ])


def _or_dash(value: float | None) -> str:
    return "-" if value is None else f"{value}"


def _browser(res: RunView) -> Markup:
    rows = browser.browser_rows(res)
    return section("browser", "In the browser", table(browser.HEADERS, rows, browser.NUMERIC),
                   browser.INTRO) if rows else Markup("")


def _none(sentence: str) -> Markup:
    return tag("p", sentence, "muted")


def _parity(res: RunView) -> Markup:
    rows = [[title, label, "pass" if p.ok else "FAIL",
             sci(p.max_abs), sci(p.max_rel), _or_dash(p.atol), _or_dash(p.rtol)]
            for _, title, label, p in views.parity_rows(res)]
    body = table(["group", "backend", "parity", "max abs err", "max rel err", "atol", "rtol"],
                 rows, (3, 4, 5, 6)) if rows else _none("No parity checks in this run.")
    summary = views.model_summary(res)
    against = (f"the reference output of your model ({summary.reference})" if summary else
               "a float64 NumPy reference with the same weights")
    return section("parity", "Numerical parity", body,
                   f"Each backend's output against {against}, checked before timing; a "
                   "failing backend is not ranked.")


def _failures(res: RunView) -> Markup:
    items = []
    for c in res.failures():
        tail = tag("details", join([tag("summary", "error output"), tag("pre", c.error_tail)])
                   ) if c.error_tail else ""
        items.append(tag("li", join([badge(c.status), " ", tag("strong", c.key), ": ",
                                     c.reason or "no reason recorded", tail])))
    body = tag("ul", join(items), "failures") if items else tag("p", "No cell failed.", "muted")
    return section("failures", "Failures", body,
                   "Failures are results too: each cell that did not produce a timing, and why.")


def _warnings(res: RunView) -> Markup:
    items = [join([tag("strong", where), ": ", text]) for where, text in views.warnings(res)]
    body = ul(items, "warnings") or tag("p", "No stability warnings.", "muted")
    return section("stability", "Stability warnings", body)


def _machine(res: RunView) -> Markup:
    fp = res.run.fingerprint
    pairs = [(k.replace("_", " "), plain(v)) for k, v in fp.items() if k != "frameworks"]
    versions = table(["package", "version"], sorted((fp.get("frameworks") or {}).items()))
    return section("machine", "Machine", join([dl(pairs), versions]))


def _machines(res: RunView) -> Markup:
    """A fleet study's machines and the same cell across them (nothing for a local run)."""
    used = machines(res.cells)
    if not used:
        return Markup("")
    nodes = table(["machine", "CPU", "arch", "labels", "cells"],
                  [[m.name, m.cpu, m.arch, ", ".join(m.labels) or "-", m.cells] for m in used],
                  (4,), caption="Machines that measured this run")
    rows = [[r.key, t.node, duration_ns(t.median_ns), f"{t.vs_fastest:.2f}x"]
            for r in per_machine(res.cells) for t in r.times]
    same = table(["cell", "machine", "median", "vs fastest machine"], rows, (2, 3),
                 caption="The same cell on several machines") if rows else ""
    return section("machines", "Cluster machines", join([nodes, same]),
                   "Across machines there are no shared rounds: plain ratios of medians; "
                   "use stackpick compare for intervals between runs.")


def _header(res: RunView) -> Markup:
    run = res.run
    cells = [c for g in views.measured_groups(res) for c in g.cells]  # not conversion rows
    ok = sum(c.status == "ok" for c in cells)
    meta = (f"run {run.id} · {run.kind} · {run.status} · started {run.started_at}"
            f" · finished {run.finished_at or '-'} · {ok} of {len(cells)} cells timed")
    cpu = (run.fingerprint.get("cpu") or {}).get("model", "")
    return join([tag("p", meta, "meta"), tag("p", cpu, "meta") if cpu else "",
                 tag("p", join(["command: ", tag("code", run.command or "-")]), "meta")])


NAV = [("recommendation", "Recommendation"), ("answers", "Answers"), ("model", "Your model"),
       ("capabilities", "Transformations"), ("latency", "Latency"),
       ("speedup", "Speed-up"), ("first-call", "First call"), ("training", "Training"),
       ("memory", "Memory"), ("browser", "In the browser"), ("deployment", "Deployment"),
       ("parity", "Parity"),
       ("failures", "Failures"),
       ("stability", "Stability"), ("facts", "Facts"), ("machine", "Machine"),
       ("machines", "Cluster")]


def render_html(res: RunView, advice: Advice | None = None) -> str:
    """The whole page as one string (write it as UTF-8)."""
    view = read_advice(advice)
    banner = views.partial_note(res)
    model, caps = model_section(res), capability_html(res)
    deployment = deployment_section(res)
    nav = [(i, t) for i, t in NAV
           if (i != "facts" or (view and view.facts)) and (i != "model" or model)
           and (i != "browser" or browser.browser_rows(res)) and (i != "capabilities" or caps)
           and (i != "deployment" or deployment)
           and (i != "machines" or any(c.node for c in res.cells))]
    body = join([
        recommendation(view), answers(views.answers(res, advice)), model, caps,
        _chart_sections(res), _browser(res), deployment, _parity(res), _failures(res),
        _warnings(res), facts(view), _machine(res), _machines(res),
    ])
    return Template(_template("page.html")).substitute(
        title=tag("title", f"stackpick report: run {res.run.id}"), css=_template("report.css"),
        js=_template("report.js"), header=_header(res),
        banner=tag("div", banner, "banner", role="alert") if banner else "",
        nav=tag("nav", join(tag("a", t, href=f"#{i}") for i, t in nav), aria_label="Sections"),
        body=body, footer=h(f"stackpick {__version__} · results.json schema {SCHEMA} "
                            f"(documented in {SCHEMA_DOC}) · report.md beside this file"),
    )
