"""Backends: the narrow interface (base) and one sub-package per framework family."""
