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


def test_held_up_pages_show_the_page_smaller_before_a_room_and_their_boxes_hold_the_digits():
    from benchmarks.pages import HELD_UP_RATES, MIXED_RATES, Condition

    assert Condition.HELD_UP not in MIXED_RATES  # the default samples draw it never (and stay the same)
    assert HELD_UP_RATES[Condition.HELD_UP] == 1.0 and Condition.DESK_EDGE not in HELD_UP_RATES
    source = mnist_source(*_digits())
    plain = page_set(source, singles=6, multis=6, blanks=0, seed=5)
    held = page_set(source, singles=6, multis=6, blanks=0, seed=5, rates=HELD_UP_RATES)
    assert all(Condition.HELD_UP in scene.conditions for scene in held)
    assert not any(Condition.HELD_UP in scene.conditions for scene in plain)


def test_a_held_up_page_is_smaller_than_the_frame_with_the_room_around_it_and_its_boxes_move_with_it():
    from benchmarks.pages import _hold_up

    rng = np.random.default_rng(0)
    for _ in range(10):
        page = np.full((480, 640, 3), 200.0, np.float32)
        page[100:160, 400:440] = (0.0, 255.0, 0.0)  # a green mark where the box says (no room is green)
        held, (box,) = _hold_up(page, [(400, 100, 40, 60)], rng)
        # Paper fills 49–81% of the frame (70–90% on each side), less where it leaves the frame.
        paper = np.count_nonzero(np.all(np.abs(held - 200.0) < 1.0, axis=2)) / (480 * 640)
        assert 0.35 < paper < 0.82, paper
        x, y, w, h = box
        mark = held[:, :, 1] - held[:, :, 0] > 100
        assert np.count_nonzero(mark[y : y + h, x : x + w]) >= 0.97 * np.count_nonzero(mark)
        assert 0.7 * 40 <= max(w, h) and w * h <= 1.2 * 40 * 60  # turned and shrunk with the page


def _scene(labels, boxes):
    from benchmarks.pages import Scene

    return Scene(np.zeros((48, 64, 3), np.uint8), tuple(labels), tuple(boxes), frozenset())


def _read(labels, boxes):
    from runtime.reader import Digit

    return tuple(Digit(label, str(label), 1.0, box) for label, box in zip(labels, boxes, strict=True))


_TWO = [(10, 10, 10, 20), (30, 10, 10, 20)]


@pytest.mark.parametrize(
    ("labels", "boxes", "kind"),
    [
        ([4, 7], _TWO, None),
        ([4], [(10, 10, 30, 20)], "fewer"),  # "47" merged
        ([], [], "fewer"),
        ([4, 1, 7], [*_TWO, (50, 10, 3, 20)], "more"),
        ([4, 9], [(10, 10, 10, 20), (31, 10, 9, 20)], "label"),  # the 7's own box, read as a 9
        ([4, 1], [(10, 10, 10, 20), (37, 10, 3, 20)], "part"),  # the 7's stem alone, read as a 1
    ],
)
def test_a_miss_is_named_by_the_digits_and_boxes_read(labels, boxes, kind):
    assert miss_kind(_scene([4, 7], _TWO), _read(labels, boxes)) == kind


def test_misses_are_tallied_by_kind_per_condition(monkeypatch):
    import benchmarks.read_pages as read_pages
    from benchmarks.pages import Condition
    from runtime.reader import Reading

    scenes = page_set(mnist_source(*_digits()), singles=3, multis=3, blanks=2, seed=5)
    # Blank pages read right; digit pages in turn: nothing, one digit too many, every digit wrong.
    readings = []
    for index, scene in enumerate(scenes):
        wrong_ones = ["", scene.number + "1", "".join(str((int(c) + 1) % 10) for c in scene.number)]
        readings.append(scene.number if scene.kind == "blank" else wrong_ones[index % 3])
    # Every digit is read where it was written (a wrong label, not a wrong box), or at the corner.
    planned = [
        _read([int(c) for c in read], scene.boxes if len(read) == len(scene.labels) else [(0, 0, 1, 1)] * len(read))
        for scene, read in zip(scenes, readings, strict=True)
    ]
    expected = dict.fromkeys(MISS_KINDS, 0)
    for scene, digits in zip(scenes, planned, strict=True):
        if scene.kind != "blank":
            expected[miss_kind(scene, digits)] += 1
    answers = iter(planned)

    def read_as_planned(image, model):
        return Reading(next(answers), 0, {})

    monkeypatch.setattr(read_pages, "read_digits", read_as_planned)
    table = read_pages.score(scenes, model=None)["table"]
    assert table["all"]["misses"] == expected
    assert expected == {"fewer": 2, "more": 2, "part": 0, "label": 2}  # every digit page wrong, three ways
    for condition in Condition:
        tagged = [s for s in scenes if condition in s.conditions and s.kind != "blank"]
        if tagged:
            assert sum(table[condition.value]["misses"].values()) == len(tagged)


def test_frames_for_timing_can_be_pages_held_up_before_a_room():
    from benchmarks.pages import Condition, FrameKind, number_frames

    images, labels = _digits()
    held = number_frames(images, labels, 3, kind=FrameKind.HELD_UP, seed=1)
    hard = number_frames(images, labels, 3, kind=FrameKind.HARD, seed=1)
    assert len(held) == 3 and all(Condition.HELD_UP in frame.conditions and len(frame.labels) >= 2 for frame in held)
    assert not any(Condition.HELD_UP in frame.conditions for frame in hard)
