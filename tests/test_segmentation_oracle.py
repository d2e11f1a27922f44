"""The segmentation oracle's cuts (benchmarks/segmentation_oracle.py): ink goes to the digit written there."""

import cv2
import numpy as np

from benchmarks.pages import Condition, Scene
from benchmarks.segmentation_oracle import by_condition, oracle_crops


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


class _ReadsEveryDigitAsOne:
    """A stand-in model: whatever the crop, it reads "1"."""

    def predict(self, images: np.ndarray) -> np.ndarray:
        return np.tile(np.eye(10, dtype=np.float32)[1], (len(images), 1))


def _page(labels: tuple[int, ...], conditions: frozenset) -> Scene:
    frame = np.full((240, 480), 215, np.uint8)
    boxes = []
    for index in range(len(labels)):
        x = 60 + 80 * index
        cv2.line(frame, (x, 80), (x, 180), 30, 7)
        boxes.append((x - 4, 76, 9, 108))
    return Scene(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR), labels, tuple(boxes), conditions, "test")


def test_by_condition_counts_each_pages_digits_under_each_of_its_conditions():
    pages = [
        _page((1, 1), frozenset({Condition.TOUCHING})),  # read right
        _page((1, 0), frozenset({Condition.TOUCHING, Condition.RULED})),  # the "0" read as "1"
        _page((7,), frozenset({Condition.RULED})),  # a single digit read wrong
        _page((), frozenset({Condition.RULED})),  # a blank page: nothing to count
    ]
    result = by_condition(pages, _ReadsEveryDigitAsOne())
    table = result["table"]
    assert table["all"] == {"digits": 5, "digits_right": 3 / 5, "multis": 2, "multis_exact": 1 / 2}
    assert table["touching"] == {"digits": 4, "digits_right": 3 / 4, "multis": 2, "multis_exact": 1 / 2}
    assert table["ruled"] == {"digits": 3, "digits_right": 1 / 3, "multis": 1, "multis_exact": 0.0}
    assert result["confused"] == {(0, 1): 1, (7, 1): 1}
