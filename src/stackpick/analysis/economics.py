"""Compile economics: what a compiled variant costs up front and when it pays off.

For a compiled (or exported) cell and its eager baseline in the same group: the up-front time
to the first result (build + first call: export, trace and compile included), the steady-state
gain per call, and the break-even call count
``(upfront_compiled - upfront_eager) / (steady_eager - steady_compiled)``; "never" when the
compiled variant is not faster in steady state. JAX has no eager baseline of its own, so it is
set against eager PyTorch, as is ONNX Runtime (whose export happens in its build). The pairs
are declared by the backends' specs (``Variant.baseline``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from stackpick.analysis.payoff import BreakEven, break_even
from stackpick.analysis.verdicts import Verdict
from stackpick.protocol.cells import StoredCell, label
from stackpick.registry import all_specs

PairVerdict = Callable[[StoredCell, StoredCell], Verdict | None]



def baselines() -> dict[str, str]:
    """Compiled (or exported) cell label -> its eager baseline's label, as each backend's spec
    declares it (``Variant.baseline``)."""
    return {label(s.name, v.name): v.baseline for s in all_specs().values()
            for v in s.variants if v.baseline}


@dataclass(frozen=True)
class Economics:
    compiled: str
    baseline: str
    upfront_s: float
    baseline_upfront_s: float
    steady_s: float
    baseline_steady_s: float
    verdict: Verdict | None = None  # the paired verdict between the two (None: point values)

    @property
    def payoff(self) -> BreakEven | None:
        """Break-even from the steady-state gain's interval (analysis/payoff.py)."""
        if self.verdict is None:
            return None
        return break_even(self.upfront_s - self.baseline_upfront_s, self.baseline_steady_s,
                          self.compiled, self.verdict)

    @property
    def speedup(self) -> float:
        return self.baseline_steady_s / self.steady_s if self.steady_s > 0 else math.nan

    @property
    def break_even_calls(self) -> float | None:
        """Calls after which the compiled variant has saved its extra first-call time; None
        when it never does (not faster in steady state, or not measurably: the gain's
        interval includes 0); 0 when it costs nothing extra."""
        if self.payoff is not None:
            return self.payoff.calls
        extra = self.upfront_s - self.baseline_upfront_s
        gain = self.baseline_steady_s - self.steady_s
        if gain <= 0:
            return None
        if extra <= 0:
            return 0.0
        return math.ceil(extra / gain)

    def sentence(self) -> str:
        be = self.break_even_calls
        pays = "never pays off (not faster in steady state)" if be is None else (
            f"pays off after {be:,.0f} calls")
        if self.payoff is not None:
            pays = self.payoff.text()
        return (f"{self.compiled}: first result after {self.upfront_s:.3g} s vs "
                f"{self.baseline_upfront_s:.3g} s for {self.baseline}; steady state "
                f"{self.speedup:.2f}x {self.baseline}; {pays}")


def _upfront_s(c: StoredCell) -> float:
    return (c.metrics.build_s or 0.0) + (c.metrics.first_call_s or 0.0)


def _steady_s(c: StoredCell) -> float | None:
    lat = c.metrics.latency
    return lat.median / 1e9 if lat else None


def group_economics(cells: list[StoredCell], pair: PairVerdict | None = None
                    ) -> list[Economics]:
    """Economics of every compiled cell whose baseline was measured in the same group;
    ``pair(a, b)`` gives their verdict (GroupView.pair) so the break-even uses the gain's
    interval, not point medians."""
    ok = {c.label: c for c in cells if c.status == "ok" and _steady_s(c) is not None}
    out = []
    for compiled, base in baselines().items():
        if compiled in ok and base in ok:
            c, b = ok[compiled], ok[base]
            out.append(Economics(compiled, base, _upfront_s(c), _upfront_s(b),
                                 _steady_s(c) or 0.0, _steady_s(b) or 0.0,
                                 pair(b, c) if pair else None))
    return out
