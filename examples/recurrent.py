"""A recurrent model: an LSTM over a sequence, classifying from its last step.

Try it:  stackpick bench --model examples/recurrent.py:build
torch.compile's graph capture (dynamo) does not trace nn.LSTM: the portability matrix says so.
"""

import torch
from torch import nn


class SequenceClassifier(nn.Module):
    def __init__(self, features: int = 8, hidden: int = 16, classes: int = 4) -> None:
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def build() -> tuple[nn.Module, tuple[torch.Tensor]]:
    """The module and an example batch of 2 sequences of 5 steps."""
    torch.manual_seed(0)
    return SequenceClassifier(), (torch.randn(2, 5, 8),)
