"""``results.json``: the stored run (``results.results_json``) plus the advice and the figures
the report derives from it. The shape is documented in docs/results-json.md; ``schema`` is
bumped on any incompatible change (adding keys is compatible)."""

from __future__ import annotations

import math
from typing import Any

from stackpick import __version__
from stackpick.analysis.run_view import RunView, results_json
from stackpick.report import views

SCHEMA = 2
SCHEMA_DOC = "docs/results-json.md"


def _finite(x: float) -> float | None:
    return None if math.isnan(x) else x


def _speedups(res: RunView) -> list[dict[str, Any]]:
    return [{"group": g.key, "cell": s.cell.id, "backend": s.cell.label, "baseline": "torch",
             "speedup": s.value, "low": _finite(s.low), "high": _finite(s.high),
             "verdict": s.verdict}
            for g in res.groups for s in views.speedups(g)]


def _payoff(econ: Any) -> dict[str, Any] | None:
    """Break-even status (pays off | free | not measurably faster | slower | inconclusive)
    and its range from the gain's interval."""
    p = econ.payoff if econ else None
    if p is None:
        return None
    return {"status": p.status, "calls": p.calls, "calls_low": p.calls_low,
            "calls_high": p.calls_high, "text": p.text()}


def _first_calls(res: RunView) -> list[dict[str, Any]]:
    out = []
    for g in res.groups:
        for r in views.first_calls(g):
            out.append({"group": g.key, "cell": r.cell.id, "backend": r.cell.label,
                        "upfront_s": r.upfront_s, "steady_s": r.steady_s,
                        "is_baseline": r.is_baseline,
                        "against": r.econ.baseline if r.econ else None,
                        "break_even_calls": r.econ.break_even_calls if r.econ else None,
                        "break_even": _payoff(r.econ), "compile_cache": r.cache or None})
    return out


def report_json(res: RunView, advice: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON document written as results.json (JSON-serialisable, keys stable)."""
    data = results_json(res)
    if data.get("schema") != SCHEMA:  # the two must move together
        raise RuntimeError(f"results_json schema {data.get('schema')} != report schema {SCHEMA}")
    data["generator"] = {"name": "stackpick", "version": __version__}
    data["partial"] = views.partial_note(res) is not None
    data["advice"] = advice
    data["derived"] = {"speedups": _speedups(res), "first_calls": _first_calls(res),
                       "warnings": [{"where": w, "text": t} for w, t in views.warnings(res)]}
    return data
