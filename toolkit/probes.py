"""The doctor's probes: ``python -m toolkit.probes NAME [ARG ...]`` prints one line.

`cnnkit doctor` runs each probe in a fresh interpreter, so an import that raises,
hangs or crashes the process (tflite-runtime on numpy 2 can) is reported instead
of taking the doctor down. Each probe imports only what it checks.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable


def numpy_version() -> str:
    import numpy

    return numpy.__version__


def imports(module: str) -> str:
    importlib.import_module(module)
    return "imported"


def opencv() -> str:
    """``<version> <GUI backend> <why no window, or nothing>``."""
    import cv2

    from camera_demo.window import gui_backend, window_unavailable_reason

    return f"{cv2.__version__} {gui_backend(cv2)} {window_unavailable_reason(cv2) or ''}".rstrip()


def picamera2_cameras() -> str:
    from picamera2 import Picamera2

    return str(len(Picamera2.global_camera_info()))


def opencv_cameras(*indices: str) -> str:
    """The camera indices OpenCV opens and reads a frame from, or ``none``."""
    import cv2

    opened = []
    for index in map(int, indices):
        capture = cv2.VideoCapture(index)
        if capture.isOpened() and capture.read()[0]:
            opened.append(str(index))
        capture.release()
    return " ".join(opened) or "none"


def digit_latency(model_path: str, seconds: str) -> str:
    """``<µs per digit> <backend>``: one thread, batch 1, after a warm-up."""
    import numpy as np

    from runtime import load_model

    model = load_model(model_path, num_threads=1)
    digit = np.zeros((1, 28, 28), np.uint8)
    for _ in range(50):
        model.predict(digit)
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < float(seconds):
        model.predict(digit)
        calls += 1
    return f"{(time.perf_counter() - started) / calls * 1e6:.1f} {model.backend_name}"


PROBES: dict[str, Callable[..., str]] = {
    "numpy": numpy_version,
    "import": imports,
    "opencv": opencv,
    "picamera2": picamera2_cameras,
    "cameras": opencv_cameras,
    "latency": digit_latency,
}


def main(argv: list[str]) -> None:
    name, *args = argv
    print(PROBES[name](*args))


if __name__ == "__main__":
    main(sys.argv[1:])
