"""From a camera frame or a photo of handwriting to MNIST-style 28×28 digits.

The steps follow how MNIST itself was made: find each digit, crop it tightly,
scale its longer side to 20 pixels keeping the aspect ratio, and place it in a
28×28 field so that its centre of mass is at the centre. OpenCV does the image
work and is imported inside the functions, so loading a model and predicting on
28×28 arrays needs only numpy and an interpreter.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from runtime import opencv
from runtime.errors import InputError

MNIST_SIZE = 28
MNIST_BOX = 20
_STROKE_SATURATION = 0.6  # ink at 60% of a digit's peak and above becomes full white


class Polarity(str, enum.Enum):
    """Which way round ink and paper are."""

    AUTO = "auto"  # decided per frame from its brightness
    DARK_ON_LIGHT = "dark-on-light"  # pen on paper
    LIGHT_ON_DARK = "light-on-dark"  # chalk on a board, MNIST itself


@dataclass(frozen=True)
class FindOptions:
    """How :func:`find_digits` decides what is a digit.

    Attributes:
        polarity: Ink on paper (default), or light on dark, or decide per frame.
        min_contrast: Smallest ink-to-paper difference (0–255) that counts as ink.
        min_height: Smallest digit height as a fraction of the frame's shorter side.
        max_height: Largest digit height as a fraction of the frame's shorter side.
        max_aspect: Widest width/height ratio of a digit.
        min_density: Smallest share of ink in a digit's box.
        max_density: Largest share of ink in the box of a digit wider than a third of its height
            (solid blobs are not digits; a straight "1" may fill its narrow box).
        working_size: Frames are read at most this many pixels on the longer side.
    """

    polarity: Polarity = Polarity.DARK_ON_LIGHT
    min_contrast: int = 40
    min_height: float = 0.06
    max_height: float = 0.9
    max_aspect: float = 2.2
    min_density: float = 0.06
    max_density: float = 0.9
    working_size: int = 640


@dataclass(frozen=True, eq=False)
class DigitCandidate:
    """A region that may be a digit.

    Attributes:
        box: (x, y, width, height) in the pixels of the frame given to :func:`find_digits`.
        image: uint8 (28, 28), white ink on black, centred like an MNIST digit.
    """

    box: tuple[int, int, int, int]
    image: np.ndarray


def to_gray(image: np.ndarray) -> np.ndarray:
    """Any frame or photo → uint8 (H, W) gray.

    Accepts (H, W), (H, W, 1), (H, W, 3) (BGR or RGB: the gray differs by a few
    levels only) and (H, W, 4) (alpha dropped), as uint8, bool, uint16, or float
    in [0, 1].

    Raises:
        InputError: Another shape or dtype, an empty frame, or NaN/out-of-range floats.
    """
    cv2 = opencv.cv2()

    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise InputError(f"expected a gray or colour image (H, W[, 1|3|4]), got shape {array.shape}")
    if array.shape[0] < 8 or array.shape[1] < 8:
        raise InputError(f"image of {array.shape[1]}×{array.shape[0]} pixels is too small to hold a digit")
    array = _to_uint8(array)
    if array.ndim == 3:
        code = cv2.COLOR_BGR2GRAY if array.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        return cv2.cvtColor(np.ascontiguousarray(array), code)
    return np.ascontiguousarray(array)


def _to_uint8(array: np.ndarray) -> np.ndarray:
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if array.dtype == np.uint16:
        return (array >> 8).astype(np.uint8)
    if np.issubdtype(array.dtype, np.floating):
        low, high = float(np.min(array)), float(np.max(array))
        if not (0.0 <= low and high <= 1.0):  # also false for NaN
            raise InputError(f"float images must lie in [0, 1], got values from {low} to {high}")
        return np.round(array * 255.0).astype(np.uint8)
    raise InputError(f"images must be uint8, uint16, bool or float in [0, 1], got {array.dtype}")


def ink_map(gray: np.ndarray, polarity: Polarity) -> np.ndarray:
    """Ink strength per pixel (uint8, 0 = paper), with uneven lighting evened out.

    The paper's brightness is estimated on a small copy of the frame: a grey-level
    closing (for dark ink) wipes out strokes thinner than its kernel, a blur smooths
    the rest, and the difference to the frame is the ink.
    """
    cv2 = opencv.cv2()

    if polarity is Polarity.AUTO:
        # Paper fills most of a page: a dark median means light ink on a dark ground.
        polarity = Polarity.LIGHT_ON_DARK if np.median(gray[::4, ::4]) < 100 else Polarity.DARK_ON_LIGHT
    height, width = gray.shape
    scale = max(1, min(height, width) // 60)
    small = cv2.resize(gray, (max(1, width // scale), max(1, height // scale)), interpolation=cv2.INTER_AREA)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7))
    operation = cv2.MORPH_CLOSE if polarity is Polarity.DARK_ON_LIGHT else cv2.MORPH_OPEN
    background = cv2.blur(cv2.morphologyEx(small, operation, kernel), (5, 5))
    background = cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR)
    if polarity is Polarity.DARK_ON_LIGHT:
        return cv2.subtract(background, gray)
    return cv2.subtract(gray, background)


def find_digits(image: np.ndarray, options: FindOptions = FindOptions()) -> list[DigitCandidate]:
    """Find digit candidates in a frame or photo, left to right.

    Args:
        image: uint8 BGR, RGB or gray, any size (see :func:`to_gray` for the rest).
        options: Thresholds and polarity.

    Returns:
        Candidates sorted by their box's left edge; each image is MNIST-style.

    Raises:
        InputError: The image cannot be read as a picture.
    """
    cv2 = opencv.cv2()

    gray = to_gray(image)
    height, width = gray.shape
    # Work on a frame of at most `working_size` pixels: enough for digits, and bounded cost.
    factor = min(1.0, options.working_size / max(height, width))
    if factor < 1.0:
        gray = cv2.resize(gray, (round(width * factor), round(height * factor)), interpolation=cv2.INTER_AREA)
    ink = ink_map(gray, options.polarity)
    otsu, _ = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    _, binary = cv2.threshold(ink, max(float(otsu), float(options.min_contrast)), 255, cv2.THRESH_BINARY)
    # Bridge one-pixel breaks in thin or faint strokes, so that a digit stays one region.
    binary = cv2.dilate(binary, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    # Outer contours are what regions need here (boxes and outlines), and OpenCV finds them
    # several times faster than labelled components with statistics.
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes = [cv2.boundingRect(contour) for contour in contours]
    short_side = min(gray.shape)
    min_piece = max(4.0, (short_side * 0.01) ** 2)
    pieces = [index for index, (_, _, w, h) in enumerate(boxes) if w * h >= min_piece]
    candidates = []
    for members, (x, y, w, h) in _group_pieces(pieces, boxes):
        if not _fits_digit_shape(x, y, w, h, gray.shape, options):
            continue
        # The members' filled outlines, cut back to their ink: excludes neighbours inside the box.
        mask = np.zeros((h, w), np.uint8)
        cv2.drawContours(mask, [contours[i] for i in members], -1, 255, cv2.FILLED, offset=(-x, -y))
        mask &= binary[y : y + h, x : x + w]
        if not _has_digit_density(cv2.countNonZero(mask), w, h, options):
            continue
        crop = np.where(mask > 0, ink[y : y + h, x : x + w], 0).astype(np.uint8)
        box = (round(x / factor), round(y / factor), round(w / factor), round(h / factor))
        candidates.append(DigitCandidate(box=box, image=mnist_style(crop)))
    return sorted(candidates, key=lambda candidate: candidate.box[0])


def _group_pieces(
    pieces: list[int], boxes: list[tuple[int, int, int, int]]
) -> list[tuple[list[int], tuple[int, int, int, int]]]:
    """Join pieces of one broken digit: boxes that overlap in x and nearly touch in y.

    Args:
        pieces: Indices (into ``boxes``) of the regions large enough to count.
        boxes: (x, y, w, h) of every region.

    Returns:
        For each group, the indices of its pieces and its bounding box.
    """
    group_box = {i: boxes[i] for i in pieces}
    groups = {i: [i] for i in pieces}
    merged = True
    while merged:
        merged = False
        keys = sorted(groups, key=lambda k: group_box[k][0])
        for a_index, a in enumerate(keys):
            for b in keys[a_index + 1 :]:
                if _belong_together(group_box[a], group_box[b]):
                    groups[a] += groups.pop(b)
                    group_box[a] = _union(group_box[a], group_box.pop(b))
                    merged = True
                    break
            if merged:
                break
    return [(members, group_box[key]) for key, members in groups.items()]


def _belong_together(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    overlap_x = min(ax + aw, bx + bw) - max(ax, bx)
    overlap_y = min(ay + ah, by + bh) - max(ay, by)
    # A broken stroke: most of the narrower piece lies above or below the other, the two
    # share little height, and any gap between them is small. Two whole digits side by side
    # (even tilted, with overlapping boxes) share most of their height and stay apart.
    stacked = overlap_y <= 0.3 * min(ah, bh)
    return overlap_x >= 0.6 * min(aw, bw) and stacked and -overlap_y <= 0.35 * max(ah, bh)


def _union(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return x0, y0, x1 - x0, y1 - y0


def _fits_digit_shape(x: int, y: int, w: int, h: int, shape: tuple[int, int], options: FindOptions) -> bool:
    frame_h, frame_w = shape
    short_side = min(shape)
    if x == 0 or y == 0 or x + w >= frame_w or y + h >= frame_h:
        return False  # cut off by the frame edge: what the model would see is not the whole digit
    if not options.min_height * short_side <= h <= options.max_height * short_side:
        return False
    return w <= options.max_aspect * h


def _has_digit_density(ink_pixels: int, w: int, h: int, options: FindOptions) -> bool:
    density = ink_pixels / (w * h)
    # A "1" written straight fills its narrow box; only a wide region that is nearly solid is a blob.
    is_thin = w < 0.3 * h
    return density >= options.min_density and (is_thin or density <= options.max_density)


def mnist_style(ink: np.ndarray) -> np.ndarray:
    """A tight crop of ink (uint8, 0 = none) → uint8 (28, 28) centred by mass, as MNIST.

    The longer side becomes 20 pixels (aspect ratio kept), the ink is stretched to
    full strength, and the 20×20 box is placed so that its centre of mass is at the
    centre of the 28×28 field.
    """
    cv2 = opencv.cv2()

    height, width = ink.shape
    if height == 0 or width == 0 or not ink.any():
        return np.zeros((MNIST_SIZE, MNIST_SIZE), np.uint8)
    scale = MNIST_BOX / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    small = cv2.resize(ink, (new_w, new_h), interpolation=cv2.INTER_AREA).astype(np.float32)
    peak = float(small.max())
    # MNIST strokes are solid in the middle and soft at the edges: saturate the strongest ink.
    small = np.clip(small * (255.0 / (_STROKE_SATURATION * peak)), 0, 255) if peak > 0 else small
    field = np.zeros((MNIST_SIZE, MNIST_SIZE), np.float32)
    top, left = (MNIST_SIZE - new_h) // 2, (MNIST_SIZE - new_w) // 2
    field[top : top + new_h, left : left + new_w] = small
    moments = cv2.moments(field)
    if moments["m00"] > 0:
        shift_x = MNIST_SIZE / 2 - moments["m10"] / moments["m00"]
        shift_y = MNIST_SIZE / 2 - moments["m01"] / moments["m00"]
        matrix = np.float32([[1, 0, shift_x], [0, 1, shift_y]])
        field = cv2.warpAffine(field, matrix, (MNIST_SIZE, MNIST_SIZE), flags=cv2.INTER_LINEAR, borderValue=0)
    return np.clip(np.round(field), 0, 255).astype(np.uint8)
