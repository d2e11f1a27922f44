"""Digit finding and MNIST-style preprocessing, on synthetic frames; property tests for robustness."""

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from benchmarks.scenes import render_scene
from core.contract import ModelMetadata
from runtime.config import FindOptions, Polarity
from runtime.errors import InputError
from runtime.preprocess import find_digits, mnist_style, to_gray
from runtime.reader import Digit, on_one_line, read_digits


def _stroke_digit() -> np.ndarray:
    """A 28×28 white-on-black '7' drawn with lines."""
    digit = np.zeros((28, 28), np.uint8)
    cv2.line(digit, (7, 6), (21, 6), 255, 3)
    cv2.line(digit, (21, 6), (11, 23), 255, 3)
    return digit


def test_mnist_style_fits_20_pixels_and_centres_the_mass():
    ink = np.zeros((90, 40), np.uint8)
    cv2.rectangle(ink, (5, 5), (34, 84), 200, 6)
    digit = mnist_style(ink)
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    rows, cols = np.nonzero(digit > 30)
    assert rows.max() - rows.min() + 1 <= 22 and cols.max() - cols.min() + 1 <= 12
    moments = cv2.moments(digit.astype(np.float32))
    assert moments["m10"] / moments["m00"] == pytest.approx(14, abs=0.6)
    assert moments["m01"] / moments["m00"] == pytest.approx(14, abs=0.6)
    assert digit.max() == 255


def test_mnist_style_of_nothing_is_black():
    assert not mnist_style(np.zeros((10, 10), np.uint8)).any()


@pytest.mark.parametrize("count", [1, 3, 5])
def test_find_digits_finds_each_written_digit_left_to_right(count):
    rng = np.random.default_rng(count)
    scene = render_scene(np.stack([_stroke_digit()] * count), np.full(count, 7), rng)
    found = find_digits(scene.image)
    assert len(found) == count
    for candidate, (x, y, w, h) in zip(found, scene.boxes, strict=True):
        cx, cy = candidate.box[0] + candidate.box[2] / 2, candidate.box[1] + candidate.box[3] / 2
        assert x <= cx <= x + w and y <= cy <= y + h
        assert candidate.image.shape == (28, 28) and candidate.image.max() == 255


def test_blank_page_gives_no_candidate():
    scene = render_scene(np.zeros((0, 28, 28), np.uint8), np.zeros(0), np.random.default_rng(5))
    assert find_digits(scene.image) == []


def test_light_on_dark_is_read_with_its_polarity_or_auto():
    scene = render_scene(np.stack([_stroke_digit()] * 2), np.full(2, 7), np.random.default_rng(2))
    inverted = 255 - scene.image
    for polarity in (Polarity.LIGHT_ON_DARK, Polarity.AUTO):
        found = find_digits(inverted, FindOptions(polarity=polarity))
        assert len(found) == 2, polarity
        for candidate, box in zip(found, scene.boxes, strict=True):
            assert abs(candidate.box[0] - box[0]) <= 4 and abs(candidate.box[1] - box[1]) <= 4
    upright = [c.image for c in find_digits(scene.image)]
    for mine, theirs in zip(upright, find_digits(inverted, FindOptions(polarity=Polarity.AUTO)), strict=True):
        assert np.mean(np.abs(mine.astype(int) - theirs.image.astype(int))) < 20


def test_digit_cut_by_the_frame_edge_is_dropped():
    frame = np.full((200, 300), 220, np.uint8)
    cv2.line(frame, (1, 20), (1, 120), 20, 6)  # touches the left edge
    cv2.line(frame, (150, 40), (150, 140), 20, 6)
    boxes = [candidate.box for candidate in find_digits(frame)]
    assert len(boxes) == 1 and boxes[0][0] > 100


def test_straight_one_is_a_digit():
    frame = np.full((200, 300), 220, np.uint8)
    cv2.line(frame, (150, 40), (150, 140), 20, 6)
    assert len(find_digits(frame)) == 1


def test_solid_blob_and_wide_bar_are_not_digits():
    frame = np.full((240, 320), 220, np.uint8)
    cv2.rectangle(frame, (40, 60), (100, 140), 20, -1)  # a solid square
    cv2.rectangle(frame, (140, 100), (300, 112), 20, -1)  # a pen lying flat
    assert find_digits(frame) == []


def test_gray_rgb_and_bgra_frames_are_all_read():
    scene = render_scene(np.stack([_stroke_digit()] * 2), np.full(2, 7), np.random.default_rng(9))
    gray = cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY)
    for frame in (gray, gray[..., None], scene.image[..., ::-1], cv2.cvtColor(scene.image, cv2.COLOR_BGR2BGRA)):
        assert len(find_digits(frame)) == 2


def test_one_line_rule():
    def digit(y):
        return Digit(1, "1", 0.9, (0, y, 10, 40))

    assert on_one_line((digit(100), digit(110), digit(95)))
    assert not on_one_line((digit(100), digit(200)))


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((4, 4), np.uint8), "too small"),
        (np.zeros((50, 50, 2), np.uint8), "gray or colour"),
        (np.zeros((50,), np.uint8), "gray or colour"),
        (np.zeros((50, 50), np.int64), "uint8, uint16, bool or float"),
        (np.full((50, 50), 3.0), r"\[0, 1\]"),
        (np.full((50, 50), np.nan, np.float32), r"\[0, 1\]"),
    ],
)
def test_unreadable_arrays_are_clear_errors(image, message):
    with pytest.raises(InputError, match=message):
        to_gray(image)


