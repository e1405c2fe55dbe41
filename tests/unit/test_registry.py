import importlib.util

import pytest

from stackpick.cli.choices import parse_backends, parse_workloads
from stackpick.errors import UserError
from stackpick.registry import BackendSpec, builtin, get_spec


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
