"""New handwriting from MNIST's own: random geometry, elastic wobble, stroke width, pen lifts and blur.

MNIST's 500 writers are not everyone: other people slant, stretch, wobble and write with
thicker or thinner pens. Each training image is redrawn on the fly as one of those hands
would have written it, so the network learns shapes rather than MNIST's habits. Every
variation is made from MNIST itself (never from rendered fonts).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from core.errors import ConfigError

_SIZE = 28
_CENTRE = (_SIZE - 1) / 2
_ELASTIC_GRID = 4


@dataclass(frozen=True)
class Augmentation:
    """How far each variation may go.

    Attributes:
        rotation: Largest rotation, degrees either way.
        shear: Largest horizontal shear (slant), either way.
        scale: Smallest and largest zoom; each axis drawn separately within ``aspect``.
        aspect: Largest ratio between the horizontal and the vertical zoom.
        shift: Largest translation in pixels, each axis.
        elastic: Probability of an elastic wobble (after Simard et al. 2003): each pixel moves by
            up to ``elastic_alpha`` pixels, smoothly (random on a 4×4 grid, interpolated).
        thicken, thin: Probabilities of a dilated or eroded stroke.
        marker: Probability of a stroke as thick as a felt-tip marker's (dilated by a pixel each side).
        fine_pen: Probability of the digit as a fine pen would draw it, seen as the page reader
            shows it: the stroke's one-pixel centre line (at twice the resolution), widened back
            to MNIST's pen width and centred by :func:`runtime.preprocess.mnist_style`. A fine
            pen's strokes are even where MNIST's are not; the reader widens them evenly.
        pen_lift: Probability of a gap where the pen left the paper: a short cut, 1–2 pixels
            wide and 3–10 long at any angle, through one point of the stroke.
        blur: Probability of a slight Gaussian blur.
    """

    rotation: float = 12.0
    shear: float = 0.3
    scale: tuple[float, float] = (0.85, 1.05)
    aspect: float = 1.12
    shift: float = 2.0
    elastic: float = 0.5
    elastic_alpha: float = 1.8
    thicken: float = 0.15
    thin: float = 0.15
    marker: float = 0.1
    fine_pen: float = 0.15
    pen_lift: float = 0.2
    blur: float = 0.15

    def __post_init__(self) -> None:
        for name in ("elastic", "thicken", "thin", "marker", "fine_pen", "pen_lift", "blur"):
            if not 0.0 <= getattr(self, name) <= 1.0:  # also false for NaN
                raise ConfigError(f"augmentation {name} is a probability in [0, 1], got {getattr(self, name)}")
        low, high = self.scale
        if not (0.0 < low <= high and self.aspect >= 1.0):
            raise ConfigError(f"augmentation scale must be 0 < low <= high and aspect >= 1, got {self.scale}, {self.aspect}")
        if not all(value >= 0.0 for value in (self.rotation, self.shear, self.shift, self.elastic_alpha)):
            raise ConfigError("augmentation rotation, shear, shift and elastic_alpha must be non-negative numbers")


def augment(images: np.ndarray, rng: np.random.Generator, spec: Augmentation = Augmentation()) -> np.ndarray:
    """Redraw each digit as another writer might have written it.

    Args:
        images: uint8 (N, 28, 28), white ink on black, as MNIST.
        rng: Source of every random choice (the same state gives the same images).
        spec: How far each variation may go.

    Returns:
        uint8 (N, 28, 28), the same digits, varied.
    """
    import cv2

    if images.ndim != 3 or images.shape[1:] != (_SIZE, _SIZE) or images.dtype != np.uint8:
        raise ValueError(f"augment draws uint8 (N, {_SIZE}, {_SIZE}) digits, got {images.dtype} {images.shape}")
    count = len(images)
    angle = np.deg2rad(rng.uniform(-spec.rotation, spec.rotation, count))
    shear = rng.uniform(-spec.shear, spec.shear, count)
    zoom = rng.uniform(*spec.scale, count)
    stretch = np.exp(rng.uniform(-np.log(spec.aspect), np.log(spec.aspect), count))
    shift = rng.uniform(-spec.shift, spec.shift, (count, 2))
    elastic = rng.random(count) < spec.elastic
    thicken = rng.random(count) < spec.thicken
    thin = ~thicken & (rng.random(count) < spec.thin / (1 - spec.thicken))
    blur = rng.random(count) < spec.blur
    marker = rng.random(count) < spec.marker
    lift = rng.random(count) < spec.pen_lift
    fine = rng.random(count) < spec.fine_pen
    lift_where, lift_angle = rng.random(count), rng.uniform(0, np.pi, count)
    lift_length, lift_width = rng.uniform(3, 10, count), rng.integers(1, 3, count)
    # Where each output pixel comes from: the inverse of zoom·rotate·shear, then the shift (all at once).
    cos, sin = np.cos(angle), np.sin(angle)
    forward = np.stack([np.stack([cos, cos * shear - sin], -1), np.stack([sin, sin * shear + cos], -1)], -2)
    forward = forward * np.stack([zoom * stretch, zoom / stretch], -1)[:, None, :]
    inverse = np.linalg.inv(forward).astype(np.float32)
    ys, xs = np.mgrid[0:_SIZE, 0:_SIZE].astype(np.float32) - _CENTRE
    dx = xs[None] - shift[:, 0, None, None].astype(np.float32)
    dy = ys[None] - shift[:, 1, None, None].astype(np.float32)
    maps = np.stack(
        [inverse[:, 0, 0, None, None] * dx + inverse[:, 0, 1, None, None] * dy,
         inverse[:, 1, 0, None, None] * dx + inverse[:, 1, 1, None, None] * dy],
        axis=-1,
    ) + np.float32(_CENTRE)
    if elastic.any():
        # A smooth random displacement: noise on a coarse grid, interpolated over the image.
        chosen = np.flatnonzero(elastic)
        coarse = rng.uniform(-1, 1, (len(chosen), 2, _ELASTIC_GRID, _ELASTIC_GRID)).astype(np.float32)
        upsample = _upsampling_matrix()
        fields = upsample @ coarse @ upsample.T  # (n, 2, 28, 28)
        maps[chosen] += fields.transpose(0, 2, 3, 1) * spec.elastic_alpha
    kernel = np.ones((2, 2), np.uint8)
    out = np.stack([cv2.remap(images[i], maps[i], None, cv2.INTER_LINEAR, borderValue=0) for i in range(count)])
    if fine.any():  # all at once: thinning is many passes of one filter, cheap over one mosaic
        out[fine] = _as_a_fine_pen(out[fine])
    # One pen each, the first that applies: a fine pen's, a marker's, a thicker or a thinner one.
    marker &= ~fine
    thicken &= ~fine & ~marker
    thin &= ~fine & ~marker & ~thicken
    for i in range(count):
        image = out[i]
        if marker[i]:
            image = cv2.dilate(image, _MARKER)
        elif thicken[i]:
            image = cv2.dilate(image, kernel)
        elif thin[i]:
            eroded = cv2.erode(image, kernel)
            image = eroded if eroded.max() > 64 else image  # never erase a thin digit entirely
        if lift[i]:
            image = _lift_pen(image, lift_where[i], lift_angle[i], lift_length[i], int(lift_width[i]))
        if blur[i]:
            image = cv2.GaussianBlur(image, (3, 3), 0.7)
        out[i] = image
    return out


def non_digits(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What a page reader must not take for a digit, made from MNIST digits and shaped as the reader shapes crops.

    About half are the smaller piece of one digit cut upright or slanted at 30–70% of its
    width, or across at 30–70% of its height (never a lone upright bar: that is a "1");
    the rest are two digits side by side, from overlapping by up to 0.6 of their height
    (at most half the narrower one's width) to apart by a fifth. Each is cropped to its ink
    and centred as :func:`runtime.preprocess.mnist_style` centres what a camera finds, so the network
    learns to be unsure about exactly what a wrong split or join would show it.

    Args:
        images: uint8 (N, 28, 28) digits, white on black; two are used per pair.
        rng: Source of every random choice.

    Returns:
        uint8 (N, 28, 28).
    """
    out = np.zeros_like(images)
    for i, image in enumerate(images):
        crop = _piece_of(image, rng) if rng.random() < 0.5 else None
        if crop is None:  # a pair, or a piece that would pass for a "1"
            crop = _pair_of(image, images[int(rng.integers(len(images)))], rng)
        out[i] = _as_the_reader_crops(crop)
    return out


