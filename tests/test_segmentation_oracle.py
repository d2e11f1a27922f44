"""The segmentation oracle's cuts (benchmarks/segmentation_oracle.py): ink goes to the digit written there."""

import cv2
import numpy as np

from benchmarks.segmentation_oracle import oracle_crops


def _columns_with_ink(crop: np.ndarray) -> int:
    return int(np.count_nonzero(crop.max(axis=0) > 60))


def test_touching_digits_are_cut_at_their_written_boxes():
    frame = np.full((320, 480), 215, np.uint8)
    cv2.line(frame, (200, 100), (200, 220), 30, 7)  # a "1" ...
    cv2.ellipse(frame, (238, 160), (34, 60), 0, 0, 360, 30, 7)  # ... touching a "0" on its right
    boxes = ((196, 96, 9, 128), (200, 96, 77, 128))  # their boxes overlap where the strokes meet
    one, zero = oracle_crops(cv2.GaussianBlur(frame, (0, 0), 1.0), boxes)
    assert _columns_with_ink(one) <= 8, "the bar alone, narrow"
    assert _columns_with_ink(zero) >= 10, "the ring, as wide as a digit"
    assert zero[14, 14] < 60 < zero.max(), "the ring keeps its hole"


def test_a_box_without_ink_gets_an_empty_crop():
    frame = np.full((320, 480), 215, np.uint8)
    cv2.line(frame, (200, 100), (200, 220), 30, 7)
    crops = oracle_crops(frame, ((196, 96, 9, 128), (350, 96, 60, 128)))
    assert crops[0].max() > 0 and crops[1].max() == 0
