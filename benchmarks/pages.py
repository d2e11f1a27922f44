"""Camera-like pages of handwriting, with the hard cases a real page has, each scene tagged.

A page is one line of 1–6 digits (or none) written on paper and photographed. Each scene
draws a random set of :class:`Condition` s: touching or overlapping neighbours, broken
strokes, ruled or squared paper, a desk edge in view, a shadow, digits near the frame edge,
pencil-grey or blue ink, slanted writing, thick marker or thin pen, perspective tilt and
motion blur. The digits are MNIST test digits or glyphs rendered from handwriting fonts
(:func:`font_glyphs`, for evaluation only: nothing here is ever used for training).

Used by `benchmarks/read_pages.py` and by the reading tests; it is not part of the
installed packages.
"""

from __future__ import annotations

import argparse
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from benchmarks.scenes import paper_sheet, scene_set
from toolkit.augment import thinned


class Condition(str, enum.Enum):
    """One hard case a scene may show."""

    TOUCHING = "touching"  # neighbours from 10% overlap to 40% of the digit height apart
    BROKEN = "broken"  # a stroke interrupted by a gap
    RULED = "ruled"  # ruled paper
    SQUARED = "squared"  # squared paper
    DESK_EDGE = "desk-edge"  # a dark desk beside the page
    SHADOW = "shadow"  # a soft shadow over part of the page
    NEAR_EDGE = "near-edge"  # a whole digit 2–8 px from the frame edge
    PENCIL = "pencil"  # grey, low-contrast ink
    BLUE_INK = "blue-ink"
    SLANT = "slant"  # slanted script
    MARKER = "marker"  # thick strokes
    THIN_PEN = "thin-pen"  # thin strokes
    TILT = "tilt"  # slight perspective
    MOTION_BLUR = "motion-blur"
    SIZES = "sizes"  # digits of different sizes on one line
    HELD_UP = "held-up"  # the whole page held up before a room: its four edges in view (only when asked)


# How often each condition is drawn in a mixed scene (touching only where there are neighbours).
# A page held up is not drawn here, so that the samples stay those of earlier releases.
MIXED_RATES = {condition: 0.2 for condition in Condition if condition is not Condition.HELD_UP} | {Condition.TOUCHING: 0.45}
# Every page held up before a room instead of filling the frame (the room replaces the desk).
HELD_UP_RATES = {condition: rate for condition, rate in MIXED_RATES.items() if condition is not Condition.DESK_EDGE} | {
    Condition.HELD_UP: 1.0
}
_INK_EXCLUSIVE = (Condition.PENCIL, Condition.BLUE_INK)
_STROKE_EXCLUSIVE = (Condition.MARKER, Condition.THIN_PEN)
_PAPER_EXCLUSIVE = (Condition.RULED, Condition.SQUARED)

# The handwriting fonts that may be used for evaluation (never for training); others are reserved.
EVALUATION_FONTS = (
    "dkg.ttf",
    "Breip.ttf",
    "BecauseWeBuild-Regular.otf",
    "BecauseWeConnect-Regular.otf",
    "BecauseWeCreate-Regular.otf",
    "Humor-Sans.ttf",
    "SteveHand.ttf",
    "ComicNeue-Bold.otf",
)
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


@dataclass(frozen=True, eq=False)
class Scene:
    """A rendered frame and what is written on it.

    Attributes:
        image: uint8 BGR (height, width, 3).
        labels: The digits, left to right (empty for a blank page).
        boxes: Each digit's (x, y, w, h) in the frame (after the perspective tilt, if any).
        conditions: The hard cases this scene shows.
        writer: "mnist" or the font's file name.
    """

    image: np.ndarray
    labels: tuple[int, ...]
    boxes: tuple[tuple[int, int, int, int], ...]
    conditions: frozenset[Condition]
    writer: str = "mnist"

    @property
    def number(self) -> str:
        return "".join(str(label) for label in self.labels)

    @property
    def kind(self) -> str:
        return "blank" if not self.labels else "single" if len(self.labels) == 1 else "multi"


