"""Errors of the runtime: each message is one line a user can act on.

A model that cannot be loaded or run raises ``core.errors.ModelError``, as everywhere.
"""

from core.errors import CnnkitError


class InputError(CnnkitError):
    """Images given to a model have a shape, dtype or values it cannot read."""
