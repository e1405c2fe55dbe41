"""ExecuTorch programs built from the reference PyTorch models."""
