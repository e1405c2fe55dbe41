import importlib.util

import pytest

from stackpick.cli.choices import parse_backends, parse_workloads
from stackpick.errors import UserError
from stackpick.registry import BackendSpec, Variant, builtin, get_spec, registered


def test_bare_name_expands_to_all_variants():
    assert parse_backends("tensorflow") == [("tensorflow", v)
                                            for v in ("eager", "graph", "xla", "loop")]
    # loop is the transformation tasks' baseline: the plan keeps it out of other tasks
    assert parse_backends("tensorflow:xla,torch") == [("tensorflow", "xla"), ("torch", "default"),
                                                      ("torch", "loop")]


def test_all_excludes_fake():
    names = {n for n, _ in parse_backends("all")}
    assert "fake" not in names and {"torch", "jax", "onnxruntime"} <= names


def test_unknown_backend_lists_valid_names():
    with pytest.raises(UserError, match="valid names: torch, torch-compile"):
        parse_backends("pytorch")


def test_unknown_variant_is_rejected():
    with pytest.raises(UserError, match="valid: eager, graph, xla"):
        parse_backends("tensorflow:turbo")


def test_unknown_workload_lists_valid_names():
    with pytest.raises(UserError, match="mlp, cnn, transformer"):
        parse_workloads("resnet")


def test_missing_framework_names_the_extra():
    spec = BackendSpec("x", "nowhere:X", "test", ("no_such_module_xyz",), "xextra")
    assert "pip install 'stackpick[xextra]'" in spec.unavailable_reason()


def test_onnxruntime_training_is_unsupported_with_a_reason():
    reason = get_spec("onnxruntime").unsupported_reason("training", "cpu")
    assert reason and "inference only" in reason
    assert get_spec("torch").unsupported_reason("training", "cpu") is None


def test_every_builtin_target_names_a_findable_worker_module_and_a_class():
    # find_spec locates the module file without importing it (nor its framework)
    for spec in builtin().values():
        module, _, cls = spec.target.partition(":")
        assert module.startswith("stackpick.worker.backends.") and cls.isidentifier()
        assert importlib.util.find_spec(module) is not None, spec.target


def test_every_builtin_spec_is_consistent():
    from stackpick.knowledge.stacks import STACK_IDS
    from stackpick.protocol.cells import label
    from stackpick.registry import ROLES
    from stackpick.report.svg import PALETTE

    labels = {label(s.name, v) for s in builtin().values() for v in s.variant_names}
    for spec in builtin().values():
        assert spec.colour in PALETTE and spec.role in ROLES, spec.name
        assert spec.free_variants or spec.resolve_variant("default") in spec.variant_names
        assert {v.baseline for v in spec.variants if v.baseline} <= labels, spec.name
        assert {m.variant for m in (*spec.models, *spec.loaders)} <= set(spec.variant_names)
        assert set(spec.serves) | set(spec.trains) <= set(STACK_IDS), spec.name
        for knob in spec.tuning:
            assert knob.default in knob.values and knob.source.startswith("https://")


def test_parent_tables_are_derived_from_the_specs():
    from stackpick.advice.devices import PROXY, device_class
    from stackpick.analysis.economics import baselines
    from stackpick.harness.fingerprint import distributions
    from stackpick.knowledge.stacks import get_stack
    from stackpick.report.svg import PALETTE, family_color
    from stackpick.usermodel import routes

    assert baselines() == {"torch-compile": "torch", "tensorflow:graph": "tensorflow:eager",
                           "tensorflow:xla": "tensorflow:eager", "jax": "torch",
                           "onnxruntime": "torch"}
    assert device_class("litert", "cpu") == PROXY == device_class("executorch:portable", "cpu")
    assert {"executorch", "ai-edge-litert", "torch", "jaxlib"} <= set(distributions())
    assert get_stack("pytorch-onnxruntime").infer_backends == ("onnxruntime", "onnxruntime-web")
    assert get_stack("keras3").model_backends == ("keras",)
    assert family_color("tensorflow:xla") == PALETTE["tensorflow"]
    assert routes.runtimes("pytorch")[0] == routes.reference("pytorch") == ("torch", "default")
    assert [r.title for r in routes.matrix_rows("onnx")] == ["ONNX checker", "ONNX Runtime run"]


def test_a_variant_outside_the_defaults_is_measured_only_when_named():
    spec = BackendSpec("t", "x:Y", "test", (), "", variants=(
        Variant("fast"), Variant("tuned", default=False, options={"mode": "max"})))
    with registered(spec):
        assert parse_backends("t") == [("t", "fast")]
        assert parse_backends("t:tuned") == [("t", "tuned")]
