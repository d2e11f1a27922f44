"""Synthetic camera scenes: MNIST digits written in dark ink on paper, as a camera sees them.

Used to measure and test how well `runtime.read_digits` reads real-looking frames:
uneven lighting, blur, sensor noise, slight rotation, digits of different sizes,
one to several digits on a line, and blank pages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Scene:
    """A rendered frame and what is written on it.

    Attributes:
        image: uint8 BGR (height, width, 3).
        labels: The digits, left to right (empty for a blank page).
        boxes: Each digit's (x, y, w, h) in the frame, left to right.
    """

    image: np.ndarray
    labels: tuple[int, ...]
    boxes: tuple[tuple[int, int, int, int], ...]

    @property
    def number(self) -> str:
        return "".join(str(label) for label in self.labels)


def render_scene(
    digits: np.ndarray,
    labels: np.ndarray,
    rng: np.random.Generator,
    *,
    size: tuple[int, int] = (640, 480),
) -> Scene:
    """Write ``digits`` left to right on one line of a sheet of paper and photograph it.

    Args:
        digits: uint8 (k, 28, 28) MNIST digits (white on black); k = 0 gives a blank page.
        labels: Their labels.
        rng: Source of every random choice (lighting, size, angle, noise).
        size: (width, height) of the frame.
    """
    import cv2

    width, height = size
    paper = paper_sheet(rng, width, height)
    ink_colour = rng.uniform(15, 70)
    count = len(digits)
    boxes = []
    if count:
        digit_h = int(rng.uniform(0.18, 0.4) * height) if count <= 3 else int(rng.uniform(0.14, 0.24) * height)
        # Each digit is as wide as its ink; a gap of a quarter to nearly half a digit keeps them apart.
        ink_widths = np.array([np.ptp(np.flatnonzero(digit.max(axis=0) > 50)) + 1 for digit in digits]) / 20
        gap_share = rng.uniform(0.25, 0.45, count)
        # Shrink the writing where the line would not fit in the frame (rotation needs a margin too).
        line_per_height = ink_widths.sum() + gap_share[:-1].sum() + 0.3
        digit_h = int(min(digit_h, 0.85 * width / line_per_height))
        scale = digit_h / 20  # MNIST digits fill 20 of their 28 pixels
        widths, gaps = ink_widths * digit_h, gap_share * digit_h
        total = widths.sum() + gaps[:-1].sum()
        left = rng.uniform(0.06 * width, max(0.06 * width + 1, 0.94 * width - total))
        baseline = rng.uniform(0.2 * height, 0.8 * height - digit_h) if height > 2.5 * digit_h else (height - digit_h) / 2
        coverage = np.zeros((height, width), np.float32)
        for digit, digit_w, gap in zip(digits, widths, gaps, strict=True):
            centre = (left + digit_w / 2 + rng.uniform(-2, 2), baseline + digit_h / 2 + rng.uniform(-3, 3))
            matrix = cv2.getRotationMatrix2D((14, 14), rng.uniform(-10, 10), scale)
            matrix[:, 2] += np.array(centre) - 14
            warped = cv2.warpAffine(digit.astype(np.float32) / 255, matrix, (width, height), flags=cv2.INTER_LINEAR)
            coverage = np.maximum(coverage, warped)
            ys, xs = np.nonzero(warped > 0.2)
            boxes.append((int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)))
            left += digit_w + gap
        paper = paper * (1 - coverage[..., None]) + ink_colour * coverage[..., None]
    sigma = rng.uniform(0.4, 1.4)
    image = cv2.GaussianBlur(paper.astype(np.float32), (0, 0), sigma)
    image += rng.normal(0, rng.uniform(2, 7), image.shape).astype(np.float32)
    return Scene(np.clip(image, 0, 255).astype(np.uint8), tuple(int(label) for label in labels), tuple(boxes))


def paper_sheet(
    rng: np.random.Generator,
    width: int,
    height: int,
    *,
    brightness: tuple[float, float] = (160, 230),
    gradient: tuple[float, float] = (20, 70),
    tint: tuple[float, float] = (0.92, 1.0),
) -> np.ndarray:
    """Off-white paper, lit unevenly: a linear gradient in a random direction plus a soft vignette.

    Returns:
        float BGR (height, width, 3) in [0, 255]; the ranges bound each random choice.
    """
    level = rng.uniform(*brightness)
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    slope = ((xs / width - 0.5) * np.cos(angle) + (ys / height - 0.5) * np.sin(angle)) * rng.uniform(*gradient)
    vignette = ((xs / width - 0.5) ** 2 + (ys / height - 0.5) ** 2) * rng.uniform(0, 60)
    gray = level + slope - vignette
    colour = rng.uniform(*tint, 3).astype(np.float32)
    return np.clip(gray[..., None] * colour, 0, 255)


def scene_set(
    images: np.ndarray, labels: np.ndarray, *, singles: int, multis: int, blanks: int, seed: int = 0
) -> list[Scene]:
    """A reproducible mix of single-digit, multi-digit (2–5) and blank scenes.

    Args:
        images: uint8 (N, 28, 28) MNIST test digits; labels: their labels.
        singles, multis, blanks: How many scenes of each kind.
        seed: Seeds every choice.
    """
    rng = np.random.default_rng(seed)
    scenes = []
    for count in [1] * singles + list(rng.integers(2, 6, multis)) + [0] * blanks:
        chosen = rng.choice(len(images), size=count, replace=False)
        scenes.append(render_scene(images[chosen], labels[chosen], rng))
    return scenes
