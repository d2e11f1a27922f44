"""The hard-page benchmark's options: frames of another size (benchmarks/read_pages.py, benchmarks/pages.py)."""

import argparse

import numpy as np
import pytest

from benchmarks.pages import mnist_source, page_set
from benchmarks.read_pages import _frame_size


def _digits() -> tuple[np.ndarray, np.ndarray]:
    import cv2

    images = np.zeros((2, 28, 28), np.uint8)
    images[0, 4:24, 13:15] = 255  # a "1"
    cv2.circle(images[1], (14, 14), 8, 255, 2)  # a "0"
    return images, np.array([1, 0])


@pytest.mark.parametrize(("text", "size"), [("640x480", (640, 480)), ("320X240", (320, 240)), ("480x640", (480, 640))])
def test_a_frame_size_is_width_by_height(text, size):
    assert _frame_size(text) == size


@pytest.mark.parametrize("text", ["640", "640x", "ax480", "640x480x3", "32x24", "-640x480"])
def test_a_bad_frame_size_is_a_usage_error(text):
    with pytest.raises(argparse.ArgumentTypeError, match="640x480|64 pixels"):
        _frame_size(text)


def test_pages_are_laid_out_at_the_size_asked_for():
    source = mnist_source(*_digits())
    small = page_set(source, singles=2, multis=1, blanks=1, seed=3, size=(320, 240))
    default = page_set(source, singles=2, multis=1, blanks=1, seed=3)
    assert [scene.image.shape for scene in small] == [(240, 320, 3)] * 4
    assert [scene.image.shape for scene in default] == [(480, 640, 3)] * 4
    # The default is 640×480 exactly: the fixed samples every earlier figure was read on are unchanged.
    explicit = page_set(source, singles=2, multis=1, blanks=1, seed=3, size=(640, 480))
    assert all(np.array_equal(a.image, b.image) for a, b in zip(default, explicit, strict=True))
