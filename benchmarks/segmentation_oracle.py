"""How much better the page reader could read with perfect segmentation: cuts at the written digits.

For each multi-digit page of `benchmarks/read_pages.py` (the same pages for the same options),
the reader's own ink regions (:func:`runtime.preprocess.find_ink`) are cut where the page was
written: every ink pixel goes to the written digit whose box holds it and whose centre is nearest. Each digit's ink
is then cropped and centred as the reader crops a hypothesis (:func:`runtime.preprocess.mnist_style`,
without the reader's bridging of pen lifts) and read by the model in one batch. The gap between
the numbers read exactly this way and by :func:`runtime.reader.read_digits` is what
segmentation costs; what the oracle still misses is the model's reading. With ``--by-condition``
the oracle alone reads every page (single digits too), and its digits read right are tabled per
condition with the digits it confuses most: where the model, not the cuts, loses a page.

Usage:
    CNNKIT_DATA=path/to/mnist python -m benchmarks.segmentation_oracle runs/x/model_int8.tflite [--condition touching]
        [--by-condition]
        [--sample tuning] [--singles N --multis N --blanks N --font-scenes N --size WxH: as benchmarks.read_pages]
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict

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


def oracle_labels(scene, model) -> np.ndarray:
    """int (N,): the model's reading of each written digit of ``scene``, cut by :func:`oracle_crops`."""
    return model.predict(np.stack(oracle_crops(scene.image, scene.boxes))).argmax(axis=1)


def by_condition(scenes, model) -> dict:
    """The oracle's reading of every page with digits, per condition (and "all").

    Returns:
        ``{"table": {tag: {"digits", "digits_right", "multis", "multis_exact"}}, "confused":
        Counter of (written, read) label pairs}``; the rates are shares in [0, 1] (0 when there is nothing to count).
    """
    counts: dict[str, Counter] = defaultdict(Counter)
    confused: Counter = Counter()
    for scene in scenes:
        if not scene.labels:
            continue
        written = np.array(scene.labels)
        read = oracle_labels(scene, model)
        confused.update((int(w), int(r)) for w, r in zip(written, read, strict=True) if w != r)
        for tag in ["all", *sorted(c.value for c in scene.conditions)]:
            counts[tag].update(digits=len(written), right=int((read == written).sum()))
            if len(written) >= 2:
                counts[tag].update(multis=1, exact=int((read == written).all()))
    table = {
        tag: {
            "digits": c["digits"], "digits_right": c["right"] / max(1, c["digits"]),
            "multis": c["multis"], "multis_exact": c["exact"] / max(1, c["multis"]),
        }
        for tag, c in counts.items()
    }
    return {"table": table, "confused": confused}


def compare(scenes, model) -> dict:
    """Multi-digit pages read exactly by the reader and by the oracle's cuts, and the oracle's digits read right."""
    pages = [scene for scene in scenes if len(scene.labels) >= 2]
    reader_right = sum("".join(d.name for d in read_digits(scene.image, model).digits) == scene.number for scene in pages)
    oracle = by_condition(pages, model)["table"].get("all", {"multis_exact": 0.0, "digits_right": 0.0})
    return {"pages": len(pages), "reader_exact": reader_right / max(1, len(pages)),
            "oracle_exact": oracle["multis_exact"], "oracle_digits": oracle["digits_right"]}


def print_by_condition(writer: str, result: dict) -> None:
    """The table of :func:`by_condition`, worst condition first, and the ten commonest confusions."""
    table = result["table"]
    print(f"\n{writer}: the oracle's cuts, read by the model")
    print(f"{'condition':<14}{'digits right':>13}{'n':>6}{'multi exact':>13}{'n':>6}")
    for tag in sorted(table, key=lambda tag: (tag != "all", table[tag]["digits_right"])):
        row = table[tag]
        print(f"{tag:<14}{row['digits_right']:>13.1%}{row['digits']:>6}{row['multis_exact']:>13.1%}{row['multis']:>6}")
    common = ", ".join(f"{w}→{r} {n}" for (w, r), n in result["confused"].most_common(10))
    print(f"most confused (written→read): {common or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    add_sample_options(parser)  # the pages of benchmarks.read_pages for the same options
    parser.add_argument("--condition", choices=[c.value for c in Condition], help="only pages showing this condition")
    parser.add_argument("--by-condition", action="store_true",
                        help="the oracle's digits read right per condition, on every page (no reader)")
    args = parser.parse_args()

    model = load_model(args.model, num_threads=1)
    mnist, fonts = sample_pages(args)
    writers = {"MNIST digits": mnist, "evaluation fonts": [scene for scenes in fonts.values() for scene in scenes]}
    if args.condition:
        writers = {w: [s for s in scenes if Condition(args.condition) in s.conditions] for w, scenes in writers.items()}
    if args.by_condition:
        for writer, scenes in writers.items():
            print_by_condition(writer, by_condition(scenes, model))
        return
    print(f"{'writer':<18}{'pages':>7}{'reader exact':>14}{'oracle exact':>14}{'oracle digits':>15}")
    for writer, scenes in writers.items():
        result = compare(scenes, model)
        print(f"{writer:<18}{result['pages']:>7}{result['reader_exact']:>14.1%}{result['oracle_exact']:>14.1%}"
              f"{result['oracle_digits']:>15.1%}")


if __name__ == "__main__":
    main()