def mnist_glyph(digit: np.ndarray) -> np.ndarray:
    """A uint8 (28, 28) MNIST digit → float32 ink in [0, 1], cropped to its ink."""
    ink = digit.astype(np.float32) / 255.0
    rows, cols = np.flatnonzero(ink.max(axis=1) > 0.1), np.flatnonzero(ink.max(axis=0) > 0.1)
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def find_font(name: str) -> Path | None:
    """The installed file of an evaluation font, or None."""
    if name not in EVALUATION_FONTS:
        raise ValueError(f"{name} is not an evaluation font")
    for folder in FONT_DIRS:
        for path in folder.rglob(name):
            return path
    return None


def font_glyphs(path: Path, height: int = 80) -> list[np.ndarray]:
    """The digits 0–9 of a font → float32 ink in [0, 1], cropped, about ``height`` pixels tall."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(path), size=int(height * 1.4))
    glyphs = []
    for digit in "0123456789":
        canvas = Image.new("L", (height * 3, height * 3), 0)
        ImageDraw.Draw(canvas).text((height // 2, height // 4), digit, fill=255, font=font)
        ink = np.asarray(canvas, np.float32) / 255.0
        rows, cols = np.flatnonzero(ink.max(axis=1) > 0.1), np.flatnonzero(ink.max(axis=0) > 0.1)
        glyphs.append(ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])
    return glyphs


def draw_conditions(rng: np.random.Generator, count: int, rates: dict[Condition, float] = MIXED_RATES) -> frozenset[Condition]:
    """A random set of conditions for a scene of ``count`` digits, without contradictions."""
    chosen = {condition for condition, rate in rates.items() if rng.random() < rate}
    for exclusive in (_INK_EXCLUSIVE, _STROKE_EXCLUSIVE, _PAPER_EXCLUSIVE):
        both = [condition for condition in exclusive if condition in chosen]
        if len(both) > 1:
            chosen.discard(both[int(rng.integers(len(both)))])
    if count < 2:
        chosen -= {Condition.TOUCHING, Condition.SIZES}
    if count == 0:
        chosen -= {Condition.BROKEN, Condition.NEAR_EDGE, Condition.PENCIL, Condition.BLUE_INK, Condition.SLANT,
                   Condition.MARKER, Condition.THIN_PEN}
    return frozenset(chosen)


def render_page(
    glyphs: Sequence[np.ndarray],
    labels: Sequence[int],
    conditions: frozenset[Condition],
    rng: np.random.Generator,
    *,
    size: tuple[int, int] = (640, 480),
    writer: str = "mnist",
    gaps: tuple[float, float] | None = None,
) -> Scene:
    """Write ``glyphs`` left to right on one line of a page and photograph it.

    Args:
        glyphs: float32 ink arrays in [0, 1], each cropped to its ink (see :func:`mnist_glyph`).
        labels: Their labels.
        conditions: The hard cases to show.
        rng: Source of every random choice.
        size: (width, height) of the frame.
        writer: Recorded in the scene.
        gaps: The range of gaps between neighbours, in digit heights (negative: overlapping);
            by default −0.1 to 0.4 for touching scenes, 0.25 to 0.5 for the others.
    """
    width, height = size
    page = paper_sheet(rng, width, height, brightness=(160, 235), gradient=(10, 60), tint=(0.9, 1.0))
    page = page.astype(np.float32)
    if Condition.RULED in conditions or Condition.SQUARED in conditions:
        page = _rule(page, rng, squared=Condition.SQUARED in conditions)
    desk = _desk_mask(rng, width, height) if Condition.DESK_EDGE in conditions else None
    boxes: list[tuple[int, int, int, int]] = []
    if len(glyphs):
        coverage, boxes, shrink = None, None, 1.0
        while coverage is None:
            coverage, boxes = _write_line(glyphs, conditions, rng, width, height, desk, shrink, gaps)
            shrink *= 0.9
        ink = _ink_colour(rng, conditions, float(np.median(page)))
        page = page * (1 - coverage[..., None]) + ink * coverage[..., None]
    if desk is not None:
        page = _lay_on_desk(page, desk, rng)
    if Condition.HELD_UP in conditions:
        page, boxes = _hold_up(page, boxes, rng)
    if Condition.SHADOW in conditions:
        page = page * _shadow(rng, width, height)[..., None]
    if Condition.TILT in conditions:
        page, boxes = _tilt(page, boxes, rng)
    if Condition.MOTION_BLUR in conditions:
        page = cv2.filter2D(page, -1, _motion_kernel(rng))
    page = cv2.GaussianBlur(page, (0, 0), rng.uniform(0.4, 1.2))
    page += rng.normal(0, rng.uniform(2, 6), page.shape).astype(np.float32)
    image = np.clip(page, 0, 255).astype(np.uint8)
    return Scene(image, tuple(int(label) for label in labels), tuple(boxes), conditions, writer)


def _write_line(glyphs, conditions, rng, width, height, desk, smaller=1.0, gap_range=None):
    """Place the glyphs on one line; returns the ink coverage of the frame and each digit's box."""
    count = len(glyphs)
    digit_h = rng.uniform(0.18, 0.4) * height if count <= 3 else rng.uniform(0.12, 0.22) * height
    heights = np.full(count, digit_h * smaller)
    if Condition.SIZES in conditions:
        heights *= rng.uniform(0.7, 1.3, count)
    slant = rng.uniform(0.15, 0.4) * rng.choice([-1, 1]) if Condition.SLANT in conditions else rng.uniform(-0.08, 0.08)
    low, high = gap_range or ((-0.10, 0.40) if Condition.TOUCHING in conditions else (0.25, 0.5))
    gaps = rng.uniform(low, high, count) * heights
    widths = np.array([glyph.shape[1] / glyph.shape[0] for glyph in glyphs]) * heights
    # Keep the line on the page (the desk takes part of the frame) with a margin for rotation.
    x_lo, x_hi, y_lo, y_hi = 0.0, float(width), 0.0, float(height)
    if desk is not None:
        free = ~desk
        cols, rows = np.flatnonzero(free.all(axis=0)), np.flatnonzero(free.all(axis=1))
        # A desk on the left or right leaves whole columns free, one at the top or bottom whole rows.
        if len(cols):
            x_lo, x_hi = float(cols[0]), float(cols[-1])
        if len(rows):
            y_lo, y_hi = float(rows[0]), float(rows[-1])
    room_w, room_h = (x_hi - x_lo) * 0.9, (y_hi - y_lo) * 0.85
    line_w = widths.sum() + gaps[:-1].sum() + abs(slant) * heights.max()
    shrink = min(1.0, room_w / line_w, room_h / (heights.max() * 1.15))
    heights, widths, gaps, line_w = heights * shrink, widths * shrink, gaps * shrink, line_w * shrink
    margin_x, margin_y = 0.05 * (x_hi - x_lo), 0.08 * (y_hi - y_lo)
    left = rng.uniform(x_lo + margin_x, max(x_lo + margin_x + 1, x_hi - margin_x - line_w))
    top = rng.uniform(y_lo + margin_y, max(y_lo + margin_y + 1, y_hi - margin_y - heights.max()))
    coverage = np.zeros((height, width), np.float32)
    pieces = []
    for index, (glyph, digit_h, digit_w, gap) in enumerate(zip(glyphs, heights, widths, gaps, strict=True)):
        if Condition.BROKEN in conditions and (index == 0 or rng.random() < 0.5):
            glyph = _break_stroke(glyph, rng)
        centre = (left + digit_w / 2, top + heights.max() - digit_h / 2 + rng.uniform(-0.04, 0.04) * digit_h)
        warped = _place(glyph, digit_h, centre, slant, rng.uniform(-8, 8), width, height)
        warped = _stroke_width(warped, conditions, digit_h, rng)
        pieces.append(warped)
        left += digit_w + gap
    if Condition.NEAR_EDGE in conditions:
        pieces = _shift_to_edge(pieces, rng, desk)
    if smaller > 0.05 and not all(_wholly_visible(piece, desk) for piece in pieces):
        return None, None  # a digit left the frame or went under the desk: write smaller, elsewhere
    boxes = []
    for warped in pieces:
        coverage = np.maximum(coverage, warped)
        ys, xs = np.nonzero(warped >= 0.2 * warped.max())
        boxes.append((int(xs.min()), int(ys.min()), int(np.ptp(xs) + 1), int(np.ptp(ys) + 1)))
    return coverage, boxes


