"""How well `runtime.read_digits` reads camera-like pages, per hard case and per writer.

Renders pages with `benchmarks/pages.py` (conditions mixed at random, each scene tagged),
reads every frame (640×480 unless ``--size`` says otherwise) once with an exported model
(one thread), and reports per condition: single-digit frames read right, multi-digit frames
read exactly, blank frames with any digit reported, and the digit frames read wrong by
kind (:func:`miss_kind`: fewer digits, more, one from a wrong box, a wrong label); then the
same for the evaluation handwriting fonts.

Two fixed samples: ``--sample tuning`` (seed 7, MNIST test digits 0–4999) is the one the
reader's thresholds may be tuned on; ``--sample held-out`` (seed 2026, digits 5000–9999,
the default) is only ever reported.
With ``--held-up`` every page is held up before a room instead of filling the frame (its
four edges in view, the room darker or brighter than the paper): the use the camera demo is
for, which the default samples do not show.

Usage:
    CNNKIT_DATA=path/to/mnist python -m benchmarks.read_pages runs/x/model_int8.tflite [--json out.json] [--size 320x240] [--held-up]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict

import numpy as np

from benchmarks.pages import (
    EVALUATION_FONTS,
    HELD_UP_RATES,
    MIXED_RATES,
    Condition,
    Scene,
    find_font,
    font_glyphs,
    font_source,
    mnist_source,
    page_set,
)
from camera_demo.smoothing import iou
from runtime import load_model
from runtime.reader import read_digits
from toolkit.data import load_mnist

SAMPLES = {"tuning": (7, slice(0, 5000)), "held-out": (2026, slice(5000, 10000))}


MISS_KINDS = ("fewer", "more", "part", "label")
# A digit read right shares at least this much of its box with the written one (intersection over
# union: 99% of the 568 digits read right on the tuning sample's single-digit pages shared 0.78 or more).
_WHOLE_DIGIT_IOU = 0.7


def miss_kind(scene, digits) -> str | None:
    """How a reading of ``scene`` went wrong: None when it is right.

    "fewer": digits merged or dropped; "more": a digit split in two, or page furniture read as
    a digit; "part": as many digits as were written, but a wrong one read from a box that is
    not the digit's (it lost a broken piece, or took a neighbour's); "label": as many digits,
    each in its place, and at least one read as another digit.

    Args:
        scene: A :class:`benchmarks.pages.Scene`.
        digits: The reading's digits, left to right (:attr:`runtime.reader.Reading.digits`).
    """
    read = "".join(digit.name for digit in digits)
    if read == scene.number:
        return None
    if len(read) != len(scene.number):
        return "fewer" if len(read) < len(scene.number) else "more"
    wrong = [(digit.box, box) for digit, label, box in zip(digits, scene.labels, scene.boxes, strict=True) if digit.label != label]
    return "part" if any(iou(found, written) < _WHOLE_DIGIT_IOU for found, written in wrong) else "label"


def score(scenes, model) -> dict:
    """Read every scene; per condition (and "all", "clean", each font), the three rates and counts,
    and the misses of digit frames by kind (:func:`miss_kind`)."""
    outcomes: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    kinds_missed: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MISS_KINDS, 0))
    timings = []
    misses = []
    for scene in scenes:
        started = time.perf_counter()
        reading = read_digits(scene.image, model)
        timings.append((time.perf_counter() - started) * 1e3)
        read = "".join(digit.name for digit in reading.digits)
        right = read == scene.number
        if not right:
            misses.append((scene.number, read, sorted(c.value for c in scene.conditions)))
        tags = ["all"] + [c.value for c in scene.conditions] + ([] if scene.conditions else ["clean"])
        if scene.writer != "mnist":
            tags.append(scene.writer)  # a font's own row: its pages are read once for it and for "all"
        for tag in tags:
            outcomes[tag][scene.kind].append(right)
            if not right and scene.kind != "blank":
                kinds_missed[tag][miss_kind(scene, reading.digits)] += 1
    table = {}
    for tag, kinds in outcomes.items():
        table[tag] = {
            "single": _rate(kinds.get("single")),
            "multi": _rate(kinds.get("multi")),
            "blank_fp": None if not kinds.get("blank") else 1.0 - _rate(kinds["blank"])["rate"],
            "blank_n": len(kinds.get("blank", [])),
            "misses": dict(kinds_missed[tag]),
        }
    return {"table": table, "ms_median": float(np.median(timings)), "ms_p95": float(np.percentile(timings, 95)),
            "misses": misses}


def _rate(values):
    if not values:
        return {"rate": None, "n": 0}
    return {"rate": float(np.mean(values)), "n": len(values)}


def print_table(title: str, table: dict) -> None:
    print(f"\n{title}")
    print(f"{'condition':<14}{'single':>9}{'n':>6}{'multi':>9}{'n':>6}{'blank FP':>10}{'n':>6}")
    order = ["all", "clean"] + [c.value for c in Condition] + sorted(k for k in table if k.endswith((".ttf", ".otf")))
    for tag in order:
        if tag not in table:
            continue
        row = table[tag]
        single, multi = row["single"], row["multi"]
        fp = "" if row["blank_fp"] is None else f"{row['blank_fp']:.1%}"
        print(
            f"{tag:<14}{_pct(single['rate']):>9}{single['n']:>6}{_pct(multi['rate']):>9}{multi['n']:>6}"
            f"{fp:>10}{row['blank_n'] or '':>6}"
        )


def print_miss_kinds(title: str, table: dict) -> None:
    """Per condition, the digit frames read wrong by kind (:func:`miss_kind`)."""
    print(f"\n{title}: digit frames read wrong, by kind (fewer or more digits; as many, one from a wrong box; a wrong label)")
    print(f"{'condition':<14}" + "".join(f"{kind:>8}" for kind in MISS_KINDS))
    for tag in ["all", "clean"] + [c.value for c in Condition]:
        if tag in table and any(table[tag]["misses"].values()):
            print(f"{tag:<14}" + "".join(f"{table[tag]['misses'][kind]:>8}" for kind in MISS_KINDS))


def _frame_size(text: str) -> tuple[int, int]:
    """``"640x480"`` → (640, 480); anything else is an argparse error."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 640x480, got {text!r}") from None
    if min(width, height) < 64:
        raise argparse.ArgumentTypeError(f"frames must be at least 64 pixels on each side, got {text!r}")
    return width, height


