"""Errors that are the user's to fix (one line, exit 2) versus everything else (a bug)."""


class UserError(Exception):
    """A mistake in the user's input: printed as one line naming the input and the fix."""

    exit_code = 2


class Interrupted(UserError):
    """Ctrl-C: what was measured is kept; the message says how to resume."""

    exit_code = 130


class StoreError(UserError):
    """The result store cannot be used as it is (newer schema, corrupt file, unwritable path)."""
