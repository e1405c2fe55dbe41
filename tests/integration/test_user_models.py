"""Bring your own model, end to end through the CLI with real workers (tiny models, short runs).

The three example models (two inputs, recurrent, branching on values), an .onnx file built here
with onnx.helper, a .keras file saved in a subprocess, and the bad inputs, each of which must be
one line naming the file, exit code 2. torch stays out of this process: models load in workers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from stackpick.cli import main
from stackpick.harness.stopping import StopRule
from stackpick.registry import get_spec

_MISSING = get_spec("torch").unavailable_reason() or get_spec("onnxruntime").unavailable_reason()
pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")]
needs_keras = pytest.mark.skipif(
    get_spec("tensorflow").unavailable_reason() is not None
    or get_spec("jax").unavailable_reason() is not None, reason="keras backends not installed")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FAST = ["--quick", "--max-time", "0.2", "--threads", "1"]


@pytest.fixture(autouse=True)
def _one_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check the paths out of a model, not verdicts: one block of rounds (one
    process per runtime) halves their time. tests/unit covers the block statistics."""
    quick = StopRule.quick()
    monkeypatch.setattr(StopRule, "quick",
                        classmethod(lambda cls: replace(quick, min_blocks=1, max_blocks=1)))


def bench(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str
          ) -> tuple[int, dict[str, Any] | None, str]:
    """Run ``stackpick bench`` in-process; (exit code, results JSON or None, stderr)."""
    out = tmp_path / "results.json"
    code = main(["bench", *args, *FAST, "--db", str(tmp_path / "s.db"), "--json", str(out),
                 "--force"])
    err = capsys.readouterr().err
    return code, json.loads(out.read_text()) if code == 0 else None, err


def rows(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["path"]: r for r in data["portability"]}


def timed(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{c['backend']}:{c['variant']}".removesuffix(":default"): c
            for g in data["groups"] for c in g["cells"] if c["task"] == "inference"}


