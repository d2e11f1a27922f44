"""OpenCV, imported on first use: 28×28 inference works without it, frames and photos do not."""

from __future__ import annotations

import importlib
from types import ModuleType

from runtime.errors import InputError


def cv2() -> ModuleType:
    """Return the ``cv2`` module.

    Raises:
        InputError: OpenCV is not installed; the message names the extra that installs it.
    """
    try:
        return importlib.import_module("cv2")
    except ImportError as exc:
        raise InputError(
            f"reading photos and camera frames needs OpenCV ({exc}); pip install 'cnnkit[camera]'"
        ) from None
