"""Where the page reader's wrong readings come from: each written digit traced to the digit read over it.

For every digit page of a `benchmarks/read_pages.py` sample read wrong, each written digit is
matched to the read digit whose box holds its centre (the nearest, where boxes overlap; see
:func:`trace`), which names what happened: written digits **merged** into one reading, a
written digit **dropped** (no reading over it), one **split** (a piece of it read on its
own), a **stray** reading beside every written digit (page furniture, a fragment), or a digit
read alone from its own place but **relabelled** as another. Prints
each page (writer, conditions, written and read, the trace), the counts of each cause, and
with ``--mosaic`` draws the pages as the camera demo draws a reading, the written boxes in
magenta, for looking at.

Usage:
    CNNKIT_DATA=path/to/mnist python -m benchmarks.miss_trace runs/x/model_int8.tflite --sample tuning [--writers fonts] [--kind fewer] [--mosaic misses.png]
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass

import cv2
import numpy as np

from benchmarks.read_pages import MISS_KINDS, add_sample_options, miss_kind, sample_pages
from camera_demo.overlay import draw_reading
from runtime import load_model
from runtime.reader import read_digits


@dataclass(frozen=True)
class Trace:
    """What became of each written digit of one page (indices into the written and the read digits).

    Attributes:
        merged: Groups of two or more written digits under one reading.
        dropped: Written digits no reading lies over.
        split: Written digits read as two or more digits (a piece of one read on its own).
        stray: Readings over no written digit: page furniture, or a fragment beside the digits.
        relabelled: Written digits read alone, from their own place, as another digit.
    """

    merged: tuple[tuple[int, ...], ...]
    dropped: tuple[int, ...]
    split: tuple[int, ...]
    stray: tuple[int, ...]
    relabelled: tuple[int, ...]

    def causes(self) -> list[str]:
        """One name per cause found, as many times as it happened."""
        return (["merged"] * len(self.merged) + ["dropped"] * len(self.dropped) + ["split"] * len(self.split)
                + ["stray"] * len(self.stray) + ["relabelled"] * len(self.relabelled))

    def describe(self, number: str) -> str:
        """The causes in words, each written digit named by its character in ``number`` ("merged 17, dropped 4")."""
        parts = [f"merged {''.join(number[i] for i in group)}" for group in self.merged]
        parts += [f"{name} {''.join(number[i] for i in which)}" for name, which in
                  (("dropped", self.dropped), ("split", self.split), ("relabelled", self.relabelled)) if which]
        parts += [f"{len(self.stray)} stray"] if self.stray else []
        return ", ".join(parts)


def _centre(box: tuple[int, int, int, int]) -> tuple[float, float]:
    """The middle of an (x, y, w, h) box."""
    return box[0] + box[2] / 2, box[1] + box[3] / 2


def _holds(box: tuple[int, int, int, int], point: tuple[float, float]) -> bool:
    """True when ``point`` lies in the (x, y, w, h) box, its edges included."""
    return box[0] <= point[0] <= box[0] + box[2] and box[1] <= point[1] <= box[1] + box[3]


def trace(labels, boxes, read) -> Trace:
    """Match written digits to read ones by the written box's centre: what became of each.

    Args:
        labels: The written digits, left to right.
        boxes: Their (x, y, w, h) boxes.
        read: (label, box) of each digit read, left to right.
    """
    # Each written digit goes to the reading holding its centre whose own centre is nearest
    # (neighbouring readings' boxes overlap where digits touch).
    over = []
    for written_box in boxes:
        centre = _centre(written_box)
        holding = [index for index, (_, box) in enumerate(read) if _holds(box, centre)]
        over.append(min(holding, key=lambda index: abs(_centre(read[index][1])[0] - centre[0]), default=None))
    under: dict[int, list[int]] = {}
    for written, reading in enumerate(over):
        if reading is not None:
            under.setdefault(reading, []).append(written)
    merged = tuple(tuple(writtens) for _, writtens in sorted(under.items()) if len(writtens) > 1)
    # A reading over no written digit's centre is a piece of the digit whose box holds its own
    # centre (that digit was split), or a stray: page furniture, or a fragment beside the digits.
    pieces, stray = set(), []
    for index, (_, box) in enumerate(read):
        if index in under:
            continue
        inside = [written for written, written_box in enumerate(boxes) if _holds(written_box, _centre(box))]
        pieces.update(inside)
        if not inside:
            stray.append(index)
    relabelled = tuple(
        written
        for written, reading in enumerate(over)
        if reading is not None and len(under[reading]) == 1 and written not in pieces and read[reading][0] != labels[written]
    )
    return Trace(
        merged=merged,
        dropped=tuple(written for written, reading in enumerate(over) if reading is None),
        split=tuple(sorted(pieces)),
        stray=tuple(stray),
        relabelled=relabelled,
    )


def _drawn(scene, reading, title: str, width: int = 320) -> np.ndarray:
    """The page as the camera demo draws a reading (green boxes, label, confidence), the written boxes in magenta, scaled to ``width``."""
    image = draw_reading(scene.image, reading)
    for x, y, w, h in scene.boxes:
        cv2.rectangle(image, (x, y), (x + w, y + h), (255, 0, 255), 2)
    image = cv2.resize(image, (width, round(width * image.shape[0] / image.shape[1])), interpolation=cv2.INTER_AREA)
    cv2.putText(image, title, (3, image.shape[0] - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (255, 0, 0), 1)
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    add_sample_options(parser)
    parser.add_argument("--writers", choices=("mnist", "fonts", "both"), default="both")
    parser.add_argument("--kind", choices=MISS_KINDS, help="only the misses of this kind (benchmarks.read_pages.miss_kind)")
    parser.add_argument("--mosaic", help="draw the pages read wrong into this image (four across)")
    args = parser.parse_args()

    model = load_model(args.model, num_threads=1)
    mnist, fonts = sample_pages(args)
    scenes = ([] if args.writers == "fonts" else mnist) + ([] if args.writers == "mnist" else [s for v in fonts.values() for s in v])
    causes: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    tiles = []
    for index, scene in enumerate(scenes):
        if scene.kind == "blank":
            continue
        reading = read_digits(scene.image, model)
        digits = reading.digits
        kind = miss_kind(scene, digits)
        if kind is None or (args.kind and kind != args.kind):
            continue
        found = trace(scene.labels, scene.boxes, [(digit.label, digit.box) for digit in digits])
        kinds[kind] += 1
        causes.update(found.causes())
        read = "".join(digit.name for digit in digits)
        conditions = ",".join(sorted(condition.value for condition in scene.conditions))
        print(f"{index:5d} {scene.writer[:16]:16s} {scene.number:>8s} read {read:>9s}  {kind:5s}  {found.describe(scene.number)}  [{conditions}]")
        if args.mosaic:
            tiles.append(_drawn(scene, reading, f"{index} {scene.number}>{read} {conditions}"))
    print(f"\n{sum(kinds.values())} pages read wrong: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    print("causes: " + ", ".join(f"{k} {n}" for k, n in causes.most_common()))
    if args.mosaic and tiles:
        height = max(tile.shape[0] for tile in tiles)
        tiles = [cv2.copyMakeBorder(tile, 0, height - tile.shape[0], 0, 0, cv2.BORDER_CONSTANT) for tile in tiles]
        tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % 4)
        cv2.imwrite(args.mosaic, np.vstack([np.hstack(tiles[row : row + 4]) for row in range(0, len(tiles), 4)]))
        print(f"wrote {args.mosaic}")


if __name__ == "__main__":
    main()
