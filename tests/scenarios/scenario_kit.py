"""Running a scenario file (shared by test_scenarios.py and docs_table.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from stackpick.advice import Advice, Evidence, advise
from stackpick.advice.measured import GroupValue
from stackpick.advice.model import Reason
from stackpick.profile import make_profile

HERE = Path(__file__).parent
TODAY = date(2026, 12, 1)


def load(stem: str) -> dict[str, Any]:
    return dict(yaml.safe_load((HERE / f"{stem}.yaml").read_text(encoding="utf-8")))


def evidence(spec: dict[str, Any] | None) -> Evidence | None:
    """Measured standings from a scenario: per criterion, groups of ``{stack: [ratio, low,
    high]}`` (ratio 1: the fastest) measured on ``class`` (default x86-cpu)."""
    if not spec:
        return None
    ev = Evidence({"id": 0, "kind": "run", "status": "done", "started_at": "2026-11-30"})
    for criterion, groups in spec.items():
        for g in groups:
            cls = g.get("class", "x86-cpu")
            ev.classes.add(cls)
            for stack, r in g["ratios"].items():
                low, high = (r[1], r[2]) if len(r) == 3 else (None, None)
                text = f"{g['group']}: {stack} at {r[0]:.2f}x the fastest"
                ev.measured.setdefault(criterion, {}).setdefault(stack, []).append(
                    GroupValue(g["group"].split("/")[0], r[0], Reason(text, cells=(0,)), cls,
                               low, high, g["group"]))
    return ev


def run(doc: dict[str, Any]) -> Advice:
    return advise(make_profile(doc["profile"]), today=TODAY, sensitivity=False,
                  evidence=evidence(doc.get("evidence")), **(doc.get("options") or {}))


