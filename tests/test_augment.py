"""Training-time redrawing of MNIST digits (toolkit.augment): pen lifts and touching neighbours."""

import numpy as np
import pytest

from core.errors import ConfigError
from toolkit.augment import PAIR_OVERLAP, Augmentation, _beside_and_cut, _pair_of, augment, cut_from_touching, thinned

# Every variation off but the one under test: the redrawn digit is the digit itself.
_STILL = dict(rotation=0.0, shear=0.0, scale=(1.0, 1.0), aspect=1.0, shift=0.0, elastic=0.0, thicken=0.0, thin=0.0,
              marker=0.0, fine_pen=0.0, blur=0.0, pen_lift=0.0)


def _bar() -> np.ndarray:
    image = np.zeros((28, 28), np.uint8)
    image[4:24, 13:15] = 255
    return image


def _ring() -> np.ndarray:
    import cv2

    image = np.zeros((28, 28), np.uint8)
    cv2.circle(image, (14, 14), 8, 255, 2)
    return image


def test_without_variations_the_digit_is_unchanged():
    images = np.stack([_bar(), _ring()])
    assert np.array_equal(augment(images, np.random.default_rng(0), Augmentation(**_STILL)), images)


def test_the_same_generator_state_gives_the_same_digits_and_another_does_not():
    images = np.stack([_bar(), _ring()] * 4)
    first = augment(images, np.random.default_rng(5))
    assert np.array_equal(first, augment(images, np.random.default_rng(5)))
    assert not np.array_equal(first, augment(images, np.random.default_rng(6)))


def test_a_pen_lift_takes_a_short_cut_of_the_stroke_and_adds_nothing():
    bar = _bar()
    spec = Augmentation(**{**_STILL, "pen_lift": 1.0})
    for seed in range(20):
        lifted = augment(bar[None], np.random.default_rng(seed), spec)[0]
        removed = np.count_nonzero(bar) - np.count_nonzero(lifted)
        assert not (lifted > bar).any()
        # At most a 10-pixel cut, 2 pixels wide (and its antialiased ends), never the whole bar.
        assert 1 <= removed <= 30, (seed, removed)


@pytest.mark.parametrize("name", ["pen_lift", "marker", "fine_pen"])
def test_new_variations_are_probabilities(name):
    with pytest.raises(ConfigError, match=name):
        Augmentation(**{name: 1.5})


def test_a_marker_stroke_is_two_pixels_wider_and_keeps_the_digit():
    bar = _bar()
    thick = augment(bar[None], np.random.default_rng(0), Augmentation(**{**_STILL, "marker": 1.0}))[0]
    assert (thick >= bar).all()
    assert np.count_nonzero(thick[10]) == np.count_nonzero(bar[10]) + 2


def test_a_digit_cut_from_a_touching_neighbour_keeps_only_a_stub_of_it():
    ring = _ring()
    neighbour = np.zeros((28, 28), np.uint8)
    neighbour[4:24, 6:22] = 255  # a broad block: any overlap would show much of it
    with_stub = 0
    for seed in range(40):
        canvas = _beside_and_cut(ring, neighbour, np.random.default_rng(seed))
        assert canvas.shape == (28, 84)
        assert int(canvas.sum()) <= int(ring.sum()) + 0.15 * int(neighbour.sum())
        # The cut may pass a little into the digit, never through most of it.
        assert int(canvas.sum()) >= 0.7 * int(ring.sum())
        right_edge = 28 + 14 + 8 + 1  # the ring's rightmost column, in the canvas
        with_stub += bool(canvas[:, right_edge + 1 :].any())
    assert with_stub >= 10  # most draws do show a stub


