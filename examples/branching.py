"""A model whose forward branches on a tensor's value: `if x.sum() > 0:`.

Eager PyTorch runs it, and torch.compile too (with a graph break at the `if`), but an exported
graph must be one program for every input, so torch.export and ONNX export fail. The
portability matrix shows the failure and its cause; the advisor rules out the stacks that need
an export (PyTorch -> ONNX Runtime, PyTorch -> ExecuTorch).

Try it:  stackpick run --model examples/branching.py:build --defaults
"""

import torch
from torch import nn


class Branching(nn.Module):
    def __init__(self, features: int = 8, classes: int = 3) -> None:
        super().__init__()
        self.positive = nn.Linear(features, classes)
        self.negative = nn.Linear(features, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:  # data-dependent control flow: the branch depends on the values
            return self.positive(x)
        return self.negative(torch.relu(-x))


def build() -> tuple[nn.Module, torch.Tensor]:
    """The module and an example input (a single tensor is allowed as well as a tuple)."""
    torch.manual_seed(0)
    return Branching(), torch.randn(2, 8)
