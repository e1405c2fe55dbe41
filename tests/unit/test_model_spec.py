"""`--model` parsing in the parent: paths, factory names, shapes and dtypes, no framework."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from stackpick.cli import main
from stackpick.errors import UserError
from stackpick.store import open_store
from stackpick.usermodel.spec import ModelSpec, parse_dtypes, parse_model, parse_shape

FACTORY_FILE = """
import torch
from torch import nn as tnn

SIZE = 4
alias = None

class Net(tnn.Module):
    pass

def build():
    return Net()

made = build
"""


@pytest.fixture
def model_py(tmp_path: Path) -> Path:
    path = tmp_path / "net.py"
    path.write_text(FACTORY_FILE)
    return path


def _keras_file(path: Path, config: bool = True, version: str = "3.15.1") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        if config:
            archive.writestr("config.json", "{}")
        archive.writestr("metadata.json", json.dumps({"keras_version": version}))
    return path


def test_factory_spec_is_resolved_without_running_the_file(model_py: Path) -> None:
    spec = parse_model(f"{model_py}:build", ["2,4", "2x3"], "float32,int64")
    assert spec.kind == "pytorch" and spec.factory == "build"
    assert spec.path == str(model_py.resolve()) and spec.name == "net.py:build"
    assert spec.input_shapes == ((2, 4), (2, 3))
    assert spec.dtype_of(0) == "float32" and spec.dtype_of(1) == "int64"
    assert ModelSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


@pytest.mark.parametrize("name", ["build", "made", "Net", "tnn", "torch", "SIZE"])
def test_any_top_level_binding_counts_as_the_factory(model_py: Path, name: str) -> None:
    assert parse_model(f"{model_py}:{name}").factory == name


def test_one_dtype_applies_to_every_input(model_py: Path) -> None:
    spec = parse_model(f"{model_py}:build", ["1,4", "1,4"], "int64")
    assert spec.dtype_of(0) == spec.dtype_of(1) == "int64"
    assert parse_model(f"{model_py}:build").dtype_of(0) == "float32"


def test_onnx_and_keras_files(tmp_path: Path) -> None:
    onnx_file = tmp_path / "m.onnx"
    onnx_file.write_bytes(b"\x08\x07")
    assert parse_model(str(onnx_file)).kind == "onnx"
    keras = parse_model(str(_keras_file(tmp_path / "m.keras", version="2.15.0")))
    assert keras.kind == "keras" and keras.saved_by == "2.15.0" and keras.name == "m.keras"


@pytest.mark.parametrize(("text", "needle"), [
    ("missing.py:build", "no such file"),
    ("net.py:make", "defines no top-level 'make' (it defines: Net, SIZE, alias, build"),
    ("net.py", "name the factory function after a colon, e.g. --model net.py:build"),
    ("net.py:1x", "is not a Python name"),
    ("weights.pt", "holds weights, not a model"),
    ("old.h5", "legacy Keras format"),
    ("model.tflite", "unknown kind of model file"),
])
def test_bad_model_text_is_one_clear_line(model_py: Path, monkeypatch: pytest.MonkeyPatch,
                                          text: str, needle: str) -> None:
    monkeypatch.chdir(model_py.parent)
    with pytest.raises(UserError, match="--model") as info:
        parse_model(text)
    message = str(info.value)
    assert needle in message and "\n" not in message and text in message


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def build(:\n    pass\n")
    with pytest.raises(UserError, match=r"bad.py line 1: syntax error"):
        parse_model(f"{bad}:build")


def test_factory_applies_to_python_files_only(tmp_path: Path) -> None:
    onnx_file = tmp_path / "m.onnx"
    onnx_file.write_bytes(b"x")
    with pytest.raises(UserError, match=r"factory name applies to \.py files only"):
        parse_model(f"{onnx_file}:build")


def test_keras_file_must_be_a_keras_archive(tmp_path: Path) -> None:
    junk = tmp_path / "junk.keras"
    junk.write_text("not a zip")
    with pytest.raises(UserError, match=r"not a Keras 3 \.keras archive"):
        parse_model(str(junk))
    with pytest.raises(UserError, match=r"has no config\.json"):
        parse_model(str(_keras_file(tmp_path / "empty.keras", config=False)))


def test_weights_need_a_pytorch_model_and_a_state_dict_file(model_py: Path,
                                                            tmp_path: Path) -> None:
    state = tmp_path / "w.pt"
    state.write_bytes(b"")
    assert parse_model(f"{model_py}:build", weights=str(state)).weights == str(state.resolve())
    with pytest.raises(UserError, match=r"expected a .pt or .pth state dict"):
        parse_model(f"{model_py}:build", weights=str(model_py))
    with pytest.raises(UserError, match="no such file"):
        parse_model(f"{model_py}:build", weights=str(tmp_path / "gone.pth"))
    onnx_file = tmp_path / "m.onnx"
    onnx_file.write_bytes(b"x")
    with pytest.raises(UserError, match="applies to PyTorch models"):
        parse_model(str(onnx_file), weights=str(state))


@pytest.mark.parametrize("text", ["", "a,b", "1,0,3", "-1"])
def test_bad_shapes(text: str) -> None:
    with pytest.raises(UserError, match="--input-shape"):
        parse_shape(text)


def test_dtypes() -> None:
    assert parse_dtypes(None) == ()
    assert parse_dtypes("float32, int64") == ("float32", "int64")
    with pytest.raises(UserError, match="float32 or int64"):
        parse_dtypes("float16")


def test_dtype_count_must_match_the_shapes(model_py: Path) -> None:
    with pytest.raises(UserError, match="names 2 dtypes for 3 --input-shape"):
        parse_model(f"{model_py}:build", ["1,2", "1,2", "1,2"], "float32,int64")


def test_cli_model_mistakes_exit_2_before_any_worker(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    assert main(["bench", "--model", str(tmp_path / "none.py:build"), "--db", db]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "none.py" in err and "no such file" in err
    assert main(["bench", "--input-shape", "1,2", "--db", db]) == 2
    assert "need --model" in capsys.readouterr().err
    assert main(["run", "--defaults", "--weights", "w.pt", "--db", db]) == 2
    assert "need --model" in capsys.readouterr().err
    # nothing was stored: no run, not even a started one
    if Path(db).exists():
        with open_store(db) as store:
            assert store.runs() == []
