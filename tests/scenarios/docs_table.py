"""The table of representative profiles in docs/advice.md, made from the scenario files so it
cannot drift: ``python tests/scenarios/docs_table.py`` rewrites it, and
``test_docs_table.py`` fails when docs/advice.md shows anything else."""

from __future__ import annotations

import sys
from pathlib import Path

from scenario_kit import load, run

from stackpick.advice import Advice

DOC = Path(__file__).parents[2] / "docs" / "advice.md"
START, END = "<!-- scenario table: start -->", "<!-- scenario table: end -->"
SHOWN = ("default", "measured_gap", "research_apple_silicon_training", "tpu_training_plugin",
         "training_only_gpu", "tf_server_and_android", "browser_tf_team", "microcontroller",
         "llm_serving_gpu", "llm_android")


def _answers(profile: dict[str, object]) -> str:
    parts = [f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}"
             for k, v in profile.items() if k != "expertise"]
    skills = profile.get("expertise") or {}
    if isinstance(skills, dict) and skills:
        parts.append("expertise " + ",".join(f"{k}={v}" for k, v in skills.items()))
    return "; ".join(parts) or "(defaults: balanced, both, x86-cpu, no expertise)"


def _name(advice: Advice, index: int) -> str:
    if len(advice.ranking) <= index:
        return "-"
    r = advice.ranking[index]
    tied = advice.tie is not None and r.stack in advice.tie.stacks
    return f"{r.name} ({r.total:.2f}{', tie' if tied else ''})"


def table() -> str:
    lines = ["| profile | answers | pick | runner-up |", "|---|---|---|---|"]
    for stem in SHOWN:
        doc = load(stem)
        advice = run(doc)
        about = str(doc.get("about", stem)).replace("|", "/")
        evidence = " (with measured gaps)" if doc.get("evidence") else ""
        lines.append(f"| `{stem}`: {about} | {_answers(doc['profile'])}{evidence} | "
                     f"{_name(advice, 0)} | {_name(advice, 1)} |")
    return "\n".join(lines)


def block() -> str:
    return f"{START}\n{table()}\n{END}"


def current() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text[text.index(START):text.index(END) + len(END)]


if __name__ == "__main__":
    text = DOC.read_text(encoding="utf-8")
    DOC.write_text(text.replace(current(), block()), encoding="utf-8")
    sys.stdout.write(table() + "\n")
