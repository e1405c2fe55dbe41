"""A synthetic stored study for report and compare tests: no framework, no worker process.

Cells look like real ones (metrics built with the same ``summarize``), samples are seeded
noise around a scripted median, and some strings are hostile on purpose.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from stackpick.analysis.stats import summarize
from stackpick.protocol.advice import Advice
from stackpick.protocol.cells import Cell
from stackpick.protocol.runs import PlanRecord, RunNotes
from stackpick.store import Store, open_store

HOSTILE = "<script>window.__pwned=1</script>"
HOSTILE_WORKLOAD = f"mymodel{HOSTILE}"

# (workload, task, batch, backend, variant, median µs, first call s, peak MB, status)
SCRIPT: list[tuple[str, str, int, str, str, float, float, float, str]] = [
    ("mlp", "inference", 1, "torch", "default", 120, 0.004, 310, "ok"),
    ("mlp", "inference", 1, "torch-compile", "default", 80, 6.5, 520, "ok"),
    ("mlp", "inference", 1, "onnxruntime", "default", 45, 1.4, 260, "ok"),
    ("mlp", "inference", 1, "jax", "default", 95, 0.6, 420, "ok"),
    ("mlp", "inference", 1, "tensorflow", "xla", 140, 2.2, 780, "ok"),
    ("mlp", "inference", 1, "tensorflow", "eager", 150, 0.05, 700, "ok"),
    ("mlp", "inference", 32, "torch", "default", 900, 0.006, 330, "ok"),
    ("mlp", "inference", 32, "onnxruntime", "default", 610, 1.5, 280, "ok"),
    ("mlp", "inference", 32, "jax", "default", 700, 0.7, 440, "ok"),
    ("mlp", "inference", 32, "torch-compile", "default", 950, 7.0, 560, "ok"),
    ("mlp", "training", 64, "torch", "default", 3100, 0.02, 360, "ok"),
    ("mlp", "training", 64, "torch-compile", "default", 2600, 11.0, 610, "ok"),
    ("mlp", "training", 64, "jax", "default", 2200, 1.1, 470, "ok"),
    ("mlp", "training", 64, "onnxruntime", "default", 0, 0, 0, "unsupported"),
    ("cnn", "inference", 1, "torch", "default", 1500, 0.01, 350, "ok"),
    ("cnn", "inference", 1, "onnxruntime", "default", 0, 0, 0, "fail_parity"),
    ("cnn", "inference", 1, "tensorflow", "graph", 0, 0, 0, "crash"),
    (HOSTILE_WORKLOAD, "inference", 1, "torch", "default", 300, 0.01, 300, "ok"),
    (HOSTILE_WORKLOAD, "inference", 1, "jax", "default", 0, 0, 0, "error"),
]


def rounds_for(median_us: float, seed: int, n_rounds: int = 6, per_round: int = 40,
               noise: float = 0.02) -> list[list[float]]:
    """Samples (ns) around ``median_us`` with relative noise, in interleaved rounds."""
    rng = np.random.default_rng(seed)
    return [list(median_us * 1e3 * (1 + noise * rng.standard_normal(per_round)))
            for _ in range(n_rounds)]


def metrics_for(rounds: list[list[float]], batch: int, first_s: float, peak_mb: float,
                warnings: list[str] | None = None) -> dict[str, Any]:
    s = summarize([v for r in rounds for v in r])
    return {"latency_ns": s.__dict__, "throughput": batch / (s.median / 1e9),
            "first_call_s": first_s, "build_s": 0.01, "loops": 1, "rounds": len(rounds),
            "warmup": {"calls": 10, "converged": True}, "threads": {"intra_op": 2},
            "parity": {"ok": True, "max_abs": 3e-7, "max_rel": 2e-6, "atol": 1e-4,
                       "rtol": 1e-4},
            "memory": {"peak_rss_bytes": peak_mb * 1e6, "device_memory": None},
            "extras": {}, "warnings": warnings or [], "versions": {"fake": "1"}}


def _failure(status: str) -> tuple[dict[str, Any], str, str | None]:
    if status == "fail_parity":
        parity = {"ok": False, "max_abs": 0.31, "max_rel": 0.2, "atol": 1e-4, "rtol": 1e-4}
        return {"parity": parity, "first_call_s": 1.0}, "parity: max abs error 0.31", None
    if status == "error":
        return {}, f"setup: model file {HOSTILE} could not be read", f"Traceback\n{HOSTILE}"
    if status == "crash":
        return {}, "setup: worker killed by SIGSEGV", "Fatal Python error: Segmentation fault"
    return {}, "onnxruntime here serves inference only", None


def fill_run(store: Store, slow: dict[str, float] | None = None, seed: int = 0,
             status: str = "complete", extra: dict[str, Any] | None = None,
             limit: int | None = None, crashed: tuple[str, ...] = ()) -> int:
    """Store the scripted study as one run; ``slow`` multiplies the median of named keys,
    ``crashed`` keys are stored as crashes."""
    plan = PlanRecord([Cell(wl, backend, variant, task, batch)
                       for wl, task, batch, backend, variant, *_ in SCRIPT], 2)
    run_id = store.create_run("bench", plan, {"cpu": {"model": "Synthetic CPU", "physical": 2},
                                              "os": "Linux", "python": "3.11",
                                              "frameworks": {"numpy": "2"}, "threads": 2},
                              "stackpick bench --synthetic", RunNotes.from_dict(extra or {}))
    for i, (wl, task, batch, backend, variant, med, first, peak, st) in enumerate(SCRIPT[:limit]):
        cell = Cell(wl, backend, variant, task, batch)
        st = "crash" if cell.key in crashed else st
        if st != "ok":
            metrics, reason, tail = _failure(st)
            store.save_cell(run_id, cell, st, metrics, reason, tail)
            continue
        factor = (slow or {}).get(cell.key, 1.0)
        rounds = rounds_for(med * factor, seed * 1000 + i)
        warns = ["high variation (CV 12%): close other programs"] if i == 3 else []
        store.save_cell(run_id, cell, "ok", metrics_for(rounds, batch, first, peak, warns),
                        rounds=rounds)
    store.finish_run(run_id, status)
    return run_id


def _criterion(name: str, weight: float, value: float, text: str, **cited: Any) -> dict:
    return {"criterion": name.replace(" ", "_"), "label": name, "weight": weight,
            "value": value, "contribution": round(weight * value, 6), "basis": "measured",
            "reasons": [{"text": text, "facts": cited.get("facts", []), "answers": [],
                         "cells": cited.get("cells", [])}]}


def advice_dict() -> dict[str, Any]:
    """Advice in the advisor's to_dict() shape (stackpick.advice.model), with hostile strings."""
    return {
        "schema": 1, "kind": "stackpick-advice", "as_of": "2026-11-26",
        "profile": {"priority": "production", "goal": "both", "targets": ["x86-cpu",
                                                                            "nvidia-gpu"],
                    "expertise": {"pytorch": "strong", "jax": "some", "tensorflow": "none"},
                    "model_family": HOSTILE},
        "recommended": "pytorch-onnxruntime", "runner_up": "pytorch", "tie": False,
        "tied_with": [], "margin": 0.11,
        "summary": f"Recommended: PyTorch + ONNX Runtime ({HOSTILE}).",
        "weights": [{"criterion": "measured_inference", "label": "measured inference speed",
                     "weight": 0.3, "why": "goal: both, priority: production",
                     "answers": ["goal"]}],
        "ranking": [
            {"rank": 1, "stack": "pytorch-onnxruntime", "name": "PyTorch + ONNX Runtime",
             "total": 0.82, "criteria": [
                 _criterion("measured inference speed", 0.3, 0.95,
                            "fastest measured inference: 2.7x eager PyTorch on mlp b1",
                            cells=[3]),
                 _criterion("team fit", 0.25, 0.9, "team knows PyTorch well"),
                 _criterion("deployment maturity", 0.2, 0.8, "Triton serves ONNX Runtime",
                            facts=["triton-ort"])]},
            {"rank": 2, "stack": "pytorch", "name": "PyTorch (eager) + TorchServe",
             "total": 0.71, "criteria": [_criterion("team fit", 0.25, 1.0, "no export step")]},
        ],
        "eliminated": [{"stack": "tensorflow-serving", "name": "TensorFlow + TF Serving",
                        "reasons": [{"text": "team has no TensorFlow expertise"},
                                    {"text": HOSTILE}]}],
        "contradictions": [],
        "sensitivity": {"flips": [{"answer": "priority", "from": "production", "to": "research",
                                   "size": 1, "text": "priority production -> research",
                                   "new_pick": "pytorch"}], "checked": 24},
        "caveats": [{"text": "measured on a 2-core CPU only", "command": None}],
        "evidence": {"facts": ["ort-server", "triton-ort"], "run": {"id": 1}, "cells": [3]},
        # Whole facts may travel with the advice; one source is hostile on purpose.
        "facts": [
            {"id": "ort-server", "statement": "ONNX Runtime's own server is deprecated",
             "source": "microsoft/onnxruntime#8655", "as_of": "2026-11"},
            {"id": "triton-ort", "statement": "Triton serves ONNX Runtime models",
             "source": "javascript:window.__pwned=1", "as_of": "2026-11"},
        ],
    }


def advice() -> Advice:
    """:func:`advice_dict` read as a stored run's advice is read."""
    return Advice.from_dict(advice_dict())


def make_store(path: Path, **kwargs: Any) -> tuple[Path, int]:
    """A new store at ``path`` holding one synthetic run; returns (path, run id)."""
    with open_store(path) as store:
        return path, fill_run(store, **kwargs)
