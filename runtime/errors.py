"""Errors of the runtime: each message is one line a user can act on."""

from toolkit.errors import CnnkitError


class RuntimeModelError(CnnkitError):
    """A model file cannot be loaded or run (missing, corrupt, unknown contract, no interpreter)."""


class InputError(CnnkitError):
    """Images given to a model have a shape, dtype or values it cannot read."""
