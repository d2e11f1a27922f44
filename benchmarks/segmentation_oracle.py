"""How much better the page reader could read with perfect segmentation: cuts at the written digits.

For each multi-digit page of `benchmarks/read_pages.py` (the same pages for the same options),
the reader's own ink regions (:func:`runtime.preprocess.find_ink`) are cut where the page was
written: every ink pixel goes to the written digit whose box holds it and whose centre is nearest. Each digit's ink
is then cropped and centred as the reader crops a hypothesis (:func:`runtime.preprocess.mnist_style`,
without the reader's bridging of pen lifts) and read by the model in one batch. The gap between
the numbers read exactly this way and by :func:`runtime.reader.read_digits` is what
segmentation costs; what the oracle still misses is the model's reading.

Usage:
    CNNKIT_DATA=path/to/mnist python -m benchmarks.segmentation_oracle runs/x/model_int8.tflite [--condition touching]
        [--sample tuning] [--singles N --multis N --blanks N --font-scenes N --size WxH: as benchmarks.read_pages]
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks.pages import Condition
from benchmarks.read_pages import add_sample_options, sample_pages
from runtime import load_model
from runtime.preprocess import find_ink, mnist_style
from runtime.reader import read_digits

_REACH = 2  # pixels at the reader's working size: ink this close outside a written digit's box may still be its own


def oracle_crops(image: np.ndarray, boxes: tuple[tuple[int, int, int, int], ...]) -> list[np.ndarray]:
    """The written digits cut from the reader's ink at their true boxes: uint8 (28, 28) each, left to right.

    Args:
        image: The page's frame.
        boxes: Each written digit's (x, y, w, h) in frame pixels.

    Returns:
        One MNIST-style crop per box (all zeros where no ink fell to it).
    """
    page = find_ink(image)
    scaled = np.array(boxes, np.float64) / page.scale
    left, top = scaled[:, 0] - _REACH, scaled[:, 1] - _REACH
    right, bottom = scaled[:, 0] + scaled[:, 2] + _REACH, scaled[:, 1] + scaled[:, 3] + _REACH
    centre = scaled[:, 0] + scaled[:, 2] / 2
    owner = np.full(page.ink.shape, -1, np.int32)  # which written digit each ink pixel goes to
    for region in page.regions:
        x, y, _, _ = region.box
        ys, xs = np.nonzero(region.mask)
        ys, xs = ys + y, xs + x
        inside = (xs >= left[:, None]) & (xs <= right[:, None]) & (ys >= top[:, None]) & (ys <= bottom[:, None])
        distance = np.where(inside, np.abs(xs[None, :] - centre[:, None]), np.inf)
        owned = np.isfinite(distance.min(axis=0))
        owner[ys[owned], xs[owned]] = distance.argmin(axis=0)[owned]
    crops = []
    for index in range(len(boxes)):
        mine = np.where(owner == index, page.ink, 0).astype(np.uint8)
        rows, cols = np.nonzero(mine)
        ink = mine[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1] if len(rows) else mine[:0, :0]
        crops.append(mnist_style(ink))  # no ink: all zeros
    return crops


def compare(scenes, model) -> dict:
    """Multi-digit pages read exactly by the reader and by the oracle's cuts, and the oracle's digits read right."""
    reader_right = oracle_right = digits_right = digits = 0
    pages = [scene for scene in scenes if len(scene.labels) >= 2]
    for scene in pages:
        reader_right += "".join(d.name for d in read_digits(scene.image, model).digits) == scene.number
        labels = model.predict(np.stack(oracle_crops(scene.image, scene.boxes))).argmax(axis=1)
        right = labels == np.array(scene.labels)
        oracle_right += bool(right.all())
        digits_right += int(right.sum())
        digits += len(right)
    count = max(1, len(pages))
    return {"pages": len(pages), "reader_exact": reader_right / count, "oracle_exact": oracle_right / count,
            "oracle_digits": digits_right / max(1, digits)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    add_sample_options(parser)  # the pages of benchmarks.read_pages for the same options
    parser.add_argument("--condition", choices=[c.value for c in Condition], help="only pages showing this condition")
    args = parser.parse_args()

    model = load_model(args.model, num_threads=1)
    mnist, fonts = sample_pages(args)
    writers = {"MNIST digits": mnist, "evaluation fonts": [scene for scenes in fonts.values() for scene in scenes]}
    print(f"{'writer':<18}{'pages':>7}{'reader exact':>14}{'oracle exact':>14}{'oracle digits':>15}")
    for writer, scenes in writers.items():
        if args.condition:
            scenes = [s for s in scenes if Condition(args.condition) in s.conditions]
        result = compare(scenes, model)
        print(f"{writer:<18}{result['pages']:>7}{result['reader_exact']:>14.1%}{result['oracle_exact']:>14.1%}"
              f"{result['oracle_digits']:>15.1%}")


if __name__ == "__main__":
    main()
