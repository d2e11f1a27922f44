"""Read a source on its own thread: a live one's newest frame only, a file's every frame ahead.

When inference is slower than the camera, stale frames are dropped instead of
queued, so the picture never lags behind the world. A file's frames are all read,
decoded a few ahead while the previous one is being read for digits.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator

import numpy as np

from camera_demo.sources import FrameSource


class LatestFrame:
    """Iterate over the newest frames of ``source``; frames that arrive while the consumer is busy are dropped.

    Attributes:
        dropped: How many frames were replaced before anyone took them.
    """

    def __init__(self, source: FrameSource) -> None:
        self._source = source
        self._condition = threading.Condition()
        self._frame: np.ndarray | None = None
        self._sequence = 0
        self._finished = False
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self.dropped = 0
        self._thread = threading.Thread(target=self._capture, name="cnnkit-capture", daemon=True)
        self._thread.start()

    def _capture(self) -> None:
        try:
            for frame in self._source:
                with self._condition:
                    if self._frame is not None:
                        self.dropped += 1
                    self._frame = frame
                    self._sequence += 1
                    self._condition.notify_all()
                if self._stop.is_set():
                    break
        except BaseException as exc:  # noqa: BLE001 (handed to the consumer's thread, raised there)
            self._error = exc
        finally:
            with self._condition:
                self._finished = True
                self._condition.notify_all()

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: self._frame is not None or self._finished)
                frame, self._frame = self._frame, None
                if frame is None:
                    if self._error is not None:
                        raise self._error
                    return
            yield frame

    def close(self) -> None:
        """Stop the capture thread and release the source."""
        self._stop.set()
        self._thread.join(timeout=2.0)
        self._source.close()


class ReadAhead:
    """Iterate over ``frames`` (a file's, none dropped) decoded on their own thread, up to ``depth`` ahead.

    Decoding a video frame costs about as much as finding its digits; on a second core the two
    overlap instead of adding up. Errors from the source are raised in the consumer's thread.
    """

    _END = object()

    def __init__(self, frames: Iterable[np.ndarray], depth: int = 4) -> None:
        self._frames = frames
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._decode, name="cnnkit-read-ahead", daemon=True)
        self._thread.start()

    def _decode(self) -> None:
        try:
            for frame in self._frames:
                if not self._put(frame):
                    return
        except BaseException as exc:  # noqa: BLE001 (handed to the consumer's thread, raised there)
            self._error = exc
        self._put(self._END)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            item = self._queue.get()
            if item is self._END:
                if self._error is not None:
                    raise self._error
                return
            yield item

    def close(self) -> None:
        """Stop decoding (the caller then releases the source)."""
        self._stop.set()
        self._thread.join(timeout=2.0)
