"""Per-stage time to read one 640×480 camera frame holding one digit, on one core.

Stages: grayscale, lighting/ink map, the rest of finding (threshold, connected
regions, filtering, MNIST-style crops), and inference. OpenCV and the interpreter
are both held to one thread, as on a busy Raspberry Pi core.

Usage:
    CNNKIT_DATA=path/to/mnist python benchmarks/frame_latency.py runs/x/model_int8.tflite [--frames 300]
"""

from __future__ import annotations

import argparse
import json
import time

import cv2
import numpy as np

from runtime import load_model
from runtime.preprocess import FindOptions, find_digits, ink_map, to_gray
from toolkit.data import load_mnist
from toolkit.scenes import scene_set


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--frames", type=int, default=300)
    args = parser.parse_args()

    cv2.setNumThreads(1)
    model = load_model(args.model, num_threads=1)
    _, (x_test, y_test) = load_mnist()
    scenes = scene_set(x_test, y_test, singles=args.frames, multis=0, blanks=0, seed=1)
    options = FindOptions()
    stages: dict[str, list[float]] = {"gray": [], "ink_map": [], "find_rest": [], "inference": [], "total": []}
    for scene in scenes * 2:  # the first pass warms caches and is discarded below
        t0 = time.perf_counter()
        gray = to_gray(scene.image)
        t1 = time.perf_counter()
        ink_map(gray, options.polarity)
        t2 = time.perf_counter()
        candidates = find_digits(scene.image, options)
        t3 = time.perf_counter()
        if candidates:
            model.predict(np.stack([candidate.image for candidate in candidates]))
        t4 = time.perf_counter()
        find_total = t3 - t2
        stages["gray"].append(t1 - t0)
        stages["ink_map"].append(t2 - t1)
        stages["find_rest"].append(max(0.0, find_total - (t2 - t0)))
        stages["inference"].append(t4 - t3)
        stages["total"].append(find_total + (t4 - t3))
    half = len(scenes)
    report = {
        name: {"median_ms": float(np.median(values[half:]) * 1e3), "p95_ms": float(np.percentile(values[half:], 95) * 1e3)}
        for name, values in stages.items()
    }
    report["frames"] = half
    report["opencv_threads"] = cv2.getNumThreads()
    report["model"] = args.model
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
