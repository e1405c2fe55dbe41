"""Keras 3 on its TensorFlow, JAX or PyTorch backend: user .keras models (worker only)."""
