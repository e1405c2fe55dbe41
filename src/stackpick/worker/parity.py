"""Parity of a backend's output against the float64 reference, before anything is timed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from stackpick.protocol.cells import Parity
from stackpick.workloads.transforms import TOLERANCE as TRANSFORM_TOLERANCE

# (atol, rtol) in float32. Training compares parameters after several steps, where rounding
# accumulates through the backward pass; inference compares logits after one forward.
TOLERANCE = {"inference": (1e-4, 1e-4), "training": (1e-4, 1e-3), **TRANSFORM_TOLERANCE}
Outputs = np.ndarray | Mapping[str, np.ndarray]


def compare(actual: np.ndarray, expected: np.ndarray, atol: float, rtol: float) -> Parity:
    """max_abs = max |a - e|; max_rel = max_abs / max |e|; ok = max_abs <= atol + rtol max |e|."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        return Parity(False, atol=atol, rtol=rtol,
                      detail=f"shape {a.shape} != reference {e.shape}")
    if not np.all(np.isfinite(a)):
        return Parity(False, atol=atol, rtol=rtol, detail="non-finite output")
    max_abs = float(np.max(np.abs(a - e))) if a.size else 0.0
    scale = float(np.max(np.abs(e))) if e.size else 0.0
    return Parity(max_abs <= atol + rtol * scale, max_abs,
                  max_abs / scale if scale > 0 else max_abs, atol, rtol)


def check(task: str, actual: Outputs, expected: Outputs,
          tol: tuple[float, float] | None = None) -> Parity:
    """Compare logits (inference) or every trainable parameter (training); worst one reported.
    Named arrays in inference are the several outputs of a user's model. ``tol``: (atol,
    rtol) instead of the task's float32 tolerance."""
    atol, rtol = tol or TOLERANCE[task]
    what = "output" if task == "inference" else "parameter"
    if isinstance(expected, Mapping) != isinstance(actual, Mapping):
        count = len(expected) if isinstance(expected, Mapping) else 1
        return Parity(False, atol=atol, rtol=rtol,
                      detail=f"output structure differs: the reference has {count} {what}(s)")
    if not isinstance(expected, Mapping):
        return compare(np.asarray(actual), expected, atol, rtol)
    assert isinstance(actual, Mapping)
    worst = Parity(True, 0.0, 0.0, atol, rtol)
    for name, ref in expected.items():
        if name not in actual:
            return Parity(False, atol=atol, rtol=rtol,
                          detail=f"{what} {name} missing from backend output")
        r = compare(actual[name], ref, atol, rtol)
        if not r.ok and worst.ok:
            worst = replace(r, detail=r.detail or f"worst {what}: {name}")
        elif worst.ok and (r.max_rel or 0) >= (worst.max_rel or 0):
            worst = replace(r, detail=f"worst {what}: {name}")
    return worst


def check_cell(task: str, actual: Outputs, expected: Outputs,
               tolerance: tuple[float, float, str] | None = None) -> Parity:
    """:func:`check`, or for a cell with its own stated ``(atol, rtol, why)`` (a quantised
    model) the judgement against that tolerance, with the float32 verdict kept beside it so
    the accuracy change is shown, never silently passed or failed."""
    strict = check(task, actual, expected)
    if tolerance is None:
        return strict
    atol, rtol, why = tolerance
    loose = check(task, actual, expected, (atol, rtol))
    return replace(loose, tolerance=why, float32_ok=strict.ok, float32_atol=strict.atol,
                   float32_rtol=strict.rtol)
