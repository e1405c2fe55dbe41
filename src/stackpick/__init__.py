"""stackpick: measure deep-learning stacks on your own hardware and pick one, with reasons.

Importing this package is cheap: no framework (torch, tensorflow, jax, onnxruntime, keras) is
imported here or on the CLI path. Frameworks load only inside worker processes.
"""

__version__ = "0.1.0"
__all__ = ["UserError", "__version__"]

from stackpick.errors import UserError
