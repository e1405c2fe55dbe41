"""ONNX Runtime Web in headless Chromium on the dynamo ONNX export (worker only)."""