def test_a_pair_overlaps_deeply_but_neither_digit_hides_inside_the_other():
    ring, bar = _ring(), _bar()
    ring_width, bar_width = 19, 2  # ink columns of each
    widths = {}
    for second, second_width in ((ring, ring_width), (bar, bar_width)):
        spans = []
        for seed in range(60):
            canvas = _pair_of(ring, second, np.random.default_rng(seed))
            columns = np.flatnonzero(canvas.any(axis=0))
            spans.append(int(columns[-1] - columns[0] + 1))
        widths[second_width] = spans
    # Two rings overlap by up to PAIR_OVERLAP of a 20-pixel height (never more than half a ring) ...
    assert min(widths[ring_width]) >= ring_width + ring_width - ring_width // 2
    assert min(widths[ring_width]) <= 2 * ring_width - int(0.3 * 20) < 2 * ring_width - int(0.2 * 20)
    assert max(widths[ring_width]) <= 2 * ring_width + 4  # ... or stand apart by a fifth at most
    # ... and a bar beside a ring always stands out of it by at least half its width.
    assert min(widths[bar_width]) >= ring_width + bar_width - bar_width // 2
    assert PAIR_OVERLAP > 0.2


def test_touching_crops_are_mnist_style_digits_on_either_side():
    images = np.stack([_ring()] * 8)
    crops = cut_from_touching(images, np.stack([_bar()]), np.random.default_rng(0))
    assert crops.shape == images.shape and crops.dtype == np.uint8
    assert all(crop.any() for crop in crops)
    # Centred by mass like every crop the reader makes: the 20-pixel box stays inside the field.
    assert not crops[:, :2].any() and not crops[:, -2:].any()


def test_thinning_leaves_a_connected_line_one_pixel_wide():
    import cv2

    bar = np.zeros((40, 40), np.uint8)
    bar[5:35, 15:22] = 1  # 7 pixels wide
    ring = np.zeros((40, 40), np.uint8)
    cv2.circle(ring, (20, 20), 12, 1, 5)
    line, loop = thinned(bar), thinned(ring)
    assert (line <= bar).all() and (loop <= ring).all()
    assert all(np.count_nonzero(line[row]) == 1 for row in range(10, 30))
    assert cv2.connectedComponents(line)[0] == 2 and cv2.connectedComponents(loop)[0] == 2  # background + one
    # The ring stays a closed loop: its inside is still a hole of its own.
    assert cv2.connectedComponents(1 - loop, connectivity=4)[0] == 3


def test_a_stack_of_masks_is_thinned_each_as_it_would_be_alone():
    import cv2

    # Strokes up to the masks' borders (where a mosaic's neighbours would touch), a full mask
    # that takes the most passes, an empty one, and a thick bar.
    masks = np.zeros((4, 30, 30), np.uint8)
    cv2.circle(masks[0], (15, 15), 14, 1, 5)
    masks[1] = 1
    masks[3, :, 10:20] = 1
    stacked = thinned(masks)
    assert stacked.shape == masks.shape
    for mask, line in zip(masks, stacked):
        assert np.array_equal(line, thinned(mask))
    assert masks[1].all()  # the input is left as it was


def test_a_fine_pen_digit_looks_alike_whatever_the_pen_width_it_was_written_with():
    import cv2

    def ring(width: int) -> np.ndarray:
        image = np.zeros((28, 28), np.uint8)
        cv2.circle(image, (14, 14), 8, 255, width)
        return image

    thin, thick = ring(1), ring(4)
    spec = Augmentation(**{**_STILL, "fine_pen": 1.0})
    drawn_thin, drawn_thick = (augment(r[None], np.random.default_rng(0), spec)[0] for r in (thin, thick))
    before = np.abs(thin.astype(int) - thick.astype(int)).sum()
    after = np.abs(drawn_thin.astype(int) - drawn_thick.astype(int)).sum()
    assert after < 0.35 * before, (after, before)
    # Drawn as MNIST's pen would be: a stroke 2 to 4 pixels wide across the ring's right side.
    assert 2 <= np.count_nonzero(drawn_thick[14, 14:] > 127) <= 4
