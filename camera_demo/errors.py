"""Errors of the camera demo: each message is one line a user can act on."""

from core.errors import CnnkitError


class CameraError(CnnkitError):
    """A frame source cannot be opened, or a live one stopped for good."""
