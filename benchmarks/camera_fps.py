"""Frames per second of the whole headless camera loop, with per-stage times.

Makes a 640×480 video with 3–5 MNIST test digits per frame (new digits every 10 frames;
``--digits 1 1`` for one), then runs the real loop over it: decode, find digits, inference,
smoothing, overlay, and a JSON line per frame, with one inference thread.

Usage:
    CNNKIT_DATA=path/to/mnist python -m benchmarks.camera_fps runs/x/model_int8.tflite [--frames 600] [--opencv-threads N] [--digits 3 5]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import cv2
import numpy as np

from benchmarks.scenes import render_scene
from camera_demo.config import CameraConfig
from camera_demo.loop import run
from toolkit.data import load_mnist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--opencv-threads", type=int, help="default: OpenCV's own choice")
    parser.add_argument("--digits", type=int, nargs=2, default=(3, 5), metavar=("MIN", "MAX"), help="digits per frame")
    args = parser.parse_args()
    if args.opencv_threads is not None:
        cv2.setNumThreads(args.opencv_threads)

    _, (x_test, y_test) = load_mnist()
    rng = np.random.default_rng(0)
    stages: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        video = Path(scratch) / "digits.avi"
        writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
        for start in range(0, args.frames, 10):
            chosen = rng.choice(len(x_test), size=int(rng.integers(args.digits[0], args.digits[1] + 1)), replace=False)
            scene = render_scene(x_test[chosen], y_test[chosen], rng)
            for _ in range(min(10, args.frames - start)):
                writer.write(scene.image)
        writer.release()

        def collect(result, picture):
            for name, ms in result.stage_ms.items():
                stages.setdefault(name, []).append(ms)

        config = CameraConfig(model=args.model, source=str(video), headless=True, jsonl=os.devnull, threads=1)
        summary = run(config, on_frame=collect)
    report = {
        "frames": summary.frames,
        "fps": round(summary.fps, 1),
        "stage_ms_median": {name: round(float(np.median(values)), 3) for name, values in stages.items()},
        "opencv_threads": cv2.getNumThreads(),
        "model": str(args.model),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
