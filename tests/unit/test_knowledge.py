"""The knowledge base: every fact sourced and dated, values valid, referenced ids present."""

from __future__ import annotations

from datetime import date
from importlib import resources

import pytest
import yaml

from stackpick.advice import REFERENCED_FACTS
from stackpick.knowledge import (
    AS_OF_RE,
    FILES,
    SOURCE_RE,
    KnowledgeError,
    load_knowledge,
    parse_fact,
)
from stackpick.knowledge.stacks import STACKS
from stackpick.profile import TARGETS, TRAINING_TARGETS


def _raw_facts() -> list[tuple[str, dict]]:
    base = resources.files("stackpick.knowledge")
    out = []
    for name in FILES:
        data = yaml.safe_load(base.joinpath(name).read_text(encoding="utf-8"))
        out += [(name, raw) for raw in data["facts"]]
    return out


def test_every_fact_has_a_source_and_an_as_of_date() -> None:
    bad = [f"{name}:{raw.get('id')}" for name, raw in _raw_facts()
           if not SOURCE_RE.match(str(raw.get("source") or ""))
           or not AS_OF_RE.match(str(raw.get("as_of") or ""))]
    assert not bad, f"facts without a valid source or as_of: {bad}"


def test_no_fact_is_dated_in_the_future() -> None:
    assert all(f.as_of_date <= date.today() for f in load_knowledge().facts.values())


def test_loader_rejects_a_fact_without_source_or_date() -> None:
    fact = {"id": "x-y", "statement": "s", "topic": "reach", "as_of": "2026-11-26"}
    with pytest.raises(KnowledgeError, match="missing source"):
        parse_fact(fact, "t.yaml")
    with pytest.raises(KnowledgeError, match="missing as_of"):
        parse_fact({**fact, "source": "a/b#1", "as_of": ""}, "t.yaml")
    with pytest.raises(KnowledgeError, match="neither a URL"):
        parse_fact({**fact, "source": "somewhere"}, "t.yaml")


def test_loader_rejects_bad_levels_and_names() -> None:
    fact = {"id": "x-y", "statement": "s", "topic": "reach", "as_of": "2026-11-26",
            "source": "https://example.org", "serve": ["pytorch"]}
    with pytest.raises(KnowledgeError, match="a lead cannot carry"):
        parse_fact({**fact, "as_of": "2026-11", "reach": {"tpu": "N"}}, "t.yaml")
    with pytest.raises(KnowledgeError, match="neither a level"):
        parse_fact({**fact, "reach": {"tpu": "Y"}}, "t.yaml")
    with pytest.raises(KnowledgeError, match="unknown target"):
        parse_fact({**fact, "reach": {"gpu": "N"}}, "t.yaml")
    with pytest.raises(KnowledgeError, match="unknown criterion"):
        parse_fact({**fact, "serve": [], "scores": {"speed": {"jax": "N"}}}, "t.yaml")


def test_every_fact_id_referenced_by_the_advisor_exists() -> None:
    kb = load_knowledge()
    missing = [fid for fid in REFERENCED_FACTS if fid not in kb.facts]
    assert not missing


def test_every_stack_is_covered() -> None:
    kb = load_knowledge()
    for stack in STACKS:
        served = [t for t in TARGETS if kb.reach(stack.id, t, "serve")[0] != "?"]
        trained = [t for t in TRAINING_TARGETS if kb.reach(stack.id, t, "train")[0] != "?"]
        assert served and trained, stack.id
        assert kb.select([stack.id]), stack.id


def test_reach_cites_the_facts_behind_the_level() -> None:
    kb = load_knowledge()
    assert kb.reach("pytorch-onnxruntime", "tpu", "serve") == ("-", ("ort-execution-providers",))
    assert kb.reach("pytorch", "tpu", "train") == ("P", ("pytorch-xla-tpu",))
    level, facts = kb.reach("keras3", "tpu", "train")  # its own fact, and its backends'
    assert level == "N" and "keras-hub-accelerators" in facts
    assert kb.reach("keras3", "aws-neuron", "train") == ("?", ())  # no source puts Keras there
    assert kb.reach("jax", "serverless", "serve") == ("P", ("lambda-limits",))
    assert kb.reach("tensorflow-serving", "serverless", "serve") == ("?", ())


def test_select_filters_by_stack_and_target() -> None:
    kb = load_knowledge()
    facts = kb.select(["tensorflow-serving"], "aws-neuron")
    assert [f.id for f in facts] == ["tf-neuron-archived"]
    assert all(f.source and f.as_of for f in kb.select())
