"""Frame sources: one small class each behind one iterator protocol.

A source yields BGR uint8 frames. Live sources (webcams, the Pi camera) are read
on a capture thread that keeps only the newest frame (see ``capture.py``); files
are read frame by frame, every frame, so a run over a file is repeatable.
"""

from __future__ import annotations

import glob
import importlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from camera_demo.errors import CameraError
from runtime import opencv

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
EARLY_END_SHARE = 0.95  # a video that delivers fewer of the frames its header counts ended early


class FrameSource(Protocol):
    """Yields BGR uint8 frames until it ends; ``close`` releases the device."""

    #: True for cameras: frames arrive in real time and stale ones may be dropped.
    live: bool
    #: Set when a file source ended before its end (a truncated video), saying how far it got.
    ended_early: str | None
    #: Frames a second a file was made to be shown at (None for cameras, which run at their own pace).
    frame_rate: float | None

    def __iter__(self) -> Iterator[np.ndarray]: ...

    def close(self) -> None: ...


class VideoFileSource:
    """Every frame of a video file, in order; iterating again starts again from its first frame."""

    live = False

    def __init__(self, path: Path) -> None:
        cv2 = opencv.cv2()
        self.ended_early: str | None = None
        self._path = path
        self._capture = cv2.VideoCapture(str(path))
        ok, self._first = self._capture.read() if self._capture.isOpened() else (False, None)
        if not ok:
            self._capture.release()
            raise CameraError(f"{path} is not a video OpenCV can read")
        self._expected = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        rate = float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.frame_rate = rate if 0.0 < rate <= 1000.0 else None
        self._started = False

    def __iter__(self) -> Iterator[np.ndarray]:
        if self._started:  # a second pass (--loop): from the start again
            cv2 = opencv.cv2()
            self._capture.release()
            self._capture = cv2.VideoCapture(str(self._path))
            ok, self._first = self._capture.read() if self._capture.isOpened() else (False, None)
            if not ok:
                raise CameraError(f"{self._path} could not be read again from its start")
        self._started = True
        frame, delivered = self._first, 0
        while frame is not None:
            yield frame
            delivered += 1
            ok, frame = self._capture.read()
            frame = frame if ok else None
        # The container's frame count is an estimate for some codecs: only a clear shortfall counts.
        if self._expected and delivered < EARLY_END_SHARE * self._expected:
            self.ended_early = f"{self._path} ended after {delivered} of its {self._expected} frames (truncated or damaged)"

    def close(self) -> None:
        self._capture.release()


class ImageFolderSource:
    """Image files of a folder or glob, in name order; each is one frame."""

    live = False
    ended_early = None
    frame_rate = 1.0  # shown in real time as a slideshow, one image a second

    def __init__(self, pattern: str) -> None:
        path = Path(pattern)
        names = sorted(str(p) for p in path.iterdir()) if path.is_dir() else sorted(glob.glob(pattern))
        self._paths = [Path(name) for name in names if Path(name).suffix.lower() in IMAGE_SUFFIXES]
        if not self._paths:
            raise CameraError(f"no images ({', '.join(IMAGE_SUFFIXES)}) match {pattern}")

    def __iter__(self) -> Iterator[np.ndarray]:
        cv2 = opencv.cv2()
        for path in self._paths:
            frame = cv2.imread(str(path), cv2.IMREAD_COLOR) if path.is_file() else None
            if frame is None:
                # One unreadable file does not end the run; it is said, and the rest are read.
                print(f"warning: skipped {path}: not an image OpenCV can read", file=sys.stderr, flush=True)
                continue
            yield frame

    def close(self) -> None:
        pass


class WebcamSource:
    """A camera OpenCV can open by index (/dev/video<N> on Linux).

    A camera that stops delivering frames is reopened with growing pauses
    (0.5, 1, 2, 4 s); after that it is given up with a clear error.
    """

    live = True
    ended_early = None
    frame_rate = None
    RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)

    def __init__(self, index: int, width: int | None = None, height: int | None = None) -> None:
        self._index, self._size = index, (width, height)
        self._capture = self._open()
        if self._capture is None:
            raise CameraError(f"camera {index} cannot be opened (is it connected, and free?)")

    def _open(self):  # noqa: ANN202 (cv2.VideoCapture has no stub type)
        cv2 = opencv.cv2()
        capture = cv2.VideoCapture(self._index)
        if not capture.isOpened():
            capture.release()
            return None
        width, height = self._size
        if width and height:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        return capture

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            ok, frame = self._capture.read() if self._capture is not None else (False, None)
            if ok:
                yield frame
                continue
            for delay in self.RETRY_DELAYS:
                time.sleep(delay)
                if self._capture is not None:
                    self._capture.release()
                self._capture = self._open()
                if self._capture is not None and self._capture.read()[0]:
                    break
            else:
                raise CameraError(f"camera {self._index} stopped delivering frames and did not come back")

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()


class Picamera2Source:
    """The Raspberry Pi camera through picamera2 (imported only here).

    picamera2's "RGB888" format lays pixels out as B, G, R in memory, which is
    exactly OpenCV's order, so frames need no conversion.
    """

    live = True
    ended_early = None
    frame_rate = None

    def __init__(self, width: int = 640, height: int = 480) -> None:
        try:
            picamera2 = importlib.import_module("picamera2")
        except ImportError:
            raise CameraError(
                "picamera2 is not importable: on Raspberry Pi OS install python3-picamera2 "
                "and create the virtual environment with --system-site-packages"
            ) from None
        try:
            self._camera = picamera2.Picamera2()
            config = self._camera.create_video_configuration(main={"size": (width, height), "format": "RGB888"})
            self._camera.configure(config)
            self._camera.start()
        except (RuntimeError, IndexError, OSError) as exc:
            raise CameraError(f"the Pi camera cannot be started ({exc})") from None

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            try:
                yield self._camera.capture_array("main")
            except RuntimeError as exc:
                raise CameraError(f"the Pi camera stopped ({exc})") from None

    def close(self) -> None:
        self._camera.stop()
        self._camera.close()


def open_source(spec: str, *, width: int | None = None, height: int | None = None) -> FrameSource:
    """Open a source from its command-line spelling.

    Args:
        spec: An integer (webcam index), ``picamera2``, a video file, or a folder or
            glob of images.
        width, height: Requested size for cameras.

    Raises:
        CameraError: Nothing usable by that name.
    """
    if spec.isdigit():
        return WebcamSource(int(spec), width, height)
    if spec == "picamera2":
        return Picamera2Source(width or 640, height or 480)
    path = Path(spec)
    if path.is_dir() or any(char in spec for char in "*?["):
        return ImageFolderSource(spec)
    if path.is_file():
        return VideoFileSource(path)
    raise CameraError(f"source {spec!r} is neither a camera index, 'picamera2', a video file nor a folder of images")


def played(source: FrameSource, *, loop: bool = False, realtime: bool = False) -> Iterator[np.ndarray]:
    """The frames of a file source, over and over with ``loop``, at its own frame rate with ``realtime``.

    Without either, frames come as fast as they are read: a run over a file is a benchmark.
    """
    started, shown = time.perf_counter(), 0
    while True:
        delivered = 0
        for frame in source:
            if realtime and source.frame_rate:
                wait = started + shown / source.frame_rate - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
            yield frame
            shown += 1
            delivered += 1
        if not loop or not delivered or source.ended_early:
            return
