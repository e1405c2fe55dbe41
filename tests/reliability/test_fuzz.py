"""Bad-input fuzzing: whatever a user types or writes in a profile, never a traceback.

Every outcome is either success (exit 0) or one line ``Error: ...`` with exit code 2.
An unexpected exception escapes ``main`` and fails the test.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stackpick import pipeline
from stackpick.cli import main
from stackpick.cli.bench import bench_options
from stackpick.errors import UserError

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

PROFILE_KEYS = ["priority", "goal", "targets", "expertise", "existing", "latency_budget_ms",
                "model_family", "needs", "bogus"]
WORDS = ["research", "production", "both", "x86-cpu", "tpu", "strong", "none", "pytorch",
         "triton", "-1", "0", "1e9", "", "<script>alert(1)</script>", "nvidia", "🙂"]
scalars = st.one_of(st.sampled_from(WORDS), st.integers(-10, 10**6), st.floats(allow_nan=True),
                    st.booleans(), st.none(), st.text(max_size=12))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(WORDS), inner, max_size=4)),
    max_leaves=8)
profiles = st.one_of(
    st.dictionaries(st.sampled_from(PROFILE_KEYS), values, max_size=6).map(
        lambda d: yaml.safe_dump(d, allow_unicode=True)),
    st.text(alphabet=string.printable + "äé🙂", max_size=200),  # not even YAML
)


def outcome(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str]:
    code = main(args)
    err = capsys.readouterr().err.strip()
    return code, err


def assert_clean(code: int, err: str) -> None:
    assert code in (0, 2), (code, err)
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and len(lines[0]) > 12, err


@FUZZ
@given(text=profiles)
def test_any_profile_file_is_advice_or_one_line(text: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "fuzzed-profile.yaml"
    path.write_text(text, encoding="utf-8")
    code, err = outcome(capsys, ["advise", "--profile", str(path), "--json", "-"])
    capsys.readouterr()
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("Error: ") and "\n" not in err and "fuzzed-profile.yaml" in err


FLAGS = ["--priority", "--goal", "--target", "--expertise", "--existing", "--latency-budget",
         "--model-family", "--need", "--run", "--limit", "--stack", "--json", "--db", "--bogus"]
tokens = st.one_of(st.sampled_from(FLAGS), st.sampled_from(WORDS),
                   st.text(alphabet=string.ascii_letters + string.digits + "-=,.:", max_size=10))


@FUZZ
@given(command=st.sampled_from(["advise", "kb", "history", "compare", "report"]),
       args=st.lists(tokens, max_size=6))
def test_any_arguments_are_an_answer_or_one_line(command: str, args: list[str], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # `report` writes a directory; keep it in tmp
    code, err = outcome(capsys, [command, *args])
    capsys.readouterr()
    assert_clean(code, err)


BENCH_WORDS = [*WORDS, "1,32", "all", "mlp", "torch,jax", "inference,training", "cpu", "cuda",
               "0,1"]
bench_values = st.one_of(st.sampled_from(BENCH_WORDS), st.text(max_size=8))


@FUZZ
@given(workload=bench_values, backends=bench_values, task=bench_values, batch=bench_values,
       device=bench_values)
def test_bench_options_plan_or_one_user_error(workload: str, backends: str, task: str,
                                              batch: str, device: str) -> None:
    try:
        opts = bench_options(workload, backends, task, batch, None, None, (None, None, None))
        opts.device = device
        plan = pipeline.build_plan(opts)
    except UserError as exc:
        assert "\n" not in str(exc) and str(exc)
    else:
        assert plan.cells