def _wholly_visible(piece, desk):
    """True when a digit's ink is all inside the frame (not on its edge) and none of it lies on the desk."""
    if piece.max() < 0.05:
        return False
    ink = piece > 0.05
    if ink[0].any() or ink[-1].any() or ink[:, 0].any() or ink[:, -1].any():
        return False
    return desk is None or not (ink & desk).any()


def _place(glyph, digit_h, centre, slant, angle, width, height):
    """Warp a glyph to ``digit_h`` pixels tall, slanted and rotated, centred at ``centre``."""
    padded = np.pad(glyph, 2)
    gh, gw = padded.shape
    radians = np.deg2rad(angle)
    rotate = (digit_h / glyph.shape[0]) * np.array([[np.cos(radians), np.sin(radians)], [-np.sin(radians), np.cos(radians)]])
    linear = rotate @ np.array([[1.0, -slant], [0.0, 1.0]])
    offset = np.array(centre) - linear @ np.array([gw / 2, gh / 2])
    matrix = np.hstack([linear, offset[:, None]])
    return cv2.warpAffine(padded, matrix, (width, height), flags=cv2.INTER_LINEAR)


def _stroke_width(coverage, conditions, digit_h, rng):
    if Condition.MARKER in conditions:
        radius = max(1, int(round(digit_h * rng.uniform(0.03, 0.06))))
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        return cv2.dilate(coverage, kernel)
    if Condition.THIN_PEN in conditions:
        # A fine nib draws the same path as the thick stroke: its centre line, 1–3 px wide.
        shape = coverage >= 0.35 * float(coverage.max())
        centre_line = thinned(shape.astype(np.uint8)).astype(np.float32)
        width = rng.uniform(1.0, 2.6)
        if width > 1.5:
            radius = int(round(width / 2))
            centre_line = cv2.dilate(centre_line, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2))
        return cv2.GaussianBlur(centre_line, (0, 0), 0.6)
    return coverage


