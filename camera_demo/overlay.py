"""Draw what was read onto a frame: a pure function of the frame and the result."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from runtime import opencv
from runtime.reader import Reading

_GREEN, _WHITE, _BLACK = (60, 200, 60), (255, 255, 255), (0, 0, 0)


@dataclass(frozen=True)
class FrameResult:
    """One processed frame: what it says and how long each stage took.

    Attributes:
        index: Frame number, from 0.
        reading: The (smoothed) digits and number.
        fps: Frames per second of the whole loop, smoothed.
        stage_ms: Milliseconds per stage: capture, find, infer, draw.
    """

    index: int
    reading: Reading
    fps: float
    stage_ms: dict[str, float] = field(default_factory=dict)


def draw_overlay(frame: np.ndarray, result: FrameResult) -> np.ndarray:
    """Return a copy of ``frame`` with boxes, labels, the number, FPS and stage times drawn on it."""
    cv2 = opencv.cv2()
    canvas = frame.copy() if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    scale = max(0.5, canvas.shape[0] / 480)
    for digit in result.reading.digits:
        x, y, w, h = digit.box
        cv2.rectangle(canvas, (x, y), (x + w, y + h), _GREEN, max(1, round(2 * scale)))
        _label(canvas, f"{digit.name} {digit.confidence:.0%}", (x, max(0, y - round(6 * scale))), 0.6 * scale)
    number = result.reading.number
    _label(canvas, f"number: {number if number is not None else '-'}", (10, round(34 * scale)), 0.9 * scale)
    stages = "  ".join(f"{name} {ms:.1f}" for name, ms in result.stage_ms.items())
    _label(canvas, f"{result.fps:.0f} FPS  {stages} ms", (10, canvas.shape[0] - round(12 * scale)), 0.5 * scale)
    return canvas


def _label(canvas: np.ndarray, text: str, origin: tuple[int, int], size: float) -> None:
    cv2 = opencv.cv2()
    thickness = max(1, round(2 * size))
    (width, height), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, size, thickness)
    x, y = origin
    y = max(y, height + 2)
    cv2.rectangle(canvas, (x - 2, y - height - 4), (x + width + 2, y + baseline), _BLACK, cv2.FILLED)
    cv2.putText(canvas, text, (x, y - 2), cv2.FONT_HERSHEY_SIMPLEX, size, _WHITE, thickness, cv2.LINE_AA)
