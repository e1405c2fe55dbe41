"""`stackpick advise`, `kb` and `profile init` through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stackpick.cli import main
from stackpick.protocol.cells import Cell
from stackpick.protocol.runs import PlanRecord
from stackpick.store import open_store

DATA = Path(__file__).parent.parent / "data" / "profiles"


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("Error: ") and "\n" not in err, err
    return err


def test_unknown_target_exits_2_with_the_closest_match(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    assert main(["advise", "--target", "x86-cpu,nvidia"]) == 2
    err = _one_error_line(capsys)
    assert "--target: unknown target 'nvidia'" in err and "did you mean nvidia-gpu" in err


def test_unknown_framework_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["advise", "--expertise", "pytorh=strong"]) == 2
    assert "did you mean pytorch" in _one_error_line(capsys)


def test_invalid_yaml_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("priority: research\ngoal: [training\n")
    assert main(["advise", "--profile", str(bad)]) == 2
    assert f"{bad}:3:1: invalid YAML" in _one_error_line(capsys)
    bad.write_text("priority: research\ntargets: [x86-cpu, tpuu]\n")
    assert main(["advise", "--profile", str(bad)]) == 2
    assert f"{bad}:2: unknown target 'tpuu'" in _one_error_line(capsys)


def test_sources_of_answers_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["advise", "--defaults", "--profile", str(DATA / "tf_production.yaml")]) == 2
    assert "exclude each other" in _one_error_line(capsys)


def test_ask_without_a_terminal_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["advise", "--ask"]) == 2  # pytest's stdin is not a TTY
    assert "interactive terminal" in _one_error_line(capsys)


def test_json_to_stdout_and_no_store_created(_isolated_store: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["advise", "--profile", str(DATA / "onnx_serving.yaml"), "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["recommended"] == "pytorch-onnxruntime"
    assert data["profile_source"].startswith("file:") and data["evidence"]["run"] is None
    assert not _isolated_store.exists()


def test_terminal_output_and_verbose_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["advise", "--priority", "research", "--expertise", "pytorch=strong",
                 "--target", "nvidia-gpu", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "Recommended: PyTorch -> PyTorch" in out and "runtime per target" in out
    assert "What would change the pick" in out and "advice took" in out
    assert "stackpick bench --workload all --backends all" in out


def test_advise_uses_a_stored_run(_isolated_store: Path, capsys: pytest.CaptureFixture[str]
                                  ) -> None:
    with open_store(_isolated_store) as store:
        run = store.create_run("bench", PlanRecord([], 1), {})
        for backend, median in (("torch", 2e6), ("onnxruntime", 1e6)):
            store.save_cell(run, Cell("mlp", backend, "default", "inference", 1), "ok",
                            {"latency_ns": {"median": median}},
                            rounds=[[median * j for j in (0.99, 1.0, 1.01)]] * 6)
    assert main(["advise", "--goal", "inference", "--run", str(run), "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["evidence"]["run"]["id"] == run and len(data["evidence"]["cells"]) == 2
    assert main(["advise", "--run", str(run + 5)]) == 2
    assert f"no run {run + 5}" in _one_error_line(capsys)


def test_run_without_a_store_is_a_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["advise", "--run", "3"]) == 2
    assert "there is no store" in _one_error_line(capsys)


def test_kb_lists_facts_with_sources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "--stack", "tensorflow", "--json", "-"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts and all(f["source"] and f["as_of"] for f in facts)
    assert all({"tensorflow-serving", "tensorflow-litert", "tensorflow-tfjs"} & set(f["stacks"])
               for f in facts)
    assert main(["kb", "--target", "tpu"]) == 0
    assert "pytorch-xla-tpu" in capsys.readouterr().out
    assert main(["kb", "--stack", "pytorc"]) == 2
    assert "did you mean pytorch" in _one_error_line(capsys)


def test_kb_leads_says_none_remain_or_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "--leads"]) == 0
    assert "no leads: every fact was re-read" in capsys.readouterr().out
    assert main(["kb", "--leads", "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_the_llm_done_when_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """An LLM on NVIDIA GPUs gets an LLM serving engine, on Android an on-device one, each
    with sourced reasons."""
    base = ["advise", "--model-family", "llm", "--goal", "inference", "--priority",
            "production", "--no-measurements", "--json", "-"]
    assert main([*base, "--target", "nvidia-gpu"]) == 0
    gpu = json.loads(capsys.readouterr().out)
    assert gpu["recommended"] == "pytorch-vllm"
    llm = next(c for c in gpu["ranking"][0]["criteria"] if c["criterion"] == "llm_serving")
    assert llm["value"] == 1.0 and llm["reasons"][0]["facts"] == ["vllm-platforms"]
    assert main([*base, "--target", "android"]) == 0
    phone = json.loads(capsys.readouterr().out)
    assert phone["recommended"] in ("pytorch-executorch", "pytorch-litert-lm",
                                    "pytorch-mlc-llm", "pytorch-ort-genai")


def test_caveats_fold_after_the_first_five(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["advise", "--target", "x86-cpu,tpu,ios", "--existing", "torchserve",
            "--model-family", "llm", "--no-measurements"]
    assert main(args) == 0
    short = capsys.readouterr().out.split("Caveats")[1]
    assert main([*args, "--verbose"]) == 0
    full = capsys.readouterr().out.split("Caveats")[1]
    shown = short.count("\n  - ")
    assert shown <= 5 and (shown == full.count("\n  - ") or "more, smaller" in short)


def test_profile_init_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    path = tmp_path / "p.yaml"
    assert main(["profile", "init", str(path)]) == 0 and path.exists()
    capsys.readouterr()
    assert main(["profile", "init", str(path)]) == 2
    assert "--force" in _one_error_line(capsys)
    assert main(["profile", "init", str(path), "--force"]) == 0
    assert main(["advise", "--profile", str(path), "--json", "-"]) == 0


def test_advise_imports_no_framework(tmp_path: Path) -> None:
    code = ("import sys; from stackpick.cli import main; "
            f"main(['advise', '--db', {str(tmp_path / 'x.db')!r}, '--json', '-']); "
            "heavy = {'torch', 'tensorflow', 'jax', 'onnxruntime', 'keras'} & set(sys.modules); "
            "print('HEAVY', sorted(heavy), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert "HEAVY []" in done.stderr
