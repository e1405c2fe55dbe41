"""TensorFlow.js in headless Chromium: the weights writer and the backend (worker only)."""