def cut_from_touching(images: np.ndarray, others: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each digit as the page reader crops it from a neighbour it touches: with a stub of that neighbour.

    The neighbour (one of ``others``) stands left or right, touching or overlapping by up to
    a quarter of the digit's height; a straight cut, slanted up to 0.3, passes near the
    digit's edge on that side (a little into the neighbour or into the digit), and the
    digit's side is cropped and centred as :func:`runtime.preprocess.mnist_style` does. The
    label stays the digit's: the network learns that a stub at the side does not change it.

    Args:
        images: uint8 (N, 28, 28) digits, white on black.
        others: uint8 (M, 28, 28) digits to stand beside them.
        rng: Source of every random choice.

    Returns:
        uint8 (N, 28, 28).
    """
    out = np.empty_like(images)
    for i, image in enumerate(images):
        right = rng.random() < 0.5
        neighbour = others[int(rng.integers(len(others)))]
        if right:
            kept = _beside_and_cut(image, neighbour, rng)
        else:  # the same, mirrored
            kept = _beside_and_cut(image[:, ::-1], neighbour[:, ::-1], rng)[:, ::-1]
        out[i] = _as_the_reader_crops(kept)
    return out


def _beside_and_cut(digit: np.ndarray, neighbour: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """uint8 (28, 84): ``digit`` in the middle third, cut near its right edge from a neighbour touching it.

    The neighbour's stub is at most 15% of its ink and 20% of the digit's (a thin "1" fits
    whole in an overlap: then, after three tries, the digit stands alone).
    """
    ax, ay, aw, ah = _ink_box(digit)
    bx, _, _, _ = _ink_box(neighbour)
    edge = _SIZE + ax + aw  # just right of the digit's ink
    ys, xs = _WIDE_GRID
    alone = _framed_at(digit, _SIZE, 0)
    for _ in range(3):
        overlap = int(round(rng.uniform(0.0, 0.25) * ah))
        beside = _framed_at(neighbour, edge - overlap - bx, int(rng.integers(-2, 3)))
        cut = xs < edge + rng.uniform(-0.12, 0.08) * ah + rng.uniform(-0.3, 0.3) * (ys - (ay + ah / 2))
        stub = int(beside[cut].sum())
        if stub <= 0.15 * int(neighbour.sum()) and stub <= 0.2 * int(digit.sum()):
            return np.where(cut, np.maximum(alone, beside), 0).astype(np.uint8)
    return alone


# Touching digits written in a hurry overlap deeply (a font's "85" by a third of a height); a
# network that never saw such a pair reads the pair surely as one of its digits. On the tuning
# pages (seeds 0-2), fonts' multi-digit numbers: 79.7% with 0.2, 80.9% with 0.45, 81.4% with 0.6.
PAIR_OVERLAP = 0.6

_GRID = np.mgrid[0:_SIZE, 0:_SIZE]
_ROWS = np.arange(_SIZE)
_MARKER = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.uint8)
_WIDE_GRID = np.mgrid[0:_SIZE, 0 : 3 * _SIZE]


def _lift_pen(image: np.ndarray, where: float, angle: float, length: float, width: int) -> np.ndarray:
    """Cut a short gap through the stroke at the ``where``-th fraction of its solid pixels."""
    import cv2

    ys, xs = np.nonzero(image > 127)
    if not len(ys):
        return image
    at = int(where * len(ys))
    dx, dy = np.cos(angle) * length / 2, np.sin(angle) * length / 2
    cut = image.copy()
    # Drawn at 4× sub-pixel precision so that short cuts at any angle stay straight.
    ends = [(int(round((xs[at] + sx * dx) * 4)), int(round((ys[at] + sx * dy) * 4))) for sx in (-1, 1)]
    cv2.line(cut, ends[0], ends[1], 0, width, cv2.LINE_8, 2)
    return cut


def _as_a_fine_pen(images: np.ndarray) -> np.ndarray:
    """Each digit's centre line (Zhang–Suen thinning at twice the size), as the page reader would show it.

    uint8 (N, 28, 28) in and out; a digit with no centre line stays as it was.
    """
    import cv2

    large = np.stack([cv2.resize(image, (2 * _SIZE, 2 * _SIZE), interpolation=cv2.INTER_LINEAR) for image in images])
    peaks = large.reshape(len(large), -1).max(axis=1).astype(np.float64)
    lines = thinned((large >= 0.5 * peaks[:, None, None]).astype(np.uint8)) * np.uint8(255)
    return np.stack([_as_the_reader_crops(line) if line.any() else image for line, image in zip(lines, images)])


def thinned(binary: np.ndarray) -> np.ndarray:
    """The one-pixel centre line of a stroke mask (Zhang & Suen 1984), or of each of a stack of masks.

    Args:
        binary: uint8 (H, W) or (N, H, W), 1 on the stroke, 0 elsewhere.

    Returns:
        uint8 of the same shape, 1 on the centre line: each pass is a filter and two table
        lookups, and passes stop when one removes nothing (each peels a layer off every stroke).
        A stack is thinned as one mosaic, each mask framed by a zero pixel (the filter reaches
        one pixel), so each comes out exactly as it would alone.
    """
    if binary.ndim == 3:
        count, height, width = binary.shape
        mosaic = np.zeros((height + 2, count * (width + 1) + 1), np.uint8)
        tiles = mosaic[1:-1, 1:].reshape(height, count, width + 1)[:, :, :width]
        tiles[...] = binary.transpose(1, 0, 2)
        _thinned(mosaic, max(height, width))  # in place: ``tiles`` sees the lines
        return tiles.transpose(1, 0, 2).copy()
    return _thinned(binary.copy(), max(binary.shape))


def _thinned(image: np.ndarray, passes: int) -> np.ndarray:
    """Zhang–Suen on ``image`` in place, at most ``passes`` passes; returns it."""
    import cv2

    for _ in range(passes):
        before = cv2.countNonZero(image)
        for kept in _ZHANG_SUEN_KEPT:
            # Each pixel's 8 neighbours as one byte (north = 1, then clockwise), looked up at once.
            code = cv2.filter2D(image, cv2.CV_8U, _NEIGHBOUR_WEIGHTS, borderType=cv2.BORDER_CONSTANT)
            cv2.bitwise_and(image, cv2.LUT(code, kept), dst=image)
        if cv2.countNonZero(image) == before:
            break
    return image


# Weights of the 8 neighbours (filter2D correlates: the top-middle weight is the pixel above).
_NEIGHBOUR_WEIGHTS = np.array([[128, 1, 2], [64, 0, 4], [32, 16, 8]], np.float32)


def _zhang_suen_tables() -> tuple[np.ndarray, np.ndarray]:
    """Per neighbour byte: 1 where Zhang–Suen's first (then second) sub-pass removes the pixel."""
    tables = np.zeros((2, 256), np.uint8)
    for code in range(256):
        p2, p3, p4, p5, p6, p7, p8, p9 = ((code >> bit) & 1 for bit in range(8))
        ring = (p2, p3, p4, p5, p6, p7, p8, p9, p2)
        neighbours = sum(ring[:-1])
        transitions = sum(a == 0 and b == 1 for a, b in zip(ring[:-1], ring[1:]))
        if 2 <= neighbours <= 6 and transitions == 1:
            tables[0, code] = p2 * p4 * p6 == 0 and p4 * p6 * p8 == 0
            tables[1, code] = p2 * p4 * p8 == 0 and p2 * p6 * p8 == 0
    return tables[0], tables[1]


# Per neighbour byte: 0 where a sub-pass removes the pixel, else 1 (cv2.LUT's table).
_ZHANG_SUEN_KEPT = tuple(1 - table for table in _zhang_suen_tables())


@functools.cache
def _upsampling_matrix() -> np.ndarray:
    """float32 (28, 4): bicubic interpolation from the coarse elastic grid to the image's pixels."""
    import cv2

    unit = np.eye(_ELASTIC_GRID, dtype=np.float32)
    return np.stack(
        [cv2.resize(unit[:, [a]], (1, _SIZE), interpolation=cv2.INTER_CUBIC)[:, 0] for a in range(_ELASTIC_GRID)], axis=1
    )


def _ink_box(image: np.ndarray) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the pixels brighter than 40; the whole image where there are none."""
    import cv2

    x, y, w, h = cv2.boundingRect(cv2.threshold(image, 40, 255, cv2.THRESH_BINARY)[1])
    if not w:
        return 0, 0, image.shape[1], image.shape[0]
    return x, y, w, h


def _piece_of(image: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """The smaller side of a cut through the digit, or None where that side is a lone bar."""
    x, y, w, h = _ink_box(image)
    ys, xs = _GRID
    if rng.random() < 0.7:  # cut between left and right, perhaps slanted
        shear = rng.uniform(-0.3, 0.3)
        cut = x + rng.uniform(0.3, 0.7) * w
        left = (xs - shear * (ys - (y + h / 2))) < cut
    else:  # cut between top and bottom
        left = ys < y + rng.uniform(0.3, 0.7) * h
    piece = np.where(left, image, 0).astype(np.uint8)
    if int(piece.sum()) > int(image.sum()) // 2:
        piece = np.where(left, 0, image).astype(np.uint8)
    _, _, pw, ph = _ink_box(piece)
    return None if pw < 0.35 * ph else piece


def _pair_of(first: np.ndarray, second: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """uint8 (28, 84): two digits side by side, overlapping by up to PAIR_OVERLAP of a height or apart by a fifth.

    The overlap is at most half the narrower digit's width: a "1" drawn inside a "0" is a
    crossed "0", not a pair.
    """
    ax, _, aw, _ = _ink_box(first)
    bx, _, bw, _ = _ink_box(second)
    gap = max(int(round(rng.uniform(-PAIR_OVERLAP, 0.2) * 20)), -(min(aw, bw) // 2))
    second_framed = _framed_at(second, _SIZE + ax + aw + gap - bx, int(rng.integers(-2, 3)))
    return np.maximum(_framed_at(first, _SIZE, 0), second_framed)


def _framed_at(digit: np.ndarray, offset: int, vertical: int) -> np.ndarray:
    """uint8 (28, 84): ``digit``'s 28×28 frame starting at column ``offset`` (kept on the canvas), moved ``vertical`` rows down."""
    canvas = np.zeros((_SIZE, 3 * _SIZE), np.uint8)
    offset = min(max(int(offset), 0), 2 * _SIZE)
    canvas[:, offset : offset + _SIZE] = digit[(_ROWS - vertical) % _SIZE] if vertical else digit  # rows roll round
    return canvas


def _as_the_reader_crops(canvas: np.ndarray) -> np.ndarray:
    """uint8 (28, 28): the canvas's ink cropped and centred as :func:`runtime.preprocess.mnist_style` centres a camera's."""
    from runtime.preprocess import mnist_style

    x, y, w, h = _ink_box(canvas)
    return mnist_style(canvas[y : y + h, x : x + w])
