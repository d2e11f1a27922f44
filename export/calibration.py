"""Pick the images that calibrate int8 quantization: training images only, never test images."""

from __future__ import annotations

from itertools import chain, zip_longest

import numpy as np

from core.contract import PIXEL_SCALE


def calibration_images(images: np.ndarray, labels: np.ndarray, count: int, *, seed: int = 0) -> np.ndarray:
    """Draw ``count`` training images spread evenly over the classes, reproducibly.

    Args:
        images: uint8 (N, 28, 28) training images.
        labels: uint8 (N,) labels 0–9.
        count: How many to draw; classes get ``count // 10`` each, the first
            ``count % 10`` classes one more (capped by what a class has).
        seed: Seeds the draw.

    Returns:
        float32 (count, 28, 28, 1) in [0, 1], classes interleaved.
    """
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    per_class = [count // len(classes) + (i < count % len(classes)) for i in range(len(classes))]
    chosen = [
        rng.choice(np.flatnonzero(labels == cls), size=min(k, int(np.sum(labels == cls))), replace=False)
        for cls, k in zip(classes, per_class, strict=True)
    ]
    # Interleave classes so that any prefix of the set is balanced too.
    order = [int(index) for index in chain.from_iterable(zip_longest(*chosen)) if index is not None]
    return (images[np.array(order)].astype(np.float32) * np.float32(PIXEL_SCALE))[..., np.newaxis]
