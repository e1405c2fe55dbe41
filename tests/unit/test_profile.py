"""Profiles: validation, YAML files with file:line errors, flags, defaults, --ask."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from rich.console import Console

from stackpick.errors import UserError
from stackpick.profile import DEFAULT_PROFILE, TARGETS, make_profile, override
from stackpick.profile.ask import ask_profile, require_terminal
from stackpick.profile.yaml_file import example_yaml, load_profile, parse_profile, write_example

DATA = Path(__file__).parent.parent / "data" / "profiles"


def test_default_profile_is_the_documented_one() -> None:
    p = DEFAULT_PROFILE
    assert (p.priority, p.goal, p.targets, p.existing) == ("balanced", "both", ("x86-cpu",), "none")
    assert all(p.skill(f) == "none" for f in ("pytorch", "tensorflow", "jax", "onnx", "keras"))
    assert p.latency_budget_ms is None and p.model_family is None and p.needs == ()


def test_targets_accept_lists_and_comma_strings_and_dedupe() -> None:
    p = make_profile({"targets": "tpu, x86-cpu,tpu", "expertise": "pytorch=strong,jax=some"})
    assert p.targets == ("tpu", "x86-cpu")
    assert p.skill("pytorch") == "strong" and p.skill("jax") == "some"
    assert p.skill("onnx") == "none"


def test_unknown_target_is_one_line_with_valid_names_and_closest() -> None:
    with pytest.raises(UserError) as err:
        make_profile({"targets": ["nvidia"]})
    text = str(err.value)
    assert "\n" not in text
    assert "unknown target 'nvidia'" in text and "did you mean nvidia-gpu" in text
    assert all(t in text for t in TARGETS)


def test_unknown_framework_names_the_closest() -> None:
    with pytest.raises(UserError, match="did you mean tensorflow"):
        make_profile({"expertise": {"tensorflw": "some"}})


@pytest.mark.parametrize("budget", [-1, 0, True, "fast"])
def test_bad_latency_budget(budget: object) -> None:
    with pytest.raises(UserError, match="latency_budget_ms must be a positive number"):
        make_profile({"latency_budget_ms": budget})


def test_yaml_error_names_file_and_line_of_the_bad_item(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("priority: research\ntargets:\n  - x86-cpu\n  - tpuu\n")
    with pytest.raises(UserError, match=rf"^{path}:4: unknown target 'tpuu'.*did you mean tpu\?$"):
        load_profile(path)


def test_yaml_syntax_error_has_line_and_column() -> None:
    with pytest.raises(UserError, match=r"^p.yaml:2:5: invalid YAML"):
        parse_profile("priority: [oops\ngoal: x\n", "p.yaml")


@pytest.mark.parametrize(("text", "message"), [
    ("", r"p.yaml:1: the profile is empty"),
    ("- a\n- b\n", r"p.yaml:1: a profile is a mapping"),
    ("goal: both\nprioritee: research\n", r"p.yaml:2: unknown profile field 'prioritee'.*"
                                          r"did you mean priority"),
    ("expertise:\n  pytorch: expert\n", r"p.yaml:2: unknown expertise level for pytorch"),
    ("goal: trainin\n", r"p.yaml:1: unknown goal 'trainin'.*did you mean training"),
])
def test_yaml_mistakes(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_profile(text, "p.yaml")


def test_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="stackpick profile init"):
        load_profile(tmp_path / "nope.yaml")


def test_example_yaml_loads_and_scenario_files_load() -> None:
    example = parse_profile(example_yaml(), "example")
    assert example.targets == ("x86-cpu", "nvidia-gpu")
    for path in sorted(DATA.glob("*.yaml")):
        assert load_profile(path).targets


def test_write_example_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    assert write_example(str(path), force=False) == path
    with pytest.raises(UserError, match="--force"):
        write_example(str(path), force=False)
    path.write_text("x")
    write_example(str(path), force=True)
    assert path.read_text() == example_yaml()


def test_flags_refine_a_profile_and_errors_name_the_flag() -> None:
    base = make_profile({"expertise": {"jax": "strong"}, "targets": ["tpu"]})
    p = override(base, {"expertise": "pytorch=some", "goal": "training", "targets": None})
    assert p.skill("jax") == "strong" and p.skill("pytorch") == "some"
    assert p.goal == "training" and p.targets == ("tpu",)
    with pytest.raises(UserError, match=r"^--target: unknown target 'gpu'"):
        override(base, {"targets": "gpu"})


def test_ask_explains_each_choice_and_retries_bad_answers() -> None:
    script = iter(["research", "training", "tpuu", "tpu", "", *["strong", "none", "none", "none",
                   "none"], "none", "abc", "", "transformer", "functional-transforms"])
    out = io.StringIO()
    p = ask_profile(Console(file=out, width=200), lambda _q, _c, _d: next(script))
    assert p.targets == ("tpu",) and p.skill("pytorch") == "strong"
    assert p.needs == ("functional-transforms",) and p.model_family == "transformer"
    text = out.getvalue()
    assert "research = iterate fast" in text and "did you mean tpu" in text
    assert "not a number" in text


def test_ask_needs_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(UserError, match="--ask needs an interactive terminal"):
        require_terminal()
