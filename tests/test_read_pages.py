"""The hard-page benchmark's options: frames of another size (benchmarks/read_pages.py, benchmarks/pages.py)."""

import argparse

import numpy as np
import pytest

from benchmarks.pages import mnist_source, page_set
from benchmarks.read_pages import MISS_KINDS, _frame_size, miss_kind


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


@pytest.mark.parametrize(
    ("wrote", "read", "kind"),
    [("47", "47", None), ("47", "4", "fewer"), ("200", "20", "fewer"), ("5", "", "fewer"), ("2", "67", "more"),
     ("7", "17", "more"), ("508", "008", "wrong"), ("9", "4", "wrong")],
)
def test_a_miss_is_named_by_how_many_digits_were_read(wrote, read, kind):
    assert miss_kind(wrote, read) == kind


def test_misses_are_tallied_by_kind_per_condition(monkeypatch):
    import benchmarks.read_pages as read_pages
    from benchmarks.pages import Condition
    from runtime.reader import Digit, Reading

    scenes = page_set(mnist_source(*_digits()), singles=3, multis=3, blanks=2, seed=5)
    # Blank pages read right; digit pages in turn: nothing, one digit too many, every digit wrong.
    readings = []
    for index, scene in enumerate(scenes):
        wrong_ones = ["", scene.number + "1", "".join(str((int(c) + 1) % 10) for c in scene.number)]
        readings.append(scene.number if scene.kind == "blank" else wrong_ones[index % 3])
    expected = dict.fromkeys(MISS_KINDS, 0)
    for scene, read in zip(scenes, readings, strict=True):
        if scene.kind != "blank":
            expected[miss_kind(scene.number, read)] += 1
    answers = iter(readings)

    def read_as_planned(image, model):
        return Reading(tuple(Digit(int(c), c, 1.0, (0, 0, 1, 1)) for c in next(answers)), 0, {})

    monkeypatch.setattr(read_pages, "read_digits", read_as_planned)
    table = read_pages.score(scenes, model=None)["table"]
    assert table["all"]["misses"] == expected
    assert sum(expected.values()) == 6 and min(expected.values()) >= 1  # every digit page wrong, each kind seen
    for condition in Condition:
        tagged = [s for s in scenes if condition in s.conditions and s.kind != "blank"]
        if tagged:
            assert sum(table[condition.value]["misses"].values()) == len(tagged)
