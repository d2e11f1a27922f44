"""Per-stage time to read one 640×480 camera frame on one core.

Stages of `runtime.reader.read_digits`: finding (ink map, ruling, regions, and the
hypotheses of the segmentation lattice with their MNIST-style crops) and inference (one
batch, and a second one where a region could not be read surely whole). OpenCV and the
interpreter are both held to one thread, as on a busy Raspberry Pi core. Frames hold 2–5
MNIST test digits on clean paper (`benchmarks/scenes.py`), or with ``--hard`` the mixed hard
pages of `benchmarks/pages.py`, or with ``--held-up`` those pages held up before a room (their
edges in view: the camera demo's use).

Usage:
    CNNKIT_DATA=path/to/mnist python -m benchmarks.frame_latency runs/x/model_int8.tflite [--frames 300] [--hard | --held-up]
"""

from __future__ import annotations

import argparse
import json
import time

import cv2
import numpy as np

from benchmarks.pages import add_frame_kind_options, number_frames
from runtime import load_model
from runtime.reader import read_digits
from toolkit.data import load_mnist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--frames", type=int, default=300)
    add_frame_kind_options(parser)
    args = parser.parse_args()

    cv2.setNumThreads(1)
    model = load_model(args.model, num_threads=1)
    _, (x_test, y_test) = load_mnist()
    scenes = number_frames(x_test, y_test, args.frames, kind=args.kind, seed=1)
    stages: dict[str, list[float]] = {"find_ms": [], "infer_ms": [], "total_ms": []}
    for scene in scenes * 2:  # the first pass warms caches and is discarded below
        started = time.perf_counter()
        reading = read_digits(scene.image, model)
        stages["total_ms"].append((time.perf_counter() - started) * 1e3)
        stages["find_ms"].append(reading.timings_ms["find_ms"])
        stages["infer_ms"].append(reading.timings_ms["infer_ms"])
    half = len(scenes)
    report = {
        name: {"median": round(float(np.median(values[half:])), 3), "p95": round(float(np.percentile(values[half:], 95)), 3)}
        for name, values in stages.items()
    }
    report["frames"] = half
    report["opencv_threads"] = cv2.getNumThreads()
    report["model"] = args.model
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