def _break_stroke(glyph, rng):
    """Cut a gap across the glyph: a band through its middle third, as a pen lifted."""
    gh, gw = glyph.shape
    broken = glyph.copy()
    angle = rng.uniform(0, np.pi)
    cx, cy = rng.uniform(0.25, 0.75) * gw, rng.uniform(0.2, 0.8) * gh
    dx, dy = np.cos(angle) * gh, np.sin(angle) * gh
    thickness = max(1, int(round(gh * rng.uniform(0.06, 0.12))))
    cv2.line(broken, (int(cx - dx), int(cy - dy)), (int(cx + dx), int(cy + dy)), 0.0, thickness)
    return broken


def _shift_to_edge(pieces, rng, desk):
    """Move the whole line so that its first or last digit stands 2–8 px from the frame edge."""
    height, width = pieces[0].shape
    coverage = np.max(pieces, axis=0)
    ys, xs = np.nonzero(coverage > 0.05)
    gap = int(rng.integers(2, 9))
    sides = ["left", "right", "top", "bottom"]
    if desk is not None:  # not onto the desk
        sides = [s for s in sides if not _desk_on(desk, s)] or sides
    side = sides[int(rng.integers(len(sides)))]
    shift = {
        "left": (gap - xs.min(), 0),
        "right": (width - 1 - gap - xs.max(), 0),
        "top": (0, gap - ys.min()),
        "bottom": (0, height - 1 - gap - ys.max()),
    }[side]
    matrix = np.float32([[1, 0, shift[0]], [0, 1, shift[1]]])
    return [cv2.warpAffine(piece, matrix, (width, height), flags=cv2.INTER_NEAREST) for piece in pieces]


def _desk_on(desk, side):
    return {"left": desk[:, 0].any(), "right": desk[:, -1].any(), "top": desk[0].any(), "bottom": desk[-1].any()}[side]


def _rule(page, rng, *, squared):
    """Ruled lines (and columns for squared paper), pale blue or grey, 1–2 px."""
    height, width = page.shape[:2]
    spacing = rng.uniform(0.035, 0.06) * height if squared else rng.uniform(0.06, 0.12) * height
    colour = np.array([rng.uniform(0.55, 0.9), rng.uniform(0.45, 0.85), rng.uniform(0.3, 0.85)], np.float32)
    strength = rng.uniform(0.4, 1.0)
    lines = np.zeros((height, width), np.float32)
    thickness = int(rng.integers(1, 3))
    offset = rng.uniform(0, spacing)
    angle = rng.uniform(-0.02, 0.02)
    for y in np.arange(offset, height + width * abs(angle), spacing):
        cv2.line(lines, (0, int(y)), (width, int(y + width * angle)), 1.0, thickness)
    if squared:
        for x in np.arange(rng.uniform(0, spacing), width, spacing):
            cv2.line(lines, (int(x), 0), (int(x - height * angle), height), 1.0, thickness)
    elif rng.random() < 0.5:  # a margin line
        x = int(rng.uniform(0.08, 0.15) * width)
        cv2.line(lines, (x, 0), (x, height), 1.0, 2)
    lines *= strength
    tint = 1 - lines[..., None] * (1 - colour)
    return page * tint


