"""How well `runtime.read_digits` reads synthetic camera frames, and how fast.

Renders MNIST *test* digits as dark ink on unevenly lit paper (see benchmarks/scenes.py),
reads every frame with an exported model, and reports:

- single-digit frames read right (target ≥ 97%),
- multi-digit frames read exactly (target ≥ 90%),
- blank frames with any digit reported (target ≤ 3%),
- per-stage milliseconds on 640×480 frames (find digits, inference), one thread.

Usage:
    CNNKIT_DATA=path/to/mnist python -m benchmarks.read_accuracy runs/x/model_int8.tflite [--singles 500 --multis 300 --blanks 200]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from benchmarks.scenes import scene_set
from runtime import load_model
from runtime.reader import read_digits
from toolkit.data import load_mnist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--singles", type=int, default=500)
    parser.add_argument("--multis", type=int, default=300)
    parser.add_argument("--blanks", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()

    model = load_model(args.model, num_threads=1)
    _, (x_test, y_test) = load_mnist()
    scenes = scene_set(x_test, y_test, singles=args.singles, multis=args.multis, blanks=args.blanks, seed=args.seed)
    right = {"single": [], "multi": [], "blank": []}
    find_ms, infer_ms, total_ms = [], [], []
    for scene in scenes:
        started = time.perf_counter()
        reading = read_digits(scene.image, model)
        total_ms.append((time.perf_counter() - started) * 1e3)
        find_ms.append(reading.timings_ms["find_ms"])
        infer_ms.append(reading.timings_ms["infer_ms"])
        read = "".join(digit.name for digit in reading.digits)
        kind = "blank" if not scene.labels else "single" if len(scene.labels) == 1 else "multi"
        right[kind].append(read == scene.number)
        if args.show_misses and read != scene.number:
            print(f"miss: wrote {scene.number!r}, read {read!r} (rejected {reading.rejected})")
    result = {
        "single_digit_read_right": float(np.mean(right["single"])) if right["single"] else None,
        "multi_digit_read_exactly": float(np.mean(right["multi"])) if right["multi"] else None,
        "blank_with_any_digit": 1.0 - float(np.mean(right["blank"])) if right["blank"] else None,
        "frames": len(scenes),
        "find_ms_median": float(np.median(find_ms)),
        "infer_ms_median": float(np.median(infer_ms)),
        "total_ms_median": float(np.median(total_ms)),
        "total_ms_p95": float(np.percentile(total_ms, 95)),
        "model": args.model,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
