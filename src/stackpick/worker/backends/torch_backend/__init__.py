"""PyTorch backend: model builders, the timed cell and user-model loaders (worker only)."""