def _desk_mask(rng, width, height):
    """True where the desk shows: one side of the frame, behind a straight, slightly tilted edge."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    side = rng.integers(4)
    depth = rng.uniform(0.06, 0.25)
    tilt = rng.uniform(-0.12, 0.12)
    if side == 0:
        return xs < depth * width + tilt * (ys - height / 2)
    if side == 1:
        return xs > (1 - depth) * width + tilt * (ys - height / 2)
    if side == 2:
        return ys < depth * height + tilt * (xs - width / 2)
    return ys > (1 - depth) * height + tilt * (xs - width / 2)


def _lay_on_desk(page, desk, rng):
    """Dark wood or a grey table where the mask says desk, with a grain."""
    height, width = desk.shape
    base = np.array([rng.uniform(20, 90), rng.uniform(30, 100), rng.uniform(40, 130)], np.float32)
    grain = cv2.GaussianBlur(rng.normal(0, 12, (height, width)).astype(np.float32), (0, 0), 3)
    desk_colour = base + grain[..., None]
    soft = cv2.GaussianBlur(desk.astype(np.float32), (0, 0), 1.0)[..., None]
    return page * (1 - soft) + desk_colour * soft


def _hold_up(page, boxes, rng):
    """The page, smaller (70–90% of the frame), turned up to 5° and moved, held up before a room.

    The room is darker than the paper, as bright or brighter (a window), unevenly lit and
    grained; the digits' boxes move with the page.
    """
    height, width = page.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-5, 5), rng.uniform(0.7, 0.9))
    matrix[:, 2] += rng.uniform(-0.05, 0.05, 2) * (width, height)
    held = cv2.warpAffine(page, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    inside = cv2.warpAffine(np.ones((height, width), np.float32), matrix, (width, height), flags=cv2.INTER_LINEAR)
    light = cv2.resize(rng.uniform(0.75, 1.25, (4, 4)).astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    grain = cv2.GaussianBlur(rng.normal(0, 8, (height, width)).astype(np.float32), (0, 0), 1.5)
    colour = rng.uniform(30, 250) * rng.uniform(0.85, 1.15, 3).astype(np.float32)
    room = np.clip(colour * light[..., None] + grain[..., None], 0, 255)
    rotated = [_tilted_box(box, np.vstack([matrix, [0, 0, 1]])) for box in boxes]
    return held * inside[..., None] + room * (1 - inside[..., None]), rotated


def _shadow(rng, width, height):
    """A soft shadow (a hand or the phone) darkening part of the frame by 20–50%."""
    mask = np.zeros((height, width), np.float32)
    centre = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
    axes = (int(rng.uniform(0.2, 0.6) * width), int(rng.uniform(0.2, 0.6) * height))
    cv2.ellipse(mask, centre, axes, rng.uniform(0, 180), 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(10, 40))
    return 1 - mask * rng.uniform(0.2, 0.5)


def _ink_colour(rng, conditions, paper):
    """BGR ink: dark pen, pencil grey (40–60% of the paper's brightness), or blue ballpoint."""
    if Condition.PENCIL in conditions:
        return np.full(3, paper * rng.uniform(0.4, 0.6), np.float32)
    if Condition.BLUE_INK in conditions:
        return np.array([rng.uniform(120, 170), rng.uniform(40, 80), rng.uniform(10, 40)], np.float32)
    return np.full(3, rng.uniform(15, 70), np.float32)


def _tilt(page, boxes, rng):
    """A slight perspective: each corner moves by up to 5% of the frame, and the digits' boxes with it.

    The tilt keeps every digit wholly in the frame (a digit cut by the frame's edge is not one a
    reader should read): a tilt that would push one out is drawn again, smaller.
    """
    height, width = page.shape[:2]
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    reach = 0.05
    for _ in range(20):
        moved = corners + rng.uniform(-reach, reach, (4, 2)).astype(np.float32) * np.float32([width, height])
        matrix = cv2.getPerspectiveTransform(corners, moved)
        tilted = [_tilted_box(box, matrix) for box in boxes]
        if all(x >= 1 and y >= 1 and x + w <= width - 1 and y + h <= height - 1 for x, y, w, h in tilted):
            break
        reach *= 0.8
    else:
        return page, boxes
    return cv2.warpPerspective(page, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE), tilted


def _tilted_box(box, matrix):
    x, y, w, h = box
    points = np.float32([[[x, y]], [[x + w, y]], [[x + w, y + h]], [[x, y + h]]])
    moved = cv2.perspectiveTransform(points, matrix)[:, 0]
    low, high = np.floor(moved.min(axis=0)), np.ceil(moved.max(axis=0))
    return int(low[0]), int(low[1]), int(high[0] - low[0]), int(high[1] - low[1])


def _motion_kernel(rng):
    length = int(rng.integers(5, 12))
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2] = 1.0
    rotation = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1.0)
    kernel = cv2.warpAffine(kernel, rotation, (length, length))
    return kernel / kernel.sum()


