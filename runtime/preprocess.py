"""From a camera frame or a photo of handwriting to MNIST-style 28×28 digits.

The steps follow how MNIST itself was made: find each digit, crop it tightly,
scale its longer side to 20 pixels keeping the aspect ratio, and place it in a
28×28 field so that its centre of mass is at the centre. OpenCV does the image
work and is imported inside the functions, so loading a model and predicting on
28×28 arrays needs only numpy and an interpreter.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from core.contract import IMAGE_SHAPE
from runtime import opencv
from runtime.config import FindOptions, Polarity
from runtime.errors import InputError

MNIST_SIZE = IMAGE_SHAPE[0]
MNIST_BOX = 20
# A strip longer than this shrinks to under a pixel across at the working size (and holds no page).
MAX_ASPECT_RATIO = 40
_STROKE_SATURATION = 0.6  # ink at 60% of a digit's peak and above becomes full white
# On plain paper sure ink is at least this many times the page's grain: a fine pen blurred by
# motion is sure ink on a quiet page, a shadow's mottle stays paper.
_GRAIN_TIMES = 4.0
_RELATIVE_INK_SCALE = 320.0  # ink = 320 × (paper − pixel) / paper: a pen at 80% darker saturates
_EDGE_INK_PIXELS = 2  # pixels of full-strength stroke on the frame's edge that make a region "cut off"
_EDGE_STROKE_SHARE = 0.8  # "full strength": this share of the region's typical (90th percentile) ink
_SQUARE_3 = np.ones((3, 3), np.uint8)
_SQUARE_5 = np.ones((5, 5), np.uint8)
# A page's edge (a page held up before a room, or lying on a desk) in the ink map's small copy
# (8 pixels of a 640×480 frame to a pixel, strokes closed away): a straight line at least this
# share of the copy's longer side (a digit's blob is shorter), found among pixels where the ground
# steps by this share of the brighter side within two pixels ...
_PAGE_EDGE_LENGTH = 0.3
_PAGE_EDGE_CANDIDATE = 0.04
# ... along which the ground steps one way by at least this share, along at least this share of
# the line (a room's uneven light makes it as bright as the page in places) ...
_PAGE_EDGE_CONTRAST = 0.07
_PAGE_EDGE_STEPPED = 0.5
# ... most of it within those two pixels (a shadow's edge is soft: the step goes on further out) ...
_PAGE_EDGE_SHARPNESS = 0.8
# ... with the page's ground on the frame centre's side filling this share of the frame (not the
# rim of a marker's blob), and the other ground reaching the frame's border along at least this
# share of the line's length (a room or a desk runs out of the frame; a blob on the page does not).
_PAGE_SHARE = 0.25
_ROOM_ON_BORDER = 0.5
_MOST_EDGES_JUDGED = 8  # the longest lines (a page has four edges; a frame's time is bounded)
_ALONG_EDGE = np.linspace(0.1, 0.9, 15)[:, None]  # where an edge is measured: 15 points along its middle
_ACROSS_EDGE = np.linspace(-3.0, 3.0, 13)  # small pixels across an edge where its step is located
# A strip of room along the frame's border: the small copy is this share darker than its closing
# there, along at least this share of the border.
_ROOM_STRIP_DARKER = 0.25
_ROOM_STRIP_ON_BORDER = 0.3
# Small pixels inside the page, along an edge, that are not read either: before a brighter room
# the small copy's brightness, stretched back over the step, spills onto the paper there.
_DARK_ROOM_BAND = 0.5
_BRIGHT_ROOM_BAND = 1.5
_BRIGHTER_SOMEWHERE = 0.2  # a room brighter along at least this share of the edge gets the wider band
# Hysteresis steps: each reaches 2 pixels further along a faint stroke. 16 reach a quarter of a
# typical digit: a fine pen blurred by motion is sure ink only in a few spots (4 steps found a
# faint "1" beside dark digits as a stub), while a shadow's edge or ruling is not followed
# across the page.
_HYSTERESIS_STEPS = 16
_THICK_PEN = 1.3  # strokes wider than this many MNIST pens (a marker's) are thinned towards one
_MNIST_PEN_WIDTH = 2.2  # pixels in the 20-pixel box: the median MNIST stroke (2 × area / outline)
# Share of the frame's width (height) a ruled line crosses at least: less across, where a line
# crossing a digit is cut in two and no digit is that wide; more upright, where a tall "1" stands.
_MIN_RULE_SPAN = {True: 0.4, False: 0.55}
_MIN_RULE_SEGMENT = 0.12  # a piece of a line cut by digits is at least this share of the frame
# A line of a regular ruling that crosses a row of digits is cut into pieces too short and too
# few to pass alone; where the paper's other lines say a line must be, these are enough.
_MIN_IN_STEP_PIECE = 0.04
_MIN_IN_STEP_SPAN = 0.15
_MIN_LINES_FOR_STEP = 3  # lines found alone before their spacing predicts the others
_EDGE_LINE_ASPECT = 0.2  # a region this thin for its length (on average) may be the rim of a page
_EDGE_BOX_ASPECT = 0.35  # ... if its box is this narrow: a slightly tilted rim, not a sparse digit
_RULING_LIKE = 1.6  # a thin piece at most this much stronger than the paper's ruling is a piece of it
_RULING_PIECE_ASPECT = 0.35  # a piece this thin for its length, along the ruling, may be a piece of it
_SHADOW_FLOOR = 0.5  # paper in a shadow keeps at least this share of the page's brightness (a desk does not)
_PEN_ON_PAPER = 0.9  # a digit's ink (its median) is at least 10% darker than the paper around it
_EDGE_CONTRAST = 0.25  # grounds on its two sides differing by this share are a page and a desk
# ... or by more than this share when the line is not darker than the darker ground by the
# second share of the brighter: a page before a room of about its brightness, a soft step, not a stroke.
_SOFT_EDGE_CONTRAST, _STROKE_DEPTH = 0.08, 0.05
# Ink on a ruled line stronger than this many times the line's own (its 75th percentile: the
# line is fainter in a shadow, and digits crossing it are a small share of it) is a pen's.
_LINE_INK_QUANTILE = 0.75
_STRONGER_THAN_LINE = 1.5
_RULE_CUT = 7  # half-resolution pixels: ink at least this thick across a line is a stroke on it
_MAX_RULE_THICKNESS = 12.0  # pixels: thicker long runs are strokes or bars, not paper ruling


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
    if max(array.shape[:2]) > MAX_ASPECT_RATIO * min(array.shape[:2]):
        raise InputError(
            f"image of {array.shape[1]}×{array.shape[0]} pixels is a strip; cnnkit reads images up to {MAX_ASPECT_RATIO}:1"
        )
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


def _quantile(values: np.ndarray, q: float) -> float:
    """The ``q`` quantile (nearest rank below) of uint8 values; np.percentile costs far more on a frame's budget.

    OpenCV counts the histogram in half the time numpy's bincount takes (which widens every value first).
    """
    counts = opencv.cv2().calcHist([np.ascontiguousarray(values)], [0], None, [256], [0, 256])
    cumulative = np.cumsum(counts.ravel().astype(np.int64))  # float32 counts are exact below 2**24
    return float(np.searchsorted(cumulative, q * (values.size - 1), side="right"))


def median(values: np.ndarray) -> np.floating:
    """``np.median`` of a 1-D array, the same value, without its generic machinery (tens of µs a call).

    A hard page asks for hundreds (each piece of ruling fitted, each broken digit bridged).
    """
    middle = len(values) // 2
    dtype = values.dtype.type if values.dtype.kind == "f" else np.float64  # np.median's dtype (a mean's)
    if len(values) % 2:
        return dtype(np.partition(values, middle)[middle])
    lower, upper = np.partition(values, [middle - 1, middle])[middle - 1 : middle + 1]
    return (dtype(lower) + dtype(upper)) / dtype(2)


def ink_map(gray: np.ndarray, polarity: Polarity) -> np.ndarray:
    """Ink strength per pixel (uint8, 0 = paper), with uneven lighting and shadows evened out.

    The paper's brightness is estimated on a small copy of the frame: a grey-level
    closing (for dark ink) wipes out strokes thinner than its kernel. Dark ink is
    measured relative to the paper around it, so a stroke in a shadow is as strong as
    one in the light; a desk or anything much darker than the page is not paper, and
    its texture is not taken for ink.
    """
    cv2 = opencv.cv2()

    if polarity is Polarity.AUTO:
        # Paper fills most of a page: a dark median means light ink on a dark ground.
        polarity = Polarity.LIGHT_ON_DARK if np.median(gray[::4, ::4]) < 100 else Polarity.DARK_ON_LIGHT
    height, width = gray.shape
    scale = max(1, min(height, width) // 60)
    # Averaging in two steps gives the same small copy; OpenCV's one-step area resize is slower.
    halved = gray if scale % 2 else cv2.resize(gray, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    small = cv2.resize(halved, (max(1, width // scale), max(1, height // scale)), interpolation=cv2.INTER_AREA)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7))
    if polarity is Polarity.LIGHT_ON_DARK:
        background = cv2.blur(cv2.morphologyEx(small, cv2.MORPH_OPEN, kernel), (5, 5))
        return cv2.subtract(gray, cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR))
    # No blur after the closing: a blur would carry the page's brightness over a desk's edge,
    # and the dark band it leaves there would look like a stroke.
    background = _room_strips_kept(small, cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel))
    edges = _page_edges(background)
    page = _quantile(background, 0.9)
    floor = max(1.0, 0.5 * page)
    to_frame = (width / background.shape[1], height / background.shape[0])
    background = cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR)
    darker = cv2.subtract(background, gray)
    # Relative to the paper (a shadow halves both), but never to less than half the page's
    # brightness: a dark desk's grain is not ink.
    divisor = cv2.max(background, min(255.0, floor))
    ink = cv2.divide(darker, divisor, scale=_RELATIVE_INK_SCALE)
    if edges:
        # Beyond a page's edge lies a room or a desk, not paper. (Not also what is darker than
        # half the page, as the last release did: a deep shadow on the page is, and its rim was
        # cut into specks.) OpenCV's masks: numpy's boolean indexing of a frame costs a millisecond.
        page_side = np.zeros((height, width), np.uint8)
        polygon = _page_polygon(edges, (height, width), to_frame)
        if len(polygon):
            cv2.fillPoly(page_side, [polygon], 255)
        ink = cv2.bitwise_and(ink, page_side)
    return ink


def _room_strips_kept(small: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The closed small copy, with the room's strips along the frame's border put back.

    Where a page held up nearly fills the frame, the room shows as a strip along the border
    narrower than the closing's kernel, which closes it away like a stroke: the whole strip
    would be ink, and a digit near the page's edge would join it. Such a strip is much darker
    than the closing from the border inwards along a good share of the border, about equally
    deep: a digit's stroke reaching into it is not taken for room beyond the strip's usual depth.
    """
    darker = small.astype(np.float32) < (1 - _ROOM_STRIP_DARKER) * background.astype(np.float32)
    if not darker.any():
        return background
    kept = background.copy()
    # Each border in turn as the first row (views: what is written lands in ``kept``).
    for turn in (lambda a: a, lambda a: a[::-1], lambda a: a.T, lambda a: a.T[::-1]):
        dark, into, room = turn(darker), turn(kept), turn(small)
        depth = np.where(dark.all(axis=0), dark.shape[0], np.argmin(dark, axis=0))  # dark pixels from the border in
        if np.count_nonzero(depth) < _ROOM_STRIP_ON_BORDER * dark.shape[1]:
            continue
        depth = np.minimum(depth, int(median(depth[depth > 0])))
        strip = np.arange(dark.shape[0])[:, None] < depth[None, :]
        into[strip] = room[strip]
    return kept