def _pct(rate):
    return "" if rate is None else f"{rate:.1%}"


def add_sample_options(parser: argparse.ArgumentParser) -> None:
    """The options that choose the pages (the same options give the same pages in every benchmark)."""
    parser.add_argument("--sample", choices=sorted(SAMPLES), default="held-out")
    parser.add_argument("--singles", type=int, default=600)
    parser.add_argument("--multis", type=int, default=600)
    parser.add_argument("--blanks", type=int, default=400)
    parser.add_argument("--font-scenes", type=int, default=100, help="singles and multis each, per font")
    parser.add_argument("--size", type=_frame_size, default=(640, 480), metavar="WxH",
                        help="frame size (default 640x480; the pages are laid out anew at another size)")
    parser.add_argument("--held-up", action="store_true",
                        help="every page held up before a room, its four edges in view (a different sample)")


def sample_pages(args: argparse.Namespace) -> tuple[list[Scene], dict[str, list[Scene]]]:
    """The pages :func:`add_sample_options` chose: in MNIST digits, and per installed evaluation font.

    A font that is not installed is named on stdout and left out.
    """
    seed, digits = SAMPLES[args.sample]
    rates = HELD_UP_RATES if args.held_up else MIXED_RATES
    _, (x_test, y_test) = load_mnist()
    mnist = page_set(
        mnist_source(x_test[digits], y_test[digits]), singles=args.singles, multis=args.multis, blanks=args.blanks, seed=seed,
        size=args.size, rates=rates,
    )
    fonts = {}
    for offset, name in enumerate(EVALUATION_FONTS):
        path = find_font(name)
        if path is None:
            print(f"(font {name} is not installed: skipped)")
            continue
        fonts[name] = page_set(
            font_source(font_glyphs(path)), singles=args.font_scenes, multis=args.font_scenes, blanks=0,
            seed=seed * 100 + offset, writer=name, size=args.size, rates=rates,
        )
    return mnist, fonts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    add_sample_options(parser)
    parser.add_argument("--show-misses", type=int, default=0, metavar="N")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    model = load_model(args.model, num_threads=1)
    mnist_scenes, font_pages = sample_pages(args)
    mnist = score(mnist_scenes, model)
    held = ", held up" if args.held_up else ""
    print_table(f"MNIST digits ({args.sample} sample{held}, {len(mnist_scenes)} scenes, {args.size[0]}×{args.size[1]})", mnist["table"])
    print(f"read time per frame: median {mnist['ms_median']:.2f} ms, p95 {mnist['ms_p95']:.2f} ms")
    print_miss_kinds("MNIST digits", mnist["table"])

    font_scenes = [scene for scenes in font_pages.values() for scene in scenes]
    fonts = score(font_scenes, model) if font_scenes else None
    font_table = {name: fonts["table"][name] for name in font_pages} if fonts else {}
    if fonts:
        print_table(f"Evaluation fonts ({len(font_scenes)} scenes)", fonts["table"])
        print_miss_kinds("Evaluation fonts", fonts["table"])
    for label, result in (("mnist", mnist), ("fonts", fonts)):
        if result and args.show_misses:
            print(f"\n{label} misses (wrote, read, conditions):")
            for miss in result["misses"][: args.show_misses]:
                print("  ", miss)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"mnist": mnist | {"misses": None}, "fonts": fonts and fonts | {"misses": None},
                       "per_font": font_table, "model": args.model, "sample": args.sample}, handle, indent=2)


if __name__ == "__main__":
    main()
