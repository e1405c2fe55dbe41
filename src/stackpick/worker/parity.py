"""Parity of a backend's output against the float64 reference, before anything is timed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from stackpick.workloads.transforms import TOLERANCE as TRANSFORM_TOLERANCE

# (atol, rtol) in float32. Training compares parameters after several steps, where rounding
# accumulates through the backward pass; inference compares logits after one forward.
TOLERANCE = {"inference": (1e-4, 1e-4), "training": (1e-4, 1e-3), **TRANSFORM_TOLERANCE}


def compare(actual: np.ndarray, expected: np.ndarray, atol: float, rtol: float) -> dict[str, Any]:
    """max_abs = max |a - e|; max_rel = max_abs / max |e|; ok = max_abs <= atol + rtol max |e|."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        return {"ok": False, "max_abs": None, "max_rel": None,
                "detail": f"shape {a.shape} != reference {e.shape}"}
    if not np.all(np.isfinite(a)):
        return {"ok": False, "max_abs": None, "max_rel": None, "detail": "non-finite output"}
    max_abs = float(np.max(np.abs(a - e))) if a.size else 0.0
    scale = float(np.max(np.abs(e))) if e.size else 0.0
    return {"ok": max_abs <= atol + rtol * scale, "max_abs": max_abs,
            "max_rel": max_abs / scale if scale > 0 else max_abs}


def check(task: str, actual: np.ndarray | Mapping[str, np.ndarray],
          expected: np.ndarray | Mapping[str, np.ndarray],
          tol: tuple[float, float] | None = None) -> dict[str, Any]:
    """Compare logits (inference) or every trainable parameter (training); worst one reported.
    Named arrays in inference are the several outputs of a user's model. ``tol``: (atol,
    rtol) instead of the task's float32 tolerance."""
    atol, rtol = tol or TOLERANCE[task]
    what = "output" if task == "inference" else "parameter"
    if isinstance(expected, Mapping) != isinstance(actual, Mapping):
        count = len(expected) if isinstance(expected, Mapping) else 1
        return {"ok": False, "max_abs": None, "max_rel": None, "atol": atol, "rtol": rtol,
                "detail": f"output structure differs: the reference has {count} {what}(s)"}
    if not isinstance(expected, Mapping):
        result = compare(np.asarray(actual), expected, atol, rtol)
        return {**result, "atol": atol, "rtol": rtol}
    assert isinstance(actual, Mapping)
    worst: dict[str, Any] = {"ok": True, "max_abs": 0.0, "max_rel": 0.0}
    for name, ref in expected.items():
        if name not in actual:
            return {"ok": False, "max_abs": None, "max_rel": None, "atol": atol, "rtol": rtol,
                    "detail": f"{what} {name} missing from backend output"}
        r = compare(actual[name], ref, atol, rtol)
        if not r["ok"] and worst["ok"]:
            worst = {**r, "detail": r.get("detail") or f"worst {what}: {name}"}
        elif worst["ok"] and (r["max_rel"] or 0) >= (worst["max_rel"] or 0):
            worst = {**r, "detail": f"worst {what}: {name}"}
    return {**worst, "atol": atol, "rtol": rtol}


def check_cell(task: str, actual: np.ndarray | Mapping[str, np.ndarray],
               expected: np.ndarray | Mapping[str, np.ndarray],
               tolerance: tuple[float, float, str] | None = None) -> dict[str, Any]:
    """:func:`check`, or for a cell with its own stated ``(atol, rtol, why)`` (a quantised
    model) the judgement against that tolerance, with the float32 verdict kept beside it so
    the accuracy change is shown, never silently passed or failed."""
    strict = check(task, actual, expected)
    if tolerance is None:
        return strict
    atol, rtol, why = tolerance
    loose = check(task, actual, expected, (atol, rtol))
    return {**loose, "tolerance": why, "float32_ok": strict["ok"],
            "float32_atol": strict["atol"], "float32_rtol": strict["rtol"]}
