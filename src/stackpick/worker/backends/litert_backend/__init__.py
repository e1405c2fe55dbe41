"""LiteRT (TFLite) on the reference workloads, converted from Keras or from PyTorch."""
