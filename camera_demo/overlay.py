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
    canvas = draw_reading(frame, result.reading)
    scale = max(0.5, canvas.shape[0] / 480)
    stages = "  ".join(f"{name} {ms:.1f}" for name, ms in result.stage_ms.items())
    _label(canvas, f"{fps_text(result.fps)} FPS  {stages} ms", (10, canvas.shape[0] - round(12 * scale)), 0.5 * scale)
    return canvas


def fps_text(fps: float) -> str:
    """The frame rate as the overlay and the web view both show it ("-" before the first loop is timed)."""
    return f"{fps:.0f}" if fps > 0 else "-"


def draw_reading(image: np.ndarray, reading: Reading) -> np.ndarray:
    """Return a BGR copy of ``image`` with each digit's box and label and the number read drawn on it.

    Images under 280 pixels tall (a 28×28 digit) are enlarged first, so the labels fit.
    """
    cv2 = opencv.cv2()
    canvas = image.copy() if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if canvas.shape[2] == 4:
        canvas = cv2.cvtColor(canvas, cv2.COLOR_BGRA2BGR)
    enlarge = max(1, -(-280 // canvas.shape[0]))
    if enlarge > 1:
        canvas = cv2.resize(canvas, None, fx=enlarge, fy=enlarge, interpolation=cv2.INTER_NEAREST)
    scale = max(0.5, canvas.shape[0] / 480)
    for digit in reading.digits:
        x, y, w, h = (value * enlarge for value in digit.box)
        cv2.rectangle(canvas, (x, y), (x + w, y + h), _GREEN, max(1, round(2 * scale)))
        # Floored, as everywhere: the int8 model's 0.9961 is not "100%".
        _label(canvas, f"{digit.name} {int(digit.confidence * 100)}%", (x, max(0, y - round(6 * scale))), 0.6 * scale)
    number = reading.number
    _label(canvas, f"number: {number if number is not None else '-'}", (10, round(34 * scale)), 0.9 * scale)
    return canvas


def _label(canvas: np.ndarray, text: str, origin: tuple[int, int], size: float) -> None:
    cv2 = opencv.cv2()
    thickness = max(1, round(2 * size))
    (width, height), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, size, thickness)
    x, y = origin
    y = max(y, height + 2)
    cv2.rectangle(canvas, (x - 2, y - height - 4), (x + width + 2, y + baseline), _BLACK, cv2.FILLED)
    cv2.putText(canvas, text, (x, y - 2), cv2.FONT_HERSHEY_SIMPLEX, size, _WHITE, thickness, cv2.LINE_AA)
