"""Failures of a user's model in words: the first useful line of an error, and a plain-language
cause where a known pattern matches. Pure Python: used by workers, unit-tested without frameworks.
"""

from __future__ import annotations

import re

ANSI = re.compile(r"\x1b\[[0-9;]*m")
MAX_LINE = 300


class ModelProblem(Exception):
    """The user's model (not stackpick) failed: the message is one line naming the file and
    what to do."""


# (cause id, text patterns (case-insensitive), plain-language explanation). First match wins,
# so the specific patterns come before the generic "not supported".
CAUSES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("data-dependent control flow",
     ("data-dependent", "data dependent", "guardondatadependent", "generic_jump",
      "dynamic control flow"),
     "the forward branches on a tensor's value (e.g. `if x.sum() > 0:`); an exported graph is "
     "one program for every input: use torch.where or torch.cond, or decide outside the model"),
    ("recurrent module",
     ("rnn, gru, or lstm",),
     "dynamo does not trace nn.RNN/GRU/LSTM, so torch.compile runs that part eagerly"),
    ("dynamic shapes",
     ("constraints violated", "constraintviolation", "dynamic_shapes", "dynamic shape",
      "symbolic shape", "specialized to"),
     "a shape depends on the input in a way the exporter cannot express; export with fixed "
     "shapes, or declare the dynamic dimensions (torch.export.Dim)"),
    ("missing converter",
     ("requires the tf2onnx module", "requires the jax2onnx module", "no module named"),
     "the converter this path needs is not installed"),
    ("unsupported operator",
     ("unsupported", "not supported", "no decomposition", "not_implemented", "not implemented",
      "no symbolic function", "could not find an implementation", "dispatcherror",
      "no onnx function found", "does not support"),
     "an operator of the model has no conversion on this path; the error names it: replace it, "
     "or try a newer exporter or opset"),
)


def clean(text: str) -> str:
    return ANSI.sub("", text)


def first_line(text: str) -> str:
    """The first non-empty line, without terminal colours, at most 300 characters."""
    for line in clean(text).splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…"
    return ""


def chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes, outermost first (cycles cut)."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def summary(exc: BaseException) -> tuple[str, str]:
    """(first line naming the root cause, full text of the chain for classification).

    Exporters wrap the real error in a generic one ("Failed to export the model with
    torch.export. This is step 1/3..."), so the innermost exception is the one named.
    """
    links = chain(exc)
    root = links[-1]
    line = first_line(str(root)) or "(no message)"
    text = "\n".join(f"{type(e).__name__}: {clean(str(e))}" for e in links)
    return f"{type(root).__name__}: {line}", text


def classify(text: str) -> tuple[str, str] | None:
    """(cause id, explanation) for the first known pattern found in ``text``, else None."""
    low = text.lower()
    for cause, patterns, explanation in CAUSES:
        if any(p in low for p in patterns):
            return cause, explanation
    return None
