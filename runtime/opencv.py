"""OpenCV, imported on first use: 28×28 inference works without it, frames and photos do not."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import numpy as np

from core.atomic import write_bytes_atomic
from runtime.errors import InputError

MAX_IMAGE_PIXELS = 100_000_000  # 100 megapixels: any phone photo; at most 300 MB decoded

# Set once, before cv2 is first imported (cv2() is called on every frame). OpenCV reads its pixel
# limit when it first decodes, so a header that claims billions of pixels is refused instead of
# allocated. OpenCV's own "[ WARN:0@…]" lines and FFmpeg's decoder complaints would come before
# cnnkit's one-line message; set OPENCV_LOG_LEVEL (e.g. to INFO) to see them.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_IMAGE_PIXELS))
os.environ.setdefault("OPENCV_LOG_LEVEL", "FATAL")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET


_module: ModuleType | None = None  # cv2 once imported: a frame asks for it some twenty times


def cv2() -> ModuleType:
    """Return the ``cv2`` module.

    Raises:
        InputError: OpenCV is not installed; the message names the extra that installs it.
    """
    global _module
    if _module is None:
        try:
            _module = importlib.import_module("cv2")
        except ImportError as exc:
            raise InputError(
                f"reading photos and camera frames needs OpenCV ({exc}); pip install 'cnnkit[camera]'"
            ) from None
    return _module


def png_bytes(image: np.ndarray) -> bytes:
    """An image (gray or BGR uint8) encoded as PNG.

    Raises:
        InputError: OpenCV cannot encode it.
    """
    ok, encoded = cv2().imencode(".png", image)
    if not ok:
        raise InputError(f"OpenCV could not encode a {image.shape} {image.dtype} picture as PNG")
    return encoded.tobytes()


def write_png(path: str | os.PathLike[str], image: np.ndarray) -> None:
    """Write ``image`` to ``path`` as PNG, atomically (a temporary name, then renamed)."""
    write_bytes_atomic(path, png_bytes(image))
