"""Bring your own model (``--model``): spec parsing, the paths out of a model, the portability
matrix, and the parent side of the worker steps. Nothing here imports a framework; the loaders
that do live in ``stackpick.backends.user_*`` and run in worker processes only."""
