"""Steady readings: a digit held still keeps its label although single frames disagree.

Each digit is followed from frame to frame by the overlap of its boxes; its shown
label is the most frequent of its last few labels.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

from runtime.reader import Digit, Reading


@dataclass
class _Track:
    box: tuple[int, int, int, int]
    labels: deque = field(default_factory=deque)
    last_seen: dict = field(default_factory=dict)  # label -> the latest Digit read with that label
    missed: int = 0


class ReadingSmoother:
    """Smooth readings over the last ``window`` frames.

    Args:
        window: Frames a label vote covers.
        max_missed: Frames a digit may go unseen before its history is forgotten.
    """

    def __init__(self, window: int = 5, max_missed: int = 3) -> None:
        self._window = window
        self._max_missed = max_missed
        self._tracks: list[_Track] = []

    def update(self, reading: Reading) -> Reading:
        """Return ``reading`` with each digit's label replaced by its recent majority."""
        unmatched = list(self._tracks)
        smoothed = []
        for digit in reading.digits:
            track = self._nearest(digit.box, unmatched)
            if track is None:
                track = _Track(digit.box, deque(maxlen=self._window))
                self._tracks.append(track)
            else:
                unmatched.remove(track)
            track.box, track.missed = digit.box, 0
            track.labels.append(digit.label)
            track.last_seen[digit.label] = digit
            label = Counter(track.labels).most_common(1)[0][0]
            shown = track.last_seen[label]
            smoothed.append(Digit(label, shown.name, shown.confidence, digit.box))
        for track in unmatched:
            track.missed += 1
        self._tracks = [track for track in self._tracks if track.missed <= self._max_missed]
        return Reading(tuple(smoothed), reading.rejected, reading.timings_ms)

    @staticmethod
    def _nearest(box: tuple[int, int, int, int], tracks: list[_Track]) -> _Track | None:
        # The same digit held in front of a camera keeps most of its box from one frame to the next;
        # a different digit written in its place rarely does.
        best, best_overlap = None, _MIN_OVERLAP
        for track in tracks:
            overlap = iou(box, track.box)
            if overlap > best_overlap:
                best, best_overlap = track, overlap
        return best


_MIN_OVERLAP = 0.5


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)