def _page_edges(background: np.ndarray) -> list[tuple[_PageEdge, bool]]:
    """The page's straight edges in the ink map's small copy, each with whether the room beyond is brighter.

    A page held up before a room, or lying on a desk, ends in straight edges where the ground's
    brightness steps sharply; the page is on the side of the frame's centre. Beyond an edge
    nothing is paper (nor along it before a brighter room, whose brightness the small copy,
    stretched back over the step, spills onto the paper). Shadows' edges are soft, and a
    marker's blob that the closing leaves is short and surrounded by paper.

    Args:
        background: uint8 (h, w), the paper's brightness on the small copy.
    """
    cv2 = opencv.cv2()

    brighter = cv2.dilate(background, _SQUARE_3)
    step = cv2.subtract(brighter, cv2.erode(background, _SQUARE_3))  # the morphological gradient
    candidates = cv2.compare(step.astype(np.float32), _PAGE_EDGE_CANDIDATE * brighter.astype(np.float32), cv2.CMP_GT)
    longest = max(background.shape)
    segments = cv2.HoughLinesP(
        candidates, 1, np.pi / 180, round(0.25 * longest), minLineLength=_PAGE_EDGE_LENGTH * longest, maxLineGap=3
    )
    if segments is None:
        return []
    segments = segments.reshape(-1, 4).astype(np.float64)
    # Longest first; Hough finds an edge's two-pixel-wide step as several nearly equal segments,
    # and those judged already (either way) are not judged again.
    segments = segments[np.argsort(-np.hypot(segments[:, 2] - segments[:, 0], segments[:, 3] - segments[:, 1]))]
    judged: list[_PageEdge] = []
    edges = []
    for segment in segments:
        if any(edge.repeats(segment) for edge in judged):
            continue
        edge = _PageEdge.facing_centre(segment, background.shape)
        if edge is None:
            continue
        judged.append(edge)
        room_brighter = _room_is_brighter(background, edge)
        if room_brighter is not None:
            edges.append((edge, room_brighter))
        if len(judged) == _MOST_EDGES_JUDGED or len(edges) == 4:
            break
    if not edges:
        return []
    return list(zip(_refined([edge for edge, _ in edges], background), [room for _, room in edges], strict=True))


