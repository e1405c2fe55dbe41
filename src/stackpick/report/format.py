"""Human formatting of durations, sizes and errors, shared by every renderer."""

from __future__ import annotations

import math


def duration_ns(ns: float | None) -> str:
    if ns is None or (isinstance(ns, float) and math.isnan(ns)):
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.0f} ns"


def duration_s(seconds: float | None) -> str:
    return "-" if seconds is None else duration_ns(seconds * 1e9)


def size_bytes(n: float | None) -> str:
    if n is None:
        return "-"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"


def rate(items_per_s: float | None) -> str:
    if not items_per_s:
        return "-"
    if items_per_s >= 1e6:
        return f"{items_per_s / 1e6:.3g}M/s"
    if items_per_s >= 1e3:
        return f"{items_per_s / 1e3:.3g}k/s"
    return f"{items_per_s:.3g}/s"


def sci(x: float | None) -> str:
    return "-" if x is None else f"{x:.1e}"