def page_set(
    glyph_source,
    *,
    singles: int,
    multis: int,
    blanks: int,
    seed: int,
    rates: dict[Condition, float] = MIXED_RATES,
    writer: str = "mnist",
    size: tuple[int, int] = (640, 480),
) -> list[Scene]:
    """A reproducible mix of single-digit, multi-digit (2–6) and blank pages, conditions mixed.

    Args:
        glyph_source: ``glyph_source(label_or_None, rng) -> (glyph, label)``: a glyph to write.
        singles, multis, blanks: How many scenes of each kind.
        seed: Seeds every choice.
        rates: How often each condition is drawn.
        writer: Recorded in each scene.
        size: (width, height) of every frame.
    """
    rng = np.random.default_rng(seed)
    scenes = []
    for count in [1] * singles + list(rng.integers(2, 7, multis)) + [0] * blanks:
        drawn = [glyph_source(rng) for _ in range(count)]
        conditions = draw_conditions(rng, count, rates)
        scenes.append(
            render_page([g for g, _ in drawn], [label for _, label in drawn], conditions, rng, writer=writer, size=size)
        )
    return scenes


class FrameKind(str, enum.Enum):
    """The frames a timing benchmark reads (:func:`number_frames`)."""

    CLEAN = "clean"  # 2–5 digits on clean paper
    HARD = "hard"  # 2–6 digits, the hard cases mixed
    HELD_UP = "held-up"  # the same, every page held up before a room


def add_frame_kind_options(parser: argparse.ArgumentParser) -> None:
    """``--hard`` / ``--held-up`` (clean frames without either), parsed into ``args.kind``."""
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--hard", dest="kind", action="store_const", const=FrameKind.HARD, help="hard pages instead of clean ones")
    kind.add_argument("--held-up", dest="kind", action="store_const", const=FrameKind.HELD_UP, help="hard pages held up before a room")
    parser.set_defaults(kind=FrameKind.CLEAN)


def number_frames(images: np.ndarray, labels: np.ndarray, count: int, *, kind: FrameKind, seed: int) -> list[Scene]:
    """``count`` frames with a number on each, written in MNIST digits, for timing the reader.

    Clean scenes of 2–5 digits (:func:`benchmarks.scenes.scene_set`) or pages of 2–6 digits
    with the hard cases mixed (:func:`page_set`), held up before a room for ``FrameKind.HELD_UP``.
    """
    if kind is FrameKind.CLEAN:
        return scene_set(images, labels, singles=0, multis=count, blanks=0, seed=seed)
    rates = HELD_UP_RATES if kind is FrameKind.HELD_UP else MIXED_RATES
    return page_set(mnist_source(images, labels), singles=0, multis=count, blanks=0, seed=seed, rates=rates)


def mnist_source(images: np.ndarray, labels: np.ndarray):
    """A glyph source drawing from MNIST digits (use test digits: the model never saw them)."""

    def draw(rng):
        index = int(rng.integers(len(images)))
        return mnist_glyph(images[index]), int(labels[index])

    return draw


def font_source(glyphs: list[np.ndarray]):
    """A glyph source drawing the digits of one font."""

    def draw(rng):
        label = int(rng.integers(10))
        return glyphs[label], label

    return draw