def test_two_input_model_goes_everywhere(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    code, data, _ = bench(capsys, tmp_path, "--model", f"{EXAMPLES}/two_inputs.py:build",
                          "--backends", "torch,onnxruntime")
    assert code == 0 and data is not None
    assert data["model"]["inputs"] == "[2, 3, 16, 16] float32; [2, 6] float32"
    matrix = rows(data)
    for path in ("eager PyTorch (reference)", "torch.export", "ONNX export (dynamo exporter)",
                 "ONNX Runtime run"):
        assert matrix[path]["status"] == "ok", matrix[path]
    assert matrix["torch.export"]["artifact_bytes"] > 0
    assert matrix["torch.export"]["parity_max_abs"] < 1e-4
    assert matrix["ONNX Runtime run"]["parity_max_abs"] < 1e-4
    assert matrix["torch.compile (inductor)"]["status"] == "not timed"  # left out: explained only
    cells = timed(data)
    assert cells["onnxruntime"]["metrics"]["latency_ns"]["median"] > 0
    assert cells["onnxruntime"]["metrics"]["parity"]["ok"]


def test_recurrent_model_shows_what_dynamo_cannot_trace(capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    code, data, _ = bench(capsys, tmp_path, "--model", f"{EXAMPLES}/recurrent.py:build",
                          "--backends", "torch,onnxruntime")
    assert code == 0 and data is not None
    matrix = rows(data)
    assert matrix["ONNX Runtime run"]["status"] == "ok"
    assert matrix["torch.compile (inductor)"]["cause"] == "recurrent module"
    assert any("LSTM" in n for n in matrix["torch.compile (inductor)"]["notes"])


def test_branching_model_fails_export_but_is_measured_and_reported(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The acceptance path: `stackpick run --model examples/branching.py:build --defaults`."""
    out = tmp_path / "report"
    code = main(["run", "--model", f"{EXAMPLES}/branching.py:build", "--defaults", "--quick",
                 "--threads", "1", "--out", str(out), "--db", str(tmp_path / "s.db")])
    capsys.readouterr()
    assert code == 0
    data = json.loads((out / "results.json").read_text())
    matrix = rows(data)
    for path in ("torch.export", "ONNX export (dynamo exporter)"):
        assert matrix[path]["status"] == "fail_export"
        assert matrix[path]["cause"] == "data-dependent control flow"
        assert matrix[path]["error"]
    assert matrix["ONNX Runtime run"]["status"] == "fail_export"
    for path, backend in (("ExecuTorch (XNNPACK) run", "executorch"),
                          ("LiteRT via litert-torch run", "litert")):
        if get_spec(backend).unavailable_reason() is None:  # converts the model itself
            assert matrix[path]["status"] == "fail_export", matrix[path]
            assert matrix[path]["cause"] == "data-dependent control flow"
    assert any("graph break" in n for n in matrix["torch.compile (inductor)"]["notes"])
    cells = timed(data)
    for label in ("torch", "torch-compile"):  # still measured
        assert cells[label]["status"] == "ok"
        assert cells[label]["metrics"]["latency_ns"]["median"] > 0
    gone = {e["stack"]: e for e in data["advice"]["eliminated"]}
    assert {"pytorch-onnxruntime", "pytorch-executorch"} <= set(gone)
    assert gone["pytorch-executorch"]["reasons"][0]["cells"]
    page = (out / "index.html").read_text()
    assert 'id="model"' in page and "Likely cause: data-dependent control flow." in page


def _tiny_onnx(path: Path, *, broken: bool = False) -> Path:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.full((8, 3), 0.1, np.float32), "W")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])
    nodes = [helper.make_node("MatMul", ["x", "W"], ["h"]), helper.make_node("Relu", ["h"], ["y"])]
    graph = helper.make_graph(nodes, "tiny", [x], [y], [] if broken else [weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    onnx.save(model, path)
    return path


def test_onnx_file_runs_with_its_symbolic_batch_filled(capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path) -> None:
    model = _tiny_onnx(tmp_path / "tiny.onnx")
    code, data, _ = bench(capsys, tmp_path, "--model", str(model), "--input-shape", "3,8")
    assert code == 0 and data is not None
    assert data["model"]["batch"] == 3
    matrix = rows(data)
    assert matrix["ONNX checker"]["status"] == "ok"
    assert matrix["ONNX Runtime run"]["status"] == "ok"
    assert matrix["ONNX Runtime run"]["parity_max_abs"] < 1e-4


KERAS_SAVE = """
import sys
import keras
a, b = keras.Input((8,), name="a"), keras.Input((4,), name="b")
h = keras.layers.Concatenate()([keras.layers.Dense(6, activation="relu")(a), b])
keras.Model([a, b], keras.layers.Dense(3)(h)).save(sys.argv[1])
"""


@pytest.fixture(scope="module")
def keras_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keras") / "two.keras"
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([sys.executable, "-c", KERAS_SAVE, str(path)], check=True, env=env,
                   capture_output=True, timeout=120)
    return path


@needs_keras
def test_keras_file_runs_on_every_keras_backend(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path, keras_file: Path) -> None:
    code, data, _ = bench(capsys, tmp_path, "--model", str(keras_file))
    assert code == 0 and data is not None
    for path, row in rows(data).items():
        assert row["status"] == "ok", (path, row)
    # every Keras backend, and the .tflite the TensorFlow converter makes of the file
    assert set(timed(data)) == {"keras:tensorflow", "keras:jax", "keras:torch",
                                "litert:from-keras"}
    assert rows(data)["SavedModel export (TF Serving)"]["artifact_bytes"] > 0


def _old_keras(src: Path, dst: Path) -> Path:
    """The same model as if written by Keras 2: its metadata and a Keras 2 module path."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            if item in ("metadata.json", "config.json"):
                text = data.decode().replace('"keras.layers"', '"keras.engine.base_layer_v1"')
                doc = json.loads(text)
                if item == "metadata.json":
                    doc["keras_version"] = "2.15.0"
                data = json.dumps(doc).encode()
            zout.writestr(item, data)
    return dst


BAD_FACTORY = """
def build():
    raise ValueError("checkpoint missing")
"""


def _bad_inputs(tmp_path: Path, keras_file: Path | None) -> dict[str, tuple[list[str], str]]:
    (tmp_path / "bad.py").write_text(BAD_FACTORY)
    cases = {
        "missing file": (["--model", str(tmp_path / "gone.py:build")], "no such file"),
        "missing factory": (["--model", f"{EXAMPLES}/two_inputs.py:make"],
                            "defines no top-level 'make'"),
        "factory raises": (["--model", f"{tmp_path}/bad.py:build"],
                           "build() raised ValueError: checkpoint missing"),
        "wrong input shape": (["--model", f"{EXAMPLES}/recurrent.py:build", "--input-shape",
                               "2,5,3"], "the forward fails on inputs [2, 5, 3] float32"),
        "checker rejects": (["--model", str(_tiny_onnx(tmp_path / "broken.onnx", broken=True))],
                            "the ONNX checker rejects broken.onnx"),
    }
    if keras_file is not None:
        old = _old_keras(keras_file, tmp_path / "old.keras")
        cases["keras version"] = (["--model", str(old)], "saved by 2.15.0")
    return cases


class Payload:
    """Stands for code hidden in a "weights" file: only a full unpickler would build it."""


def test_weights_load_with_weights_only(capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    import pickle

    bad = tmp_path / "weights.pt"
    bad.write_bytes(pickle.dumps(Payload(), protocol=2))
    code, _, err = bench(capsys, tmp_path, "--model", f"{EXAMPLES}/recurrent.py:build",
                         "--weights", str(bad))
    assert code == 2 and err.startswith(f"Error: --weights {bad}: cannot load it")
    assert "UnpicklingError" in err and err.count("\n") == 1  # refused, never built


CASES = ["missing file", "missing factory", "factory raises", "wrong input shape",
         "checker rejects", "keras version"]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_line_naming_the_file(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path, case: str,
                                               request: pytest.FixtureRequest) -> None:
    keras = None
    if case == "keras version":
        if get_spec("tensorflow").unavailable_reason():
            pytest.skip("tensorflow not installed")
        keras = request.getfixturevalue("keras_file")
    args, needle = _bad_inputs(tmp_path, keras)[case]
    code, _, err = bench(capsys, tmp_path, *args)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1, err
    model_file = Path(args[1].rsplit(":", 1)[0] if args[1].endswith(
        (":build", ":make")) else args[1]).name
    assert lines[0].startswith("Error: --model") and model_file in lines[0]
    assert needle in lines[0]
    assert "Traceback" not in err
