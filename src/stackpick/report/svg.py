"""Hand-written SVG bar charts: no JavaScript, no external files, readable when printed.

Every chart carries ``<title>``/``<desc>`` (screen readers, tooltips) and prints its numbers
next to the bars, so colour is never the only cue. Every string is escaped here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import escape

from stackpick.registry import lookup

WIDTH = 640
LABEL_W = 160  # left column for row labels
VALUE_W = 145  # right column for the printed value
ROW_H = 24
TOP = 30  # room for the axis ticks above the first row
_ids = itertools.count(1)

# Okabe-Ito: distinguishable for the common colour-vision deficiencies, and in greyscale print.
PALETTE = {"pytorch": "#0072B2", "compiled": "#56B4E9", "tensorflow": "#E69F00",
           "jax": "#009E73", "onnx": "#CC79A7", "other": "#999999", "failed": "#D55E00"}


def esc(text: object) -> str:
    """Escape any value for HTML text and attributes (quotes included), with markupsafe."""
    return str(escape(str(text)))


def family_color(backend: str) -> str:
    """A stable colour per framework family (the backend spec's ``colour``), so a backend looks
    the same in every chart; ``backend`` may be a label (``tensorflow:xla``)."""
    spec = lookup(backend)
    return PALETTE.get(spec.colour if spec else "other", PALETTE["other"])


@dataclass
class Bar:
    """One row: a value with an optional interval; ``note`` replaces a missing value."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    text: str = ""
    color: str = PALETTE["other"]
    note: str = ""


class Scale:
    """Maps data values to x pixels over [x0, x1]; log scale for data spanning decades."""

    def __init__(self, lo: float, hi: float, x0: float, x1: float, log: bool = False) -> None:
        self.log, self.x0, self.x1 = log, x0, x1
        if log:
            lo, hi = math.log10(lo), math.log10(hi)
        self.lo, self.hi = lo, hi if hi > lo else lo + 1.0

    def __call__(self, v: float) -> float:
        t = math.log10(max(v, 1e-300)) if self.log else v
        frac = (t - self.lo) / (self.hi - self.lo)
        return self.x0 + min(max(frac, 0.0), 1.0) * (self.x1 - self.x0)

    def ticks(self) -> list[float]:
        if not self.log:
            return nice_ticks(self.lo, self.hi)
        decades = range(math.floor(self.lo) - 1, math.ceil(self.hi) + 1)
        steps = (1, 2, 5) if self.hi - self.lo <= 2 else (1,)  # 1-2-5 only when few decades
        return [m * 10.0 ** k for k in decades for m in steps
                if self.lo - 1e-9 <= math.log10(m * 10.0 ** k) <= self.hi + 1e-9]


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round tick values (1, 2, 5 x 10^k) covering [lo, hi]."""
    span = hi - lo
    raw = span / count if span > 0 else 1.0
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _frame(title: str, desc: str, height: float, body: list[str]) -> str:
    n = next(_ids)
    return (f'<svg class="chart" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
            f'aria-labelledby="svg{n}t svg{n}d" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="svg{n}t">{esc(title)}</title><desc id="svg{n}d">{esc(desc)}</desc>'
            + "".join(body) + "</svg>")


def _axis(scale: Scale, fmt: Callable[[float], str], bottom: float) -> list[str]:
    out = []
    for t in scale.ticks():
        x = scale(t)
        out.append(f'<line class="grid" x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" '
                   f'y2="{bottom:.1f}"/><text class="tick" x="{x:.1f}" y="{TOP - 10}" '
                   f'text-anchor="middle">{esc(fmt(t) if t else "0")}</text>')
    return out


def _label(y: float, text: str) -> str:
    short = text if len(text) <= 26 else text[:25] + "…"
    return (f'<text class="label" x="{LABEL_W - 8}" y="{y:.1f}" text-anchor="end" '
            f'dominant-baseline="middle"><title>{esc(text)}</title>{esc(short)}</text>')


def _whisker(scale: Scale, bar: Bar, y: float) -> str:
    if bar.low is None or bar.high is None:
        return ""
    a, b = scale(bar.low), scale(bar.high)
    return (f'<path class="ci" d="M{a:.1f} {y:.1f}H{b:.1f}M{a:.1f} {y - 5:.1f}v10'
            f'M{b:.1f} {y - 5:.1f}v10"/>')


def _extent(bars: Sequence[Bar], base: float, log: bool) -> tuple[float, float]:
    vals = [v for b in bars for v in (b.value, b.low, b.high)
            if v is not None and (v > 0 or not log)]
    vals.append(base)
    lo, hi = min(vals), max(vals)
    if log:
        lo, hi = _nice_log(lo, down=True), _nice_log(hi, down=False)
        return lo, hi if hi > lo else lo * 2
    return lo, hi * 1.05 if hi > 0 else 1.0


def _nice_log(v: float, down: bool) -> float:
    """The nearest 1-2-5 x 10^k at or beyond ``v`` (a tidy end for a log axis)."""
    k = math.floor(math.log10(v))
    marks = [m * 10.0 ** e for e in (k - 1, k, k + 1) for m in (1, 2, 5)]
    return max(m for m in marks if m <= v) if down else min(m for m in marks if m >= v)


def bar_chart(title: str, desc: str, bars: Sequence[Bar], fmt: Callable[[float], str],
              log: bool = False, base: float = 0.0, base_label: str = "") -> str:
    """Horizontal bars from ``base`` (0, or the reference line on a log scale) with CI whiskers.

    Rows without a value show their ``note`` (e.g. the failure status) instead of a bar.
    """
    height = TOP + ROW_H * max(len(bars), 1) + 8
    scale = Scale(*_extent(bars, base if log else 0.0, log), LABEL_W, WIDTH - VALUE_W, log)
    body = _axis(scale, fmt, height - 8)
    x_base = scale(base)
    for i, bar in enumerate(bars):
        y = TOP + i * ROW_H + ROW_H / 2
        body.append(_label(y, bar.label))
        if bar.value is None:
            body.append(f'<text class="note" x="{LABEL_W + 4}" y="{y:.1f}" '
                        f'dominant-baseline="middle">{esc(bar.note)}</text>')
            continue
        x = scale(bar.value)
        left, w = min(x, x_base), max(abs(x - x_base), 1.0)
        body.append(f'<rect x="{left:.1f}" y="{y - 8:.1f}" width="{w:.1f}" height="16" '
                    f'fill="{bar.color}"><title>{esc(bar.label)}: {esc(bar.text)}</title></rect>')
        body.append(_whisker(scale, bar, y))
        body.append(f'<text class="value" x="{WIDTH - VALUE_W + 6}" y="{y:.1f}" '
                    f'dominant-baseline="middle">{esc(bar.text)}</text>')
    if base_label:
        body.append(f'<line class="ref" x1="{x_base:.1f}" y1="{TOP - 4}" x2="{x_base:.1f}" '
                    f'y2="{height - 6:.1f}"><title>{esc(base_label)}</title></line>')
    return _frame(title, desc, height, body)


@dataclass
class Pair:
    """One row of a paired chart: two values on one log scale (first call vs steady state)."""

    label: str
    first: float
    second: float
    text: str = ""


def pair_chart(title: str, desc: str, rows: Sequence[Pair], names: tuple[str, str],
               fmt: Callable[[float], str]) -> str:
    """Two thin bars per row on a log scale, with a legend naming the two series."""
    height = TOP + 22 + ROW_H * 1.4 * max(len(rows), 1)
    flat = [Bar("", v) for r in rows for v in (r.first, r.second) if v > 0] or [Bar("", 1.0)]
    lo, hi = _extent(flat, min(b.value or 1.0 for b in flat), True)
    scale = Scale(lo, hi, LABEL_W, WIDTH - VALUE_W, True)
    body = _axis(scale, fmt, height - 26)
    colors = ("#D55E00", "#0072B2")
    for i, (name, color) in enumerate(zip(names, colors, strict=True)):
        x = LABEL_W + i * 170
        body.append(f'<rect x="{x}" y="{height - 16}" width="12" height="10" fill="{color}"/>'
                    f'<text class="tick" x="{x + 16}" y="{height - 7}">{esc(name)}</text>')
    for i, row in enumerate(rows):
        y = TOP + i * ROW_H * 1.4 + ROW_H * 0.7
        body.append(_label(y, row.label))
        for value, dy, color in ((row.first, -6, colors[0]), (row.second, 6, colors[1])):
            w = max(scale(value) - LABEL_W, 1.0) if value > 0 else 0
            body.append(f'<rect x="{LABEL_W}" y="{y + dy - 5:.1f}" width="{w:.1f}" '
                        f'height="10" fill="{color}"><title>{esc(fmt(value))}</title></rect>')
        body.append(f'<text class="value" x="{WIDTH - VALUE_W + 6}" y="{y:.1f}" '
                    f'dominant-baseline="middle">{esc(row.text)}</text>')
    return _frame(title, desc, height, body)
