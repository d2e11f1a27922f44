"""Read a live source on its own thread and hand over only the newest frame.

When inference is slower than the camera, stale frames are dropped instead of
queued, so the picture never lags behind the world.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

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