@dataclass(frozen=True)
class _PageEdge:
    """A straight line in the small copy, oriented so that ``normal`` points to the frame's centre.

    Attributes:
        start, direction, normal: (x, y) of one end, the unit vector along it, the unit normal.
        length: In small pixels.
    """

    start: np.ndarray
    direction: np.ndarray
    normal: np.ndarray
    length: float

    @classmethod
    def facing_centre(cls, segment: np.ndarray, shape: tuple[int, ...]) -> _PageEdge | None:
        """The line through a Hough segment (x1, y1, x2, y2), or None when it passes by the centre."""
        start, end = segment[:2], segment[2:]
        length = math.hypot(*(end - start))
        direction = (end - start) / length
        normal = np.array([-direction[1], direction[0]])
        offset = (shape[1] / 2 - start[0]) * normal[0] + (shape[0] / 2 - start[1]) * normal[1]
        if abs(offset) < 3:
            return None
        return cls(start, direction, normal if offset > 0 else -normal, length)

    def repeats(self, segment: np.ndarray) -> bool:
        """True for a segment (x1, y1, x2, y2) along this line: both ends within 2 pixels of it."""
        (x0, y0), (nx, ny) = self.start, self.normal
        return abs((segment[0] - x0) * nx + (segment[1] - y0) * ny) <= 2 and abs((segment[2] - x0) * nx + (segment[3] - y0) * ny) <= 2

    def pixels(self, distances: tuple[float, ...], shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Rows and columns (each (len(distances), 15), nearest pixels inside ``shape``) of 15 points
        along the line's middle 80%, each row ``distance`` pixels towards the centre."""
        along = self.start + (_ALONG_EDGE * self.length) * self.direction  # (15, 2)
        xy = along[None] + np.asarray(distances)[:, None, None] * self.normal
        xy = np.minimum(np.maximum(np.rint(xy).astype(np.intp), 0), (shape[1] - 1, shape[0] - 1))
        return xy[..., 1], xy[..., 0]

    def grounds(self, image: np.ndarray, distances: tuple[float, ...]) -> np.ndarray:
        """float (len(distances), 15): the image at :meth:`pixels`."""
        return image[self.pixels(distances, image.shape)].astype(np.float64)


def _refined(edges: list[_PageEdge], background: np.ndarray) -> list[_PageEdge]:
    """Each line moved to where the ground crosses halfway between its two sides (Hough's is ±1 pixel).

    Measured at 15 points along each line (all lines at once: a frame's budget is short), from
    3 pixels on one side to 3 on the other; a line is refitted through the points where the
    ground crosses halfway once (noise crosses more often), when there are at least five.
    """
    cv2 = opencv.cv2()

    starts, directions, normals = (np.array([getattr(edge, name) for edge in edges]) for name in ("start", "direction", "normal"))
    along = _ALONG_EDGE[:, 0] * np.array([edge.length for edge in edges])[:, None]  # (edges, 15)
    points = starts[:, None] + along[..., None] * directions[:, None]  # (edges, 15, 2)
    xy = points[:, :, None] + _ACROSS_EDGE[:, None] * normals[:, None, None]  # (edges, 15, 13, 2)
    maps = xy.reshape(-1, len(_ACROSS_EDGE), 2).astype(np.float32)
    profiles = cv2.remap(background.astype(np.float32), maps, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    profiles = profiles.reshape(xy.shape[:3]).astype(np.float64)
    level = (profiles[..., 0] + profiles[..., -1]) / 2
    above = profiles > level[..., None]
    crossing = above[..., 1:] != above[..., :-1]
    weight = (np.count_nonzero(crossing, axis=2) == 1).astype(np.float64)  # (edges, 15)
    i = np.argmax(crossing, axis=2)[..., None]
    low, high = np.take_along_axis(profiles, i, 2)[..., 0], np.take_along_axis(profiles, i + 1, 2)[..., 0]
    fraction = (level - low) / np.where(weight > 0, high - low, 1.0)
    offsets = np.where(weight > 0, _ACROSS_EDGE[i[..., 0]] + fraction * (_ACROSS_EDGE[1] - _ACROSS_EDGE[0]), 0.0)
    # The weighted least-squares line offset = intercept + slope × position, per edge.
    counts = weight.sum(axis=1)
    total = np.maximum(counts, 1.0)
    mean_along, mean_offset = (weight * along).sum(axis=1) / total, (weight * offsets).sum(axis=1) / total
    centred = along - mean_along[:, None]
    slope = (weight * centred * (offsets - mean_offset[:, None])).sum(axis=1) / np.maximum((weight * centred**2).sum(axis=1), 1e-9)
    intercept = mean_offset - slope * mean_along
    refined = []
    for edge, count, k, b in zip(edges, counts, slope, intercept, strict=True):
        if count < 5:
            refined.append(edge)
            continue
        direction = edge.direction + k * edge.normal
        direction /= math.hypot(*direction)
        normal = np.array([-direction[1], direction[0]])
        refined.append(_PageEdge(edge.start + b * edge.normal, direction, normal if normal @ edge.normal > 0 else -normal, edge.length))
    return refined


def _page_polygon(edges: list[tuple[_PageEdge, bool]], shape: tuple[int, int], to_frame: tuple[float, float]) -> np.ndarray:
    """int32 (n, 2): the frame (``shape``: height, width) cut by every edge's half-plane on the centre's side.

    Each edge is moved into the page by its band (``_BRIGHT_ROOM_BAND`` or ``_DARK_ROOM_BAND`` small
    pixels); ``to_frame`` is frame pixels per small pixel, across and down.
    """
    height, width = shape
    polygon = np.array([[-1.0, -1.0], [width, -1.0], [width, height], [-1.0, height]])
    scale = np.asarray(to_frame)
    for edge, room_brighter in edges:
        into_page = _BRIGHT_ROOM_BAND if room_brighter else _DARK_ROOM_BAND
        # The line in frame pixels: small pixel centres map to (p + 0.5) * scale - 0.5.
        point = (edge.start + into_page * edge.normal + 0.5) * scale - 0.5
        normal = edge.normal / scale  # a normal stays normal under the scaling by its inverse
        # Frame pixels into the page, less one: fillPoly fills the polygon's outline too.
        side = (polygon - point) @ (normal / math.hypot(*normal)) - 1.0
        kept = []
        for k in range(len(polygon)):  # Sutherland–Hodgman against one half-plane
            here, there = polygon[k], polygon[(k + 1) % len(polygon)]
            if side[k] >= 0:
                kept.append(here)
            if (side[k] >= 0) != (side[(k + 1) % len(polygon)] >= 0):
                kept.append(here + side[k] / (side[k] - side[(k + 1) % len(polygon)]) * (there - here))
        if len(kept) < 3:
            return np.zeros((0, 2), np.int32)
        polygon = np.array(kept)
    return np.rint(polygon).astype(np.int32)


def _room_is_brighter(background: np.ndarray, edge: _PageEdge) -> bool | None:
    """None when a straight line of the small copy is no page's edge (see :func:`_page_edges`),
    else whether the room (or desk) beyond it is brighter than the page."""
    cv2 = opencv.cv2()

    inside, outside, inside_far, outside_far = edge.grounds(background, (1.5, -1.5, 4.0, -4.0))
    # A room's uneven light makes it as bright as the page in places, or brighter in some and
    # darker in others: the edge must step along most of it, and is judged where it steps.
    step = np.abs(inside - outside)
    stepped = step >= _PAGE_EDGE_CONTRAST * np.maximum(np.maximum(inside, outside), 1.0)
    if np.count_nonzero(stepped) < _PAGE_EDGE_STEPPED * len(stepped):
        return None
    far = np.abs(inside_far - outside_far)
    if median(step[stepped]) < _PAGE_EDGE_SHARPNESS * median(far[stepped]):
        return None
    room_brighter = np.count_nonzero(stepped & (outside > inside)) >= _BRIGHTER_SOMEWHERE * len(stepped)
    # The page and the room are followed from beside the line where it steps the more common way.
    page_brighter = np.count_nonzero(stepped & (inside > outside)) >= np.count_nonzero(stepped & (inside < outside))
    stepped &= (inside > outside) == page_brighter
    inside, outside = inside[stepped], outside[stepped]
    # Split the grounds halfway between the two sides' and follow each from beside the line.
    level = (median(inside) + median(outside)) / 2
    _, brighter = cv2.threshold(background, level, 1, cv2.THRESH_BINARY)
    page_like = brighter if page_brighter else 1 - brighter
    page = _ground_beside(page_like, edge, 2.0)
    if page is None or page[1] < _PAGE_SHARE * background.size:
        return None
    room = _ground_beside(1 - page_like, edge, -2.0)
    if room is None:
        return None
    # The room reaches the frame's border along as long a stretch as the edge steps that way.
    reach = _ROOM_ON_BORDER * edge.length * np.count_nonzero(stepped) / len(stepped)
    if _on_border(room[0]) < reach:
        return None
    # A page-sized ground beyond, and the centre's ground running out of the frame as well: as
    # likely a page off the centre of a photo, beside a desk, as a room behind a page held up.
    if room[1] >= _PAGE_SHARE * background.size and _on_border(page[0]) >= reach:
        return None
    return room_brighter


def _on_border(piece: np.ndarray) -> int:
    """How many pixels of a bool mask lie on its border."""
    return (
        np.count_nonzero(piece[0]) + np.count_nonzero(piece[-1]) + np.count_nonzero(piece[1:-1, 0]) + np.count_nonzero(piece[1:-1, -1])
    )


def _ground_beside(ground: np.ndarray, edge: _PageEdge, distance: float) -> tuple[np.ndarray, int] | None:
    """The connected piece of ``ground`` (uint8 0/1) that most points ``distance`` pixels from the line lie on.

    Returns:
        bool mask of the piece and its area in pixels; or None when no such point is ground.
    """
    cv2 = opencv.cv2()

    rows, cols = (axis[0] for axis in edge.pixels((distance,), ground.shape))
    pieces = ground.copy()  # 1 = ground not yet reached; each flood from a point takes its own value
    areas = {}
    for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
        if pieces[row, col] == 1:  # at most 15 floods: their values fit the uint8 mask
            value = 2 + len(areas)
            areas[value] = cv2.floodFill(pieces, None, (col, row), value, flags=4)[0]
    if not areas:
        return None
    value = max(areas, key=lambda v: np.count_nonzero(pieces[rows, cols] == v))
    return pieces == value, areas[value]


@dataclass(frozen=True, eq=False)
class Region:
    """One connected piece of ink, at working resolution.

    Attributes:
        box: (x, y, width, height) of its pixels.
        mask: bool (height, width): which pixels of the box are its ink.
    """

    box: tuple[int, int, int, int]
    mask: np.ndarray


@dataclass(frozen=True, eq=False)
class InkPage:
    """A frame turned into ink and cut into regions, ready to be segmented into digits.

    Attributes:
        ink: uint8 (H, W) ink strength at working resolution.
        regions: The pieces of ink that may be (parts of) digits, none cut by the frame edge.
        scale: Frame pixels per working pixel (≥ 1).
        min_digit_height, max_digit_height: A digit's height range in working pixels.
    """

    ink: np.ndarray
    regions: tuple[Region, ...]
    scale: float
    min_digit_height: float
    max_digit_height: float

    def digit_sized(self, w: int, h: int, max_aspect: float) -> bool:
        """True when a box of w×h working pixels is as tall as a digit and no wider than ``max_aspect`` heights."""
        return self.min_digit_height <= h <= self.max_digit_height and w <= max_aspect * h

    def to_frame(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """A working-resolution box in the pixels of the frame given."""
        return tuple(round(value * self.scale) for value in box)  # type: ignore[return-value]

    def ink_under(self, box: tuple[int, int, int, int], mask: np.ndarray) -> np.ndarray:
        """uint8 (h, w): the ink in ``box`` where ``mask`` (bool, the box's shape) holds, 0 elsewhere."""
        x, y, w, h = box
        return self.ink[y : y + h, x : x + w] * mask  # uint8 × bool: np.where and a cast cost three times as much


def find_ink(image: np.ndarray, options: FindOptions = FindOptions()) -> InkPage:
    """Separate ink from paper and cut it into regions.

    Ruled and squared paper lines are removed (strokes crossing them are kept), a desk's
    edge and texture are not ink, and regions cut by the frame edge are dropped while a
    whole digit close to the edge is kept.

    Args:
        image: A frame or photo (see :func:`to_gray`).
        options: Thresholds and polarity.

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
    # Otsu's level from every other pixel: the same histogram's shape, at a quarter of the cost.
    sample = np.ascontiguousarray(ink[::2, ::2])
    otsu, _ = cv2.threshold(sample, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    level = max(float(otsu), float(options.min_contrast))
    # Paper ruling is often paler than any pen: look for lines among the palest ink too.
    _, pale = cv2.threshold(ink, max(12.0, 0.25 * level), 255, cv2.THRESH_BINARY)
    rules = _find_rules(pale)
    if len(rules) == 1:
        # Squared paper whose lines one way are blurred (the camera moved across them) into
        # bands too wide for ruling at the pale level: their cores, at a firmer level, are not.
        _, firm = cv2.threshold(ink, 0.5 * level, 255, cv2.THRESH_BINARY)
        rules.update(_find_rules(firm, directions=(True not in rules,), blurred=True))
    if not rules:
        # Plain paper: a quiet page (its grain is what most of it shows) lets fainter strokes be sure.
        grain = _quantile(sample, 0.9)
        plain = min(options.min_contrast, max(options.plain_min_contrast, _GRAIN_TIMES * grain))
        level = max(float(otsu), float(plain))
    _, strong = cv2.threshold(ink, level, 255, cv2.THRESH_BINARY)
    _, faint = cv2.threshold(ink, 0.5 * level, 255, cv2.THRESH_BINARY)
    binary = _hysteresis(strong, faint)
    binary, ruling = _erase_rules(binary, rules, ink, pale)
    # How strong the paper's ruling is (None without ruling): pieces of it that escaped removal
    # (beside the frame's edge, on a bent page) are thin and no stronger than it.
    ruling_ink = _quantile(ink[ruling > 0], 0.5) if ruling is not None and cv2.countNonZero(ruling) else None
    # Ink and the ruling taken away are not ground (beside a stroke on squared paper, a line).
    occupied = binary if ruling is None else cv2.bitwise_or(binary, ruling)
    # Bridge one-pixel breaks in thin or faint strokes, so that a stroke stays one region. Both
    # steps look only at the ink's box (most of a frame is paper), a pixel wider for the bridges.
    rows, cols = _window(binary, 1)
    bridged = cv2.dilate(binary[rows, cols], cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    # Outer contours are what regions need here (boxes and outlines), and OpenCV finds them
    # several times faster than labelled components with statistics.
    contours, _ = cv2.findContours(bridged, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE, offset=(cols.start, rows.start))
    short_side = min(gray.shape)
    min_piece = max(4.0, (short_side * 0.015) ** 2)
    paper = _quantile(gray[::8, ::8], 0.5)  # the ground fills most of a frame, either polarity
    regions = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if w * h < min_piece or h > options.max_height * short_side or w > 2 * options.max_height * short_side:
            continue
        filled = np.zeros((h, w), np.uint8)
        cv2.drawContours(filled, [contour], -1, 255, cv2.FILLED, offset=(-x, -y))
        mask = (filled & binary[y : y + h, x : x + w]) > 0
        if _is_solid(gray, binary, (x, y, w, h), filled > 0, mask, paper, options.min_height * short_side):
            continue
        if _cut_by_frame_edge(ink, mask, x, y):
            continue
        if _along_an_edge(gray, occupied, mask, x, y, w, h):
            continue
        if ruling_ink is not None and _like_the_ruling(ink[y : y + h, x : x + w], mask, ruling_ink, rules):
            continue
        regions.append(Region((x, y, w, h), mask))
    return InkPage(
        ink=ink,
        regions=tuple(regions),
        scale=1.0 / factor,
        min_digit_height=options.min_height * short_side,
        max_digit_height=options.max_height * short_side,
    )


def _hysteresis(strong: np.ndarray, faint: np.ndarray) -> np.ndarray:
    """Faint ink reached from sure ink along faint ink, within ``_HYSTERESIS_STEPS`` steps.

    A pencil's fine stroke is sure only where it was pressed hardest. Wide steps until nothing
    grows cost less than labelling every faint speck of the frame, and most frames stop after
    a few. ``strong`` lies inside ``faint`` (a higher level), so every step keeps it.
    """
    cv2 = opencv.cv2()

    # Each step reaches 2 pixels further: nothing beyond the sure ink's box and that reach
    # changes, and the box is mostly a tenth of a frame.
    rows, cols = _window(strong, 2 * _HYSTERESIS_STEPS)
    binary = strong[rows, cols]
    faint = faint[rows, cols]
    reached = cv2.countNonZero(binary)
    for _ in range(_HYSTERESIS_STEPS):
        binary = cv2.bitwise_and(cv2.dilate(binary, _SQUARE_5), faint)
        grown = cv2.countNonZero(binary)
        if grown == reached:
            break  # every faint stroke within reach is reached: more steps add nothing
        reached = grown
    whole = np.zeros_like(strong)
    whole[rows, cols] = binary
    return whole


def _window(mask: np.ndarray, margin: int) -> tuple[slice, slice]:
    """Rows and columns of ``mask``'s non-zero box grown by ``margin`` pixels, within the frame.

    A mask with nothing in it gets its first pixel: OpenCV refuses empty images, and there is
    nothing to find in that pixel either.
    """
    x, y, w, h = opencv.cv2().boundingRect(mask)
    if w == 0:
        return slice(0, 1), slice(0, 1)
    height, width = mask.shape
    return slice(max(0, y - margin), min(height, y + h + margin)), slice(max(0, x - margin), min(width, x + w + margin))


def _find_rules(
    pale: np.ndarray, directions: tuple[bool, ...] = (True, False), blurred: bool = False
) -> dict[bool, np.ndarray]:
    """The lines of ruled or squared paper (and other long, thin, straight lines) in ``pale`` ink.

    A line is a thin run of pale ink or darker, nearly horizontal or vertical, across more than
    half the frame (pale lines pass the ink threshold only where they cross); each is
    fitted with a straight line and drawn as thick as it is.

    Args:
        pale: uint8 mask of ink at a pale level.
        directions: Which lines to look for: horizontal (True), upright (False).
        blurred: Lines may be up to twice as thick as sharp ruling (smeared by motion).

    Returns:
        For horizontal (True) and upright (False) lines, if any: a uint8 mask of the frame's
        size with the lines drawn (255). Empty when the paper is plain.
    """
    cv2 = opencv.cv2()

    height, width = pale.shape
    # Lines are long: look for them at half resolution (a quarter of the work), draw them back at full.
    small = cv2.resize(pale, (max(1, width // 2), max(1, height // 2)), interpolation=cv2.INTER_AREA)
    _, small = cv2.threshold(small, 40, 255, cv2.THRESH_BINARY)
    found = {}
    for horizontal in directions:
        span = small.shape[1] if horizontal else small.shape[0]
        length = max(8, span // 14)
        along = (length, 1) if horizontal else (1, length)
        across = (1, 3) if horizontal else (3, 1)
        # Widening across first lets a slightly tilted line keep long straight runs.
        widened = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, across))
        runs = cv2.morphologyEx(widened, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, along))
        if not cv2.countNonZero(runs):
            continue
        # Where a line crosses a digit, the digit's thick strokes join it to its neighbours:
        # take out everything thicker than a ruled line, so that each line is a component of its own.
        cut = 2 * _RULE_CUT if blurred else _RULE_CUT
        thick = (1, cut) if horizontal else (cut, 1)
        runs = cv2.subtract(runs, cv2.morphologyEx(runs, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, thick)))
        # Most frames have no ruling: outlines (fast) say whether any run is long enough to look at.
        outlines, _ = cv2.findContours(runs, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        index = 2 if horizontal else 3
        if not any(cv2.boundingRect(outline)[index] >= _MIN_RULE_SEGMENT * span for outline in outlines):
            continue
        count, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
        extents = stats[:, 2 if horizontal else 3]
        max_thickness = (2 if blurred else 1) * _MAX_RULE_THICKNESS

        def pieces(shortest: float, longest: float = math.inf) -> list[tuple]:
            """The runs whose extent is that share of the frame, fitted; thick bars left out."""
            chosen = np.flatnonzero((extents >= shortest * span) & (extents < longest * span))
            chosen = chosen[chosen > 0]  # label 0 is the ground
            fitted = _fit_pieces(labels, stats, chosen, small, horizontal, max_thickness)
            return [piece for piece in fitted if piece is not None]

        # Short pieces (pieces of a line hidden by digits, or digits' strokes) matter only where
        # the lines found alone predict a line: they are fitted only then.
        long_pieces = pieces(_MIN_RULE_SEGMENT)
        shorter = functools.partial(pieces, _MIN_IN_STEP_PIECE, _MIN_RULE_SEGMENT)
        for extent, offset, slope, (vx, vy, x0, y0), thickness in _ruled_lines(long_pieces, span, horizontal, shorter):
            x0, y0, reach = 2 * x0 + 0.5, 2 * y0 + 0.5, 4 * span
            drawn = found.setdefault(horizontal, np.zeros_like(pale))
            cv2.line(
                drawn,
                (int(x0 - vx * reach), int(y0 - vy * reach)),
                (int(x0 + vx * reach), int(y0 + vy * reach)),
                255,
                int(round(thickness)) + 2,
            )
    return found


def _fit_pieces(
    labels: np.ndarray, stats: np.ndarray, chosen: np.ndarray, small: np.ndarray, horizontal: bool, max_thickness: float
) -> list[tuple | None]:
    """Runs of ``labels`` as (extent, centre offset, slope, fitted line, thickness); None for a thick bar.

    Squared paper has some eighty runs a frame: what each needs along its length (its pixels,
    their middle across, its own pixels in ``small``, its thickness) is worked out for all of
    them at once; only the robust fit is made run by run.
    """
    if not len(chosen):
        return []
    height, width = labels.shape
    length, count = (width if horizontal else height), len(chosen)
    compact = np.full(int(stats.shape[0]), -1, np.int64)
    compact[chosen] = np.arange(count)
    where = np.flatnonzero(labels)
    run = compact[labels.ravel()[where]]
    where, run = where[run >= 0], run[run >= 0]
    rows, cols = np.divmod(where, width)
    along, across = (cols, rows) if horizontal else (rows, cols)
    key = run * length + along
    pixels = np.bincount(key, minlength=count * length).reshape(count, length).astype(np.float32)
    boxes = stats[chosen, :4].astype(np.int64)
    origins = boxes[:, 1] if horizontal else boxes[:, 0]
    # Positions across are counted from each run's box (whole pixels: exact in float32).
    offsets = np.bincount(key, weights=across - origins[run], minlength=count * length).reshape(count, length)
    with np.errstate(divide="ignore", invalid="ignore"):
        middles = offsets.astype(np.float32) / pixels
    # The line's own thickness, without the widening: its pixels in the thresholded copy (the
    # median over the positions it has any, each run's; a run has none outside its box).
    own = np.bincount(key, weights=small.ravel()[where] > 0, minlength=count * length).reshape(count, length)
    own = own.astype(np.float32)
    has = (own > 0).sum(axis=1)
    ordered = np.sort(np.where(own > 0, own, np.inf), axis=1)
    lower = ordered[np.arange(count), np.maximum(has - 1, 0) // 2]
    upper = ordered[np.arange(count), has // 2]
    medians = (lower + upper) / np.float32(2)  # np.median's mean of the two middles, in float32
    thickness = np.where(has > 0, 2 * medians.astype(np.float64), 2.0)  # in full-resolution pixels
    span = small.shape[1] if horizontal else small.shape[0]
    fitted: list[tuple | None] = []
    for k in range(count):
        if thickness[k] > max_thickness:
            fitted.append(None)  # a thick bar: not a ruled line
            continue
        x, y, w, h = (int(v) for v in boxes[k])
        # Fit the middle of the run at each position along it, robustly: where a digit touches
        # the line, the middle moves off the line, and a least-squares fit would follow it.
        positions = np.flatnonzero(pixels[k])
        middle = middles[k, positions]
        points = np.stack([positions, middle + y] if horizontal else [middle + x, positions], axis=1)
        fitted.append(_fitted_line(points, span, horizontal, w if horizontal else h, float(thickness[k])))
    return fitted


def _fitted_line(points: np.ndarray, span: int, horizontal: bool, extent: int, thickness: float) -> tuple:
    """(extent, where the line crosses the frame's middle, slope, cv2.fitLine's line, thickness)."""
    cv2 = opencv.cv2()

    line = tuple(float(v) for v in cv2.fitLine(points.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel())
    vx, vy, x0, y0 = line
    along_v, across_v, along_0, across_0 = (vx, vy, x0, y0) if horizontal else (vy, vx, y0, x0)
    slope = across_v / along_v if abs(along_v) > 1e-6 else math.inf
    offset = across_0 + (span / 2 - along_0) * slope
    return (extent, offset, slope, line, thickness)


def _ruled_lines(
    segments: list[tuple], span: int, horizontal: bool, shorter: Callable[[], list[tuple]] = list
) -> list[tuple]:
    """The pieces of ``segments`` (extent, offset, slope, line, thickness) that lie on paper ruling.

    Digits cut a line that crosses them into pieces, and pieces on one straight line add up: a
    line is ruling when its long pieces cross enough of the frame. Once a few lines are found
    alone, their spacing says where the others lie, and a line there needs fewer, shorter pieces
    (the one through a row of digits is mostly hidden by them). ``shorter`` gives more such
    pieces, asked for only then.
    """

    def along(pieces: list[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Extents, offsets and slopes of ``pieces`` as arrays: a squared page has some eighty."""
        extents = np.array([seg[0] for seg in pieces], np.int64)
        return extents, np.array([seg[1] for seg in pieces], np.float64), np.array([seg[2] for seg in pieces], np.float64)

    def extent_on_line(pieces: tuple[np.ndarray, ...], offset: float, slope: float, near: float) -> int:
        """How far the ``pieces`` on the line at ``offset`` with ``slope`` (within ``near`` pixels) reach, together."""
        extents, offsets, slopes = pieces
        # A piece at a right angle to the direction has an infinite slope and offset: inf − inf is
        # NaN, which is near nothing (as Python's floats said before these were arrays), quietly.
        with np.errstate(invalid="ignore"):
            return int(extents[(np.abs(offsets - offset) <= near) & (np.abs(slopes - slope) <= 0.03)].sum())

    long_pieces = [seg for seg in segments if seg[0] >= _MIN_RULE_SEGMENT * span]
    long_arrays = along(long_pieces)
    ruled = [
        seg for seg in long_pieces if extent_on_line(long_arrays, seg[1], seg[2], 2.5) >= _MIN_RULE_SPAN[horizontal] * span
    ]
    offsets = sorted({round(seg[1]) for seg in ruled})
    lines = [offsets[0]] if offsets else []
    for offset in offsets[1:]:  # pieces of one line differ by a pixel or two
        if offset - lines[-1] > 2.5:
            lines.append(offset)
    if len(lines) < _MIN_LINES_FOR_STEP:
        return ruled
    segments = segments + shorter()
    origin, step = _spacing(np.array(lines, np.float64))
    slope = float(np.median([seg[2] for seg in ruled]))
    # A piece among digits is thickened by the strokes it touches: draw it as thick as the ruling.
    thickness = float(np.median([seg[4] for seg in ruled]))
    near = max(2.5, 0.1 * step)
    every = along(segments)
    in_step = []
    for seg in segments:
        if seg in ruled or abs(seg[2] - slope) > 0.03:
            continue
        steps = (seg[1] - origin) / step
        if abs(steps - round(steps)) * step > near:
            continue  # not where the ruling's spacing puts a line
        if extent_on_line(every, seg[1], seg[2], near) >= _MIN_IN_STEP_SPAN * span:
            in_step.append((*seg[:4], min(seg[4], thickness)))
    return ruled + in_step


def _spacing(lines: np.ndarray) -> tuple[float, float]:
    """Where the ruling's lines lie: (origin, step) with line ``k`` at ``origin + k * step``.

    Lines found alone are offsets (pixels, sorted), with gaps where lines were hidden. The
    median gap is the step only to a pixel (offsets are whole pixels): 10.7 taken for 11 puts
    the sixteenth line 5 pixels off. Each line's number, from the nearer lines first, and a
    straight fit through all of them give the step to a fraction of a pixel.
    """
    step = float(np.median(np.diff(lines)))
    origin = float(lines[0])
    for reach in (10, math.inf):  # near lines first (a rough step numbers them right), then all
        numbers = np.round((lines - origin) / step)
        chosen = numbers <= reach
        if len(np.unique(numbers[chosen])) >= 2:
            step, origin = (float(v) for v in np.polyfit(numbers[chosen], lines[chosen], 1))
    return origin, step


def _erase_rules(
    binary: np.ndarray, found: dict[bool, np.ndarray], ink: np.ndarray, pale: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """``binary`` without the lines :func:`_find_rules` found, except where a stroke crosses them.

    Ink on a line that is clearly stronger than the line itself is a pen's, and stays.

    Returns:
        The ink left, and the ink taken away as ruling (None when nothing was).
    """
    cv2 = opencv.cv2()

    if not found:
        return binary, None
    lines = {}
    for horizontal, drawn in found.items():
        on_line = cv2.bitwise_and(drawn, binary)
        line_ink = _quantile(ink[cv2.bitwise_and(drawn, pale) > 0], _LINE_INK_QUANTILE)
        _, stronger = cv2.threshold(ink, _STRONGER_THAN_LINE * line_ink, 255, cv2.THRESH_BINARY)
        lines[horizontal] = cv2.bitwise_and(on_line, cv2.bitwise_not(stronger))
    every_line = lines.get(True, lines.get(False))
    if len(lines) == 2:
        every_line = cv2.bitwise_or(lines[True], lines[False])
    kept = cv2.bitwise_and(binary, cv2.bitwise_not(every_line))
    for horizontal, on_line in lines.items():
        # A stroke crossing a line has ink on both sides of it: close across the line to keep it.
        across_closing = cv2.getStructuringElement(cv2.MORPH_RECT, (1, 15) if horizontal else (15, 1))
        crossing = cv2.bitwise_and(cv2.morphologyEx(kept, cv2.MORPH_CLOSE, across_closing), on_line)
        kept = cv2.bitwise_or(kept, crossing)
    return kept, cv2.bitwise_and(every_line, cv2.bitwise_not(kept))


def _like_the_ruling(
    region_ink: np.ndarray, mask: np.ndarray, ruling_ink: float, directions: Collection[bool]
) -> bool:
    """True for a thin piece along the ruling and no stronger than it: a piece of a line, not a "1".

    ``directions`` holds True if level lines were found, False if upright ones were: on ruled
    paper (level lines only) a faint upright stroke is a fine pen's, never the ruling's.
    """
    h, w = mask.shape
    upright = w < _RULING_PIECE_ASPECT * h and False in directions
    level = h < _RULING_PIECE_ASPECT * w and True in directions
    if not (upright or level):
        return False
    return _quantile(region_ink[mask], 0.9) <= _RULING_LIKE * ruling_ink


def _cut_by_frame_edge(ink: np.ndarray, mask: np.ndarray, x: int, y: int) -> bool:
    """True when ink of this region runs off the frame: what is left is not the whole digit.

    A whole digit close to the edge may reach it with its blurred rim; a cut one crosses
    the edge with a stroke at its full strength.
    """
    frame_h, frame_w = ink.shape
    h, w = mask.shape
    region_ink = ink[y : y + h, x : x + w]
    edges = []
    if x == 0:
        edges.append(region_ink[:, 0][mask[:, 0]])
    if y == 0:
        edges.append(region_ink[0][mask[0]])
    if x + w >= frame_w:
        edges.append(region_ink[:, -1][mask[:, -1]])
    if y + h >= frame_h:
        edges.append(region_ink[-1][mask[-1]])
    if not any(len(edge) >= _EDGE_INK_PIXELS for edge in edges):
        return False
    strong = _EDGE_STROKE_SHARE * _quantile(region_ink[mask], 0.9)
    return any(np.count_nonzero(edge >= strong) >= _EDGE_INK_PIXELS for edge in edges)


def _along_an_edge(gray: np.ndarray, occupied: np.ndarray, mask: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    """True for a thin line between two grounds of different brightness: a page's or a desk's edge.

    A stroke has paper on both sides; the dark rim where a page meets a desk has paper on
    one side and the desk on the other. A milder step counts when the line is no darker than
    the darker ground (a page held before a room of about its brightness). Only ground
    (nothing ``occupied``) is compared: below the detached top bar of a "5" lies its body.
    Thin means thin on average, across the line: a tilted edge's box is wider than the line.
    """
    ink_pixels = np.count_nonzero(mask)
    thin_upright = w < _EDGE_BOX_ASPECT * h and ink_pixels < _EDGE_LINE_ASPECT * h * h
    thin_across = h < _EDGE_BOX_ASPECT * w and ink_pixels < _EDGE_LINE_ASPECT * w * w
    if not (thin_upright or thin_across):
        return False
    gap, depth = 2, 5
    if thin_upright:
        sides = [(slice(y, y + h), slice(max(0, x - gap - depth), max(0, x - gap))),
                 (slice(y, y + h), slice(x + w + gap, x + w + gap + depth))]
    else:
        sides = [(slice(max(0, y - gap - depth), max(0, y - gap)), slice(x, x + w)),
                 (slice(y + h + gap, y + h + gap + depth), slice(x, x + w))]
    grounds = []
    for rows, cols in sides:
        ground = gray[rows, cols][occupied[rows, cols] == 0]
        if ground.size < max(4, 0.3 * gray[rows, cols].size):
            return False  # ink or the frame's edge beside it: nothing to compare
        grounds.append(_quantile(ground, 0.5))
    one, other = grounds
    step, brighter = abs(one - other), max(one, other)
    if step > _EDGE_CONTRAST * brighter:
        return True
    if step <= _SOFT_EDGE_CONTRAST * brighter:
        return False
    # A stroke is darker (or, in chalk, brighter) than the grounds on both of its sides; the
    # false ink beside a step between two grounds lies between them.
    line = gray[y : y + h, x : x + w][mask]
    depth = _STROKE_DEPTH * brighter
    return _quantile(line, 0.25) >= min(one, other) - depth and _quantile(line, 0.75) <= brighter + depth


def _is_solid(
    gray: np.ndarray,
    binary: np.ndarray,
    box: tuple[int, int, int, int],
    filled: np.ndarray,
    mask: np.ndarray,
    paper: float,
    min_digit_height: float,
) -> bool:
    """True for a blob (a pen cap, a phone) whose inside looks like its rim, not like the paper.

    The paper's brightness follows anything larger than the ink map's kernel, so a large
    blob's ink is only its rim; a digit's holes and gaps are paper. The paper is the ground
    around the region (in a shadow, darker than the page's ``paper``, which is the frame's
    ground: dark ink on light paper, or light chalk on a dark board).
    """
    x, y, w, h = box
    digit_sized = h >= min_digit_height
    # Inside, not the rim the outline adds around a fine stroke's ink (dilated by a pixel): for
    # a piece of a fine stroke (cut by the ruling's removal) that rim is as dark as the stroke.
    filled = opencv.cv2().erode(filled.view(np.uint8), _SQUARE_3) > 0
    inside = filled & ~mask
    if np.count_nonzero(inside) < 0.3 * np.count_nonzero(filled):
        return False
    # Medians: ruling or a stray stroke inside a digit's loop must not make it look dark.
    region = gray[y : y + h, x : x + w]
    rim, hole = _quantile(region[mask], 0.5), _quantile(region[inside], 0.5)
    if abs(hole - rim) >= 0.5 * abs(paper - rim):
        return False  # a digit against the page: the paper around it only rescues digits in a shadow
    if digit_sized:
        # In a shadow the paper around a digit is darker than the page: measure against it.
        # (A desk's grain is no digit in size, and a desk is darker than any shadow.)
        pad = max(4, min(w, h) // 4)
        top, left = max(0, y - pad), max(0, x - pad)
        around = gray[top : y + h + pad, left : x + w + pad]
        ground = binary[top : y + h + pad, left : x + w + pad] == 0
        ground[y - top : y - top + h, x - left : x - left + w] = False
        if np.count_nonzero(ground) >= 16:
            local = _quantile(around[ground], 0.5)
            if local >= _SHADOW_FLOOR * paper and rim <= _PEN_ON_PAPER * local:
                paper = local
    return abs(hole - rim) < 0.5 * abs(paper - rim)


def find_digits(image: np.ndarray, options: FindOptions = FindOptions()) -> list[DigitCandidate]:
    """Find digit candidates in a frame or photo by shape alone, left to right.

    Each region of ink that is shaped like a digit is one candidate; touching digits
    stay one candidate and a broken digit is several. :func:`runtime.reader.read_digits`
    goes further: it lets the model choose how to split and join regions.

    Args:
        image: uint8 BGR, RGB or gray, any size (see :func:`to_gray` for the rest).
        options: Thresholds and polarity.

    Returns:
        Candidates sorted by their box's left edge; each image is MNIST-style.

    Raises:
        InputError: The image cannot be read as a picture.
    """
    page = find_ink(image, options)
    candidates = []
    for region in page.regions:
        x, y, w, h = region.box
        if not page.digit_sized(w, h, options.max_aspect):
            continue
        if not _has_digit_density(int(np.count_nonzero(region.mask)), w, h, options):
            continue
        crop = page.ink_under(region.box, region.mask)
        candidates.append(DigitCandidate(box=page.to_frame(region.box), image=mnist_style(crop)))
    return sorted(candidates, key=lambda candidate: candidate.box[0])


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

    if ink.size == 0 or not ink.any():
        return np.zeros((MNIST_SIZE, MNIST_SIZE), np.uint8)
    ink = _pen_width_as_mnist(ink)
    height, width = ink.shape
    scale = MNIST_BOX / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    small = cv2.resize(ink, (new_w, new_h), interpolation=cv2.INTER_AREA)
    peak = int(small.max())
    if peak == 0:
        return np.zeros((MNIST_SIZE, MNIST_SIZE), np.uint8)
    # MNIST strokes are solid in the middle and soft at the edges: saturate the strongest ink.
    small = cv2.convertScaleAbs(small, alpha=255.0 / (_STROKE_SATURATION * peak))
    moments = cv2.moments(small)
    # One move puts the box in the 28×28 field with its centre of mass at the field's centre.
    shift_x = MNIST_SIZE / 2 - moments["m10"] / moments["m00"]
    shift_y = MNIST_SIZE / 2 - moments["m01"] / moments["m00"]
    matrix = np.float32([[1, 0, shift_x], [0, 1, shift_y]])
    return cv2.warpAffine(small, matrix, (MNIST_SIZE, MNIST_SIZE), flags=cv2.INTER_LINEAR, borderValue=0)


def _pen_width_as_mnist(ink: np.ndarray) -> np.ndarray:
    """Bring a fine pen's or a marker's strokes towards MNIST's pen width, which is all the model has seen.

    A stroke's width is estimated as twice its area over its outline (both counted in
    pixels); at MNIST's scale the median digit's is about 2.2 pixels in its 20-pixel box.
    A stroke under 60% of that is dilated to it; one over 1.3 times that is eroded by a
    quarter of the excess on each side (gently: a marker's loops must stay open).
    """
    cv2 = opencv.cv2()

    side = max(ink.shape)
    # Measured on a copy at most 64 pixels on a side, where MNIST's pen is still 7 pixels wide.
    factor = min(1.0, 64.0 / side)
    small = ink if factor == 1.0 else cv2.resize(
        ink, (max(1, round(ink.shape[1] * factor)), max(1, round(ink.shape[0] * factor))), interpolation=cv2.INTER_AREA)
    # Ink at 40% of the peak or more (threshold keeps what is strictly above its level).
    _, mask = cv2.threshold(small, math.ceil(0.4 * float(small.max())) - 1, 1, cv2.THRESH_BINARY)
    area = cv2.countNonZero(mask)
    outline = area - cv2.countNonZero(cv2.erode(mask, _SQUARE_3))
    width = 2.0 * area / max(1, outline) / factor
    target = _MNIST_PEN_WIDTH * side / MNIST_BOX
    if width > _THICK_PEN * target:
        # A marker: thin its strokes towards MNIST's pen (what is left of the stroke keeps its ink).
        radius = int(round((width - target) / 4))
        if radius < 1:
            return ink
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        thinned = cv2.erode(ink, kernel)
        return thinned if thinned.max() > 0.5 * ink.max() else ink
    if width >= 0.6 * target:
        return ink
    radius = int(round((target - width) / 2))
    if radius < 1:
        return ink
    padded = cv2.copyMakeBorder(ink, radius, radius, radius, radius, cv2.BORDER_CONSTANT, value=0)
    return cv2.dilate(padded, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1)))