_dtypes = st.sampled_from([np.uint8, np.uint16, np.int16, np.int64, np.float32, np.float64, np.bool_])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hnp.arrays(dtype=_dtypes, shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=70)))
def test_any_array_gives_candidates_or_a_clear_error(array):
    try:
        candidates = find_digits(array)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    for candidate in candidates:
        assert candidate.image.shape == (28, 28) and candidate.image.dtype == np.uint8
        x, y, w, h = candidate.box
        assert w > 0 and h > 0 and x >= 0 and y >= 0


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.uint8, st.tuples(st.integers(8, 120), st.integers(8, 160), st.sampled_from([1, 3, 4]))),
    st.sampled_from(list(Polarity)),
)
def test_any_uint8_frame_gives_valid_mnist_digits(frame, polarity):
    for candidate in find_digits(frame, FindOptions(polarity=polarity)):
        assert not np.isnan(candidate.image.astype(np.float32)).any()
        assert candidate.image.shape == (28, 28)


@settings(max_examples=80, deadline=None)
@given(hnp.arrays(np.uint8, st.tuples(st.integers(1, 60), st.integers(1, 60))))
def test_mnist_style_of_any_crop_is_a_28x28_digit(crop):
    digit = mnist_style(crop)
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    if not crop.any():
        assert not digit.any()


def test_missing_opencv_names_the_extra_to_install(monkeypatch):
    import sys

    from runtime import opencv

    monkeypatch.setitem(sys.modules, "cv2", None)  # what an install without OpenCV looks like
    monkeypatch.setattr(opencv, "_module", None)  # ...in a process that never imported it
    with pytest.raises(InputError, match=r"needs OpenCV .*cnnkit\[camera\]"):
        find_digits(np.zeros((50, 50), np.uint8))


@pytest.mark.parametrize(
    "options",
    [{"min_height": 0.5, "max_height": 0.4}, {"min_contrast": 300}, {"plain_min_contrast": -1}, {"min_density": float("nan")}, {"working_size": 0}],
)
def test_find_options_refuse_impossible_values(options):
    from core.errors import ConfigError

    with pytest.raises(ConfigError):
        FindOptions(**options)


@settings(max_examples=60, deadline=None)
@example(10, 20000, None, 200).via("a 2000:1 strip once made OpenCV's resize assert")
@given(
    st.integers(1, 30000),
    st.integers(1, 30000),
    st.sampled_from([None, 1, 3, 4]),
    st.integers(0, 255),
)
def test_read_digits_answers_or_refuses_in_one_line_for_any_shape(height, width, channels, value):
    """Extreme sizes and aspect ratios: a reading or an InputError, never an OpenCV assertion."""

    assume(height * width <= 2_000_000)

    shape = (height, width) if channels is None else (height, width, channels)
    image = np.full(shape, value, np.uint8)
    try:
        reading = read_digits(image, _FixedModel())
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc)
    else:
        assert all(0 <= digit.box[0] < width for digit in reading.digits)


class _FixedModel:
    """Stands in for a model: every crop reads as a sure 1 (only the shapes matter here)."""

    class_names = tuple("0123456789")

    def predict(self, images):
        out = np.zeros((len(images), 10), np.float32)
        out[:, 1] = 1.0
        return out


@given(
    hnp.arrays(
        st.sampled_from([np.uint8, np.float32]),
        st.integers(1, 400),
        elements=st.integers(0, 255),
    )
)
def test_median_is_numpys_median_to_the_bit(values):
    from runtime.preprocess import median

    ours, numpys = median(values), np.median(values)
    assert ours == numpys and np.asarray(ours).dtype == np.asarray(numpys).dtype
    if values.dtype == np.uint8:  # how the reader uses it: a bridge's ink level (two middles average down)
        assert np.uint8(ours) == np.uint8(numpys)


class _UnsureModel:
    """Reads every crop as a 7 with the given probability, the rest spread evenly over the other classes."""

    class_names = tuple("0123456789")

    def __init__(self, top: float, learnt_non_digits: bool | None) -> None:
        self.top = top
        self.metadata = ModelMetadata(learnt_non_digits=learnt_non_digits)

    def predict(self, images):
        out = np.full((len(images), 10), (1.0 - self.top) / 9, np.float32)
        out[:, 7] = self.top
        return out


@pytest.mark.parametrize(
    ("top", "learnt_non_digits", "reported"),
    [(0.4, True, True), (0.25, True, False), (0.1, True, False), (0.4, False, False), (0.4, None, False), (0.6, None, True)],
)
def test_a_model_that_learnt_non_digits_is_trusted_lower(top, learnt_non_digits, reported):
    # A digit written oddly often reads at 0.3-0.5 with a model that learnt non-digits as every
    # class alike (0.1 each), which keeps such non-digits out; other models keep 0.5.
    frame = np.full((200, 300), 220, np.uint8)
    cv2.line(frame, (130, 50), (170, 50), 20, 6)
    cv2.line(frame, (170, 50), (145, 140), 20, 6)
    reading = read_digits(frame, _UnsureModel(top, learnt_non_digits))
    assert [digit.name for digit in reading.digits] == (["7"] if reported else [])
