"""Can OpenCV open a window here? Asked before the loop starts, never by trying.

Trying is not safe: the Qt build of OpenCV (opencv-python) aborts the whole process
when ``cv2.imshow`` finds no display, as it does over SSH on a Raspberry Pi, and
the headless build (opencv-python-headless) raises from deep inside the loop.
"""

from __future__ import annotations

import os
import re
import sys
from types import ModuleType


def gui_backend(cv2: ModuleType) -> str:
    """The GUI toolkit OpenCV was built with, as its build information names it.

    Returns:
        For example ``"QT5"``, ``"GTK3"``, ``"COCOA"``, ``"WIN32UI"``; ``"NONE"`` for a
        headless build; ``"UNKNOWN"`` when the build information does not say.
    """
    match = re.search(r"^\s*GUI:\s*(\S+)", cv2.getBuildInformation(), re.MULTILINE)
    return match.group(1).upper() if match else "UNKNOWN"


def window_unavailable_reason(cv2: ModuleType) -> str | None:
    """Why a window cannot be opened here, or None when it can.

    Args:
        cv2: The OpenCV module.

    Returns:
        One lower-case clause a user can act on, or None.
    """
    if gui_backend(cv2) == "NONE":
        return "this OpenCV is built without a GUI (opencv-python-headless)"
    # Only X11 and Wayland sessions have a display to connect to; macOS and Windows always do.
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "there is no display (DISPLAY is not set, as over SSH or in a service)"
    return None
