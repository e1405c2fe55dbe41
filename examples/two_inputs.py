"""A model with two inputs: an image-like tensor and a vector of side features.

Try it:  stackpick bench --model examples/two_inputs.py:build
This file is code: stackpick imports it and calls build() in a worker process.
"""

import torch
from torch import nn


class TwoInputs(nn.Module):
    """Image features (a small conv) joined with side features, then a linear head."""

    def __init__(self, channels: int = 3, side: int = 6, classes: int = 5) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, 8, kernel_size=3, padding=1)
        self.side = nn.Linear(side, 8)
        self.head = nn.Linear(16, classes)

    def forward(self, image: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        pooled = torch.relu(self.conv(image)).mean(dim=(2, 3))
        return self.head(torch.cat([pooled, torch.relu(self.side(features))], dim=1))


def build() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    """The module and one example input per forward argument (batch 2)."""
    torch.manual_seed(0)
    return TwoInputs(), (torch.randn(2, 3, 16, 16), torch.randn(2, 6))
