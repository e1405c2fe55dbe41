"""The pick against the runner-up on each measured criterion, group by group, for the reasons
shown first: "ONNX Runtime vs PyTorch: 2.31x [2.10, 2.52] faster on mlp/inference/b1/cpu ...".

The ratio is the runner-up's standing over the pick's in the same group (both are ratios to
the group's fastest). Its interval is the statistics' own when one of the two was the fastest
(then it is a paired comparison); otherwise only the point ratio is given.
"""

from __future__ import annotations

import math
from dataclasses import replace

from stackpick.advice.evidence import Evidence
from stackpick.advice.measured import GroupValue
from stackpick.advice.measured_criteria import MEASURED
from stackpick.advice.model import Ranked, Reason
from stackpick.advice.scoring import scoped
from stackpick.knowledge.stacks import get_stack, stacks_in
from stackpick.profile import Profile

TIE = 1.02  # closer than 2% reads as level


def _groups(ev: Evidence, crit: str, cand: Ranked, targets: tuple[str, ...]
            ) -> dict[str, GroupValue]:
    out: dict[str, GroupValue] = {}
    for sid in stacks_in(cand.stack):
        for g in scoped(ev.measured.get(crit, {}).get(sid, []), targets):
            if g.group not in out or g.ratio < out[g.group].ratio:
                out[g.group] = g
    return out


def _interval(a: GroupValue, b: GroupValue) -> tuple[float, float] | None:
    """The interval of b / a, when one of them was the group's fastest."""
    if a.ratio == 1.0 and b.low is not None and b.high is not None:
        lo, hi = b.low, b.high
    elif b.ratio == 1.0 and a.low is not None and a.high is not None:
        lo, hi = 1 / a.high, 1 / a.low
    else:
        return None
    return (lo, hi) if 0 < lo <= hi and math.isfinite(hi) else None


def _one(a: GroupValue, b: GroupValue) -> str:
    ratio = b.ratio / a.ratio  # above 1: a was faster
    if 1 / TIE <= ratio <= TIE:
        return f"level on {a.group}"
    found = _interval(a, b)
    if ratio < 1:
        ratio, found = 1 / ratio, (1 / found[1], 1 / found[0]) if found else None
    word = "faster" if b.ratio > a.ratio else "slower"
    interval = f" [{found[0]:.2f}, {found[1]:.2f}]" if found else ""
    unsure = " (inconclusive)" if "inconclusive" in (a.verdict, b.verdict) else ""
    return f"{ratio:.2f}x{interval} {word}{unsure} on {a.group}"


def with_versus(a: Ranked, b: Ranked, ev: Evidence | None, p: Profile) -> Ranked:
    """``a`` with, first among each measured criterion's reasons, how it compared with ``b``."""
    if ev is None:
        return a
    scores = list(a.scores)
    for m in MEASURED:
        targets = m.targets(p)
        mine, theirs = _groups(ev, m.id, a, targets), _groups(ev, m.id, b, targets)
        shared = [k for k in mine if k in theirs]
        i = next((i for i, s in enumerate(scores) if s.criterion == m.id), None)
        if not shared or i is None or scores[i].value is None:
            continue
        parts = [_one(mine[k], theirs[k]) for k in shared]
        if all(x.startswith("level on") for x in parts):
            continue  # nothing measured separates them here
        names = (get_stack(stacks_in(a.stack)[0]).runtime, get_stack(stacks_in(b.stack)[0]).runtime)
        text = f"{names[0]} vs {names[1]} ({m.kind}, with intervals): " + "; ".join(parts)
        cells = tuple(dict.fromkeys(c for k in shared for g in (mine[k], theirs[k])
                                    for c in g.reason.cells))
        scores[i] = replace(scores[i], reasons=(Reason(text, cells=cells), *scores[i].reasons))
    return replace(a, scores=tuple(scores))
