"""Tracing the page reader's misses to their causes (benchmarks/miss_trace.py)."""

from benchmarks.miss_trace import Trace, trace

# Three written digits, 40 pixels wide, 20 apart, on one line.
_BOXES = ((100, 50, 40, 60), (160, 50, 40, 60), (220, 50, 40, 60))


def test_a_right_reading_has_no_cause():
    read = [(label, box) for label, box in zip((1, 2, 3), _BOXES, strict=True)]
    assert trace((1, 2, 3), _BOXES, read) == Trace((), (), (), (), ())


def test_two_digits_under_one_reading_are_merged_and_a_digit_under_none_is_dropped():
    found = trace((1, 2, 3), _BOXES, [(2, (100, 50, 100, 60))])
    assert found.merged == ((0, 1),) and found.dropped == (2,)
    assert found.causes() == ["merged", "dropped"]


def test_a_piece_read_on_its_own_splits_its_digit_and_ink_beside_the_digits_is_stray():
    read = [(1, (100, 50, 12, 60)), (1, (112, 50, 28, 60)), (2, _BOXES[1]), (3, _BOXES[2]), (1, (300, 40, 10, 70))]
    found = trace((0, 2, 3), _BOXES, read)
    assert found.split == (0,) and found.stray == (4,)
    assert found.merged == () and found.dropped == () and found.relabelled == ()


def test_a_digit_read_alone_in_its_place_as_another_is_relabelled():
    read = [(7, _BOXES[0]), (2, _BOXES[1]), (3, _BOXES[2])]
    assert trace((1, 2, 3), _BOXES, read).relabelled == (0,)
    # Merged digits are not also counted as read wrong alone.
    assert trace((1, 2, 3), _BOXES, [(7, (100, 50, 100, 60)), (3, _BOXES[2])]).relabelled == ()


def test_a_written_digit_under_two_overlapping_readings_goes_to_the_nearer():
    # Touching digits' readings overlap: the middle digit's centre (180) lies in both boxes.
    read = [(1, (100, 50, 90, 60)), (3, (165, 50, 95, 60))]  # centres 145 and 212.5
    found = trace((1, 2, 3), _BOXES, read)
    assert found.merged == ((1, 2),) and found.split == () and found.dropped == ()


def test_the_causes_are_told_in_the_written_digits():
    found = trace((1, 7, 4), _BOXES, [(7, (100, 50, 100, 60)), (9, (300, 40, 10, 70))])
    assert found.describe("174") == "merged 17, dropped 4, 1 stray"
