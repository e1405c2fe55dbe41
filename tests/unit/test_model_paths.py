"""The pure parts of bring-your-own-model: error causes, input shapes, which stacks a failed path
rules out, the worker environment per Keras backend, and materials with several inputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stackpick.cli.choices import parse_backends
from stackpick.errors import UserError
from stackpick.harness.environment import worker_environment
from stackpick.harness.model_plan import select_backends
from stackpick.protocol.group_arrays import GroupArrays, load_group_arrays, save_group_arrays
from stackpick.registry import get_spec
from stackpick.usermodel import diagnose, shapes
from stackpick.usermodel.routes import failed_paths, runtime_backends
from stackpick.usermodel.spec import ModelSpec
from stackpick.worker import parity


@pytest.mark.parametrize(("text", "cause"), [
    ("GuardOnDataDependentSymNode: Could not guard on data-dependent expression Eq(u0, 1)",
     "data-dependent control flow"),
    ("Data-dependent branching\n  Explanation: Detected data-dependent branching",
     "data-dependent control flow"),
    ("Attempted to wrap RNN, GRU, or LSTM", "recurrent module"),
    ("Constraints violated (batch)! The values of batch must always be related",
     "dynamic shapes"),
    ("DispatchError: No ONNX function found for <OpOverload(op='aten.foo')>",
     "unsupported operator"),
    ("ImportError: This requires the tf2onnx module.", "missing converter"),
])
def test_known_failures_get_a_plain_cause(text: str, cause: str) -> None:
    found = diagnose.classify(text)
    assert found is not None and found[0] == cause and len(found[1]) > 20


def test_unknown_failures_get_no_cause() -> None:
    assert diagnose.classify("ValueError: something else") is None


def test_summary_names_the_innermost_error_without_colours() -> None:
    try:
        try:
            raise ValueError("\x1b[96mreal\x1b[0m problem\nsecond line")
        except ValueError as inner:
            raise RuntimeError("Failed to export. This is step 1/3") from inner
    except RuntimeError as exc:
        line, text = diagnose.summary(exc)
    assert line == "ValueError: real problem"
    assert "RuntimeError: Failed to export" in text and "second line" in text


def test_first_line_is_bounded() -> None:
    assert diagnose.first_line("\n\n  x" + "y" * 500).endswith("…")
    assert len(diagnose.first_line("y" * 500)) == diagnose.MAX_LINE


def test_open_batch_dim_defaults_to_one() -> None:
    assert shapes.fill_shape("x", ["batch", 8], None) == (1, 8)
    assert shapes.fill_shape("x", [None, 8], (4, 8)) == (4, 8)


@pytest.mark.parametrize(("dims", "given", "needle"), [
    (["b", "seq", 8], None, "e.g. --input-shape 1,16,8"),
    ([None, 8], (4, 9), "disagrees at dim 1 (9 != 8); fix --input-shape"),
    ([None, 8], (4, 8, 1), "has 2 dims [?, 8] in the model"),
])
def test_shape_mistakes_say_what_to_pass(dims: list[Any], given: tuple[int, ...] | None,
                                         needle: str) -> None:
    with pytest.raises(diagnose.ModelProblem, match=r"input 'x'") as info:
        shapes.fill_shape("x", dims, given)
    assert needle in str(info.value)


def test_one_shape_per_input() -> None:
    with pytest.raises(diagnose.ModelProblem, match=r"2 input\(s\) \(a, b\); give --input-sh"):
        shapes.fill_all(["a", "b"], [[1], [1]], [(1,)])


def test_seeded_inputs_are_deterministic_and_typed() -> None:
    a, b = shapes.seeded((2, 3), "float32"), shapes.seeded((2, 3), "float32")
    assert np.array_equal(a, b) and a.dtype == np.float32
    ids = shapes.seeded((4,), "int64")
    assert ids.dtype == np.int64 and ids.min() >= 0 and ids.max() < shapes.INT_HIGH


@dataclass
class C:
    """A stand-in for a stored cell or conversion."""

    id: int
    label: str
    status: str
    reason: str | None = None
    cause: str | None = None
    cause_text: str | None = None
    error: str | None = None


def test_failed_export_rules_out_the_stack_that_needs_it() -> None:
    cells = [C(1, "torch", "ok"), C(2, "torch.export", "fail_export", "boom",
                                   cause="data-dependent control flow", cause_text="x"),
             C(3, "onnx-export", "ok"), C(4, "onnxruntime", "fail_parity",
                                          reason="parity: max abs error 0.3")]
    out = failed_paths("pytorch", cells)
    assert set(out) == {"pytorch-executorch", "pytorch-onnxruntime"}
    (why, cited), = out["pytorch-executorch"]
    assert cited == (2,) and "torch.export failed" in why and "data-dependent" in why
    (why, cited), = out["pytorch-onnxruntime"]
    assert cited == (4,) and "parity" in why


def test_a_runtime_left_unrun_by_its_export_adds_no_second_reason() -> None:
    cells = [C(3, "onnx-export", "fail_export", "onnx-export failed"),
             C(4, "onnxruntime", "fail_export", reason="not run")]
    assert [c for _, c in failed_paths("pytorch", cells)["pytorch-onnxruntime"]] == [(3,)]


def test_keras3_is_ruled_out_only_when_every_keras_backend_failed() -> None:
    tried = [C(1, "keras:tensorflow", "error"), C(2, "keras:jax", "crash")]
    assert failed_paths("keras", tried)["keras3"][0][1] == (1, 2)
    assert "keras3" not in failed_paths("keras", [*tried, C(3, "keras:torch", "ok")])
    # a missing framework or a timeout is not the model's failure
    assert failed_paths("keras", [C(1, "keras:jax", "unavailable")]) == {}


def test_backends_for_a_model_follow_its_kind() -> None:
    spec = ModelSpec("keras", "/m.keras", "m.keras")
    assert select_backends(spec, None) == list(runtime_backends("keras"))
    assert select_backends(spec, [("keras", "jax")]) == [("keras", "jax")]
    with pytest.raises(UserError, match="none of them runs a keras model"):
        select_backends(spec, [("torch", "default")])


def test_keras_serves_user_models_only_and_is_not_in_all() -> None:
    assert "keras" not in {n for n, _ in parse_backends("all")}
    keras = get_spec("keras")
    assert "user models only" in (keras.unsupported_reason("inference", "cpu") or "")
    assert keras.unsupported_reason("inference", "cpu", "keras") is None
    assert "does not run pytorch models" in (
        keras.unsupported_reason("inference", "cpu", "pytorch") or "")
    assert get_spec("onnxruntime").unsupported_reason("inference", "cpu", "onnx") is None


def test_each_keras_variant_gets_its_backend_before_import() -> None:
    env = worker_environment(2, "cpu", get_spec("keras").worker_env("jax"))
    assert env["KERAS_BACKEND"] == "jax" and env["OMP_NUM_THREADS"] == "2"
    assert worker_environment(2, "cpu")["KERAS_BACKEND"] == "tensorflow"


def test_materials_keep_several_inputs_and_outputs(tmp_path: Path) -> None:
    inputs = [np.ones((2, 3), np.float32), np.arange(4, dtype=np.int64)]
    ref = {"out0": np.zeros(2), "out1": np.ones(3)}
    save_group_arrays(GroupArrays({}, inputs, np.zeros(0), ref), tmp_path / "m.npz")
    back = load_group_arrays(tmp_path / "m.npz")
    assert isinstance(back.inputs, list) and [a.dtype for a in back.inputs] == [
        np.float32, np.int64]
    assert set(back.reference) == {"out0", "out1"}  # type: ignore[arg-type]


def test_parity_reports_a_different_output_structure() -> None:
    result = parity.check("inference", np.zeros(2), {"out0": np.zeros(2), "out1": np.zeros(2)})
    assert not result.ok and "reference has 2 output" in (result.detail or "")
    worst = parity.check("inference", {"out0": np.zeros(2), "out1": np.ones(2)},
                         {"out0": np.zeros(2), "out1": np.zeros(2)})
    assert not worst.ok and worst.detail == "worst output: out1"


def test_a_variant_can_need_its_own_framework() -> None:
    from stackpick.registry import BackendSpec, Variant

    spec = BackendSpec("k", "x:Y", "keras", (), "base",
                       variants=(Variant("gone", requires=("no_such_module_xyz",),
                                         extra="gonextra"), Variant("other")))
    assert "pip install 'stackpick[gonextra]'" in (spec.unavailable_reason("gone") or "")
    assert spec.unavailable_reason("other") is None and spec.unavailable_reason() is None
