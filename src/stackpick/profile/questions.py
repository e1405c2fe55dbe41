"""The profile's questions, in one table: field, prompt, options, help, default and flag.

The interactive prompts (``advise --ask``), the commented example (``profile init``), the
sensitivity analysis (which answers are one step apart) and the CLI help are all derived from
:data:`QUESTIONS`, so a new option is added here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PRIORITIES = ("research", "balanced", "production")
GOALS = ("training", "both", "inference")  # ordered: neighbours are one step apart
LEVELS = ("none", "some", "strong")
FRAMEWORKS = ("pytorch", "tensorflow", "keras", "jax", "onnx")
# Where a model may have to train or run. Extending this needs sourced reach facts in knowledge/.
TRAINING_TARGETS = ("nvidia-gpu", "amd-gpu", "intel-gpu", "x86-cpu", "arm-cpu", "apple-silicon",
                    "tpu", "aws-neuron")
EDGE_TARGETS = ("android", "ios", "browser", "microcontroller", "desktop")
TARGETS = (*TRAINING_TARGETS, *EDGE_TARGETS, "serverless")
EXISTING = ("none", "tf-serving", "triton", "torchserve", "kserve", "onnxruntime", "litert",
            "executorch", "other")
MODEL_FAMILIES = ("mlp", "cnn", "transformer", "llm", "other")
NEEDS = ("functional-transforms", "pretrained-models", "per-example-gradients",
         "higher-order-derivatives")


@dataclass(frozen=True)
class Question:
    """One answer the advice is built from."""

    field: str
    prompt: str
    options: tuple[str, ...]  # valid values (empty: free numeric answer)
    help: str
    default: Any
    flag: str
    many: bool = False  # a list of options (targets, needs)
    example: Any = None  # what `profile init` writes (None: the default, commented out)


QUESTIONS: tuple[Question, ...] = (
    Question("priority", "Priority", PRIORITIES,
             "research = iterate fast on new ideas; production = fixed constraints, long-lived "
             "deployments; balanced = both matter", "balanced", "--priority"),
    Question("goal", "Goal", GOALS, "what the stack must do well: training, inference, or both",
             "both", "--goal"),
    Question("targets", "Targets (comma-separated)", TARGETS,
             "where the model MUST run (serve); a stack that cannot reach one is ruled out",
             ("x86-cpu",), "--target", many=True, example=("x86-cpu", "nvidia-gpu")),
    Question("train_on", "Train on (comma-separated; empty: the training-capable targets)",
             TRAINING_TARGETS,
             "optional: where the model MUST train, when that differs from where it runs "
             "(train on tpu, deploy on ios)", (), "--train-on", many=True),
    Question("expertise", "Expertise", LEVELS,
             "what the team already knows, per framework: none, some or strong", {},
             "--expertise", example={"pytorch": "some", "tensorflow": "none", "jax": "none"}),
    Question("existing", "Existing serving stack", EXISTING,
             "the serving stack already running in production, if any", "none", "--existing"),
    Question("latency_budget_ms", "Latency budget (ms)", (),
             "optional per-request latency budget in milliseconds (inference)", None,
             "--latency-budget", example=20),
    Question("model_family", "Model family", MODEL_FAMILIES,
             "optional: picks matching measurements (llm adds LLM-serving facts)", None,
             "--model-family", example="transformer"),
    Question("needs", "Needs (comma-separated)", NEEDS,
             "optional must-have features: functional-transforms (composable grad/vmap/jit), "
             "pretrained-models (a large hub of ready checkpoints), per-example-gradients, "
             "higher-order-derivatives", (), "--need", many=True),
)
BY_FIELD = {q.field: q for q in QUESTIONS}
FIELDS = tuple(q.field for q in QUESTIONS)
FLAG_NAMES = {q.field: q.flag for q in QUESTIONS}
EXPLAIN = {q.field: q.help for q in QUESTIONS}


def cli_help(field: str) -> str:
    """The ``--help`` text of a flag: the question's help and its options."""
    q = BY_FIELD[field]
    options = f" One of: {', '.join(q.options)}." if q.options and field != "expertise" else ""
    if field == "expertise":
        options = f" FRAMEWORK=LEVEL pairs ({', '.join(FRAMEWORKS)} = {'/'.join(LEVELS)})."
    return f"{q.help[0].upper()}{q.help[1:]}.{options}" + (" Repeatable." if q.many else "")
