"""Options shared by ``bench`` and ``run`` for a user's model (``--model``). No framework
imports: the model file is only checked here; it is loaded in worker processes."""

from __future__ import annotations

from typing import Annotated

import typer

ModelOpt = Annotated[str | None, typer.Option(
    "--model", metavar="MODEL",
    help="Your model instead of the reference workloads: file.py:factory (PyTorch; the file is "
    "code that stackpick runs), model.onnx or model.keras.")]
InputShapeOpt = Annotated[list[str] | None, typer.Option(
    "--input-shape", metavar="SHAPE",
    help="Input shape for --model, batch first, e.g. 1,3,224,224; repeat it once per input.")]
InputDtypeOpt = Annotated[str | None, typer.Option(
    "--input-dtype", metavar="DTYPE",
    help="float32 or int64 for --input-shape inputs (comma-separated: one per input).")]
WeightsOpt = Annotated[str | None, typer.Option(
    "--weights", metavar="FILE",
    help="A .pt/.pth state dict for a PyTorch --model (loaded with weights_only=True).")]
