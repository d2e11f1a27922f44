"""Frames per second of the whole headless camera loop, with per-stage times.

Makes a 640×480 video with 3–5 MNIST test digits per frame (new digits every 10 frames;
``--digits 1 1`` for one), then runs the real loop over it as ``cnnkit camera --headless
--jsonl`` does: decode, find digits, inference, smoothing and a JSON line per frame, on one
thread (``--threads``) beside the decoding. ``--watched`` adds what a window or web view
costs: the overlay drawn on every frame (the web view's JPEG encoding, at most 15 a second,
is not included).
``--runs N`` plays the video N times in a row and reports each run's FPS and their median:
this machine's speed swings by up to 2× within minutes, so one run says little.

Usage:
    CNNKIT_DATA=path/to/mnist python -m benchmarks.camera_fps runs/x/model_int8.tflite [--frames 600] [--threads N] [--digits 3 5] [--watched] [--runs N]
"""

from __future__ import annotations

import argparse
import json
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
    parser.add_argument("--threads", type=int, default=1, help="the loop's --threads: inference and OpenCV (default 1)")
    parser.add_argument("--digits", type=int, nargs=2, default=(3, 5), metavar=("MIN", "MAX"), help="digits per frame")
    parser.add_argument("--watched", action="store_true", help="draw the overlay on every frame, as for a window or web view")
    parser.add_argument("--runs", type=int, default=1, help="play the video this many times; report each run and the median")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")

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

        log = Path(scratch) / "frames.jsonl"
        config = CameraConfig(model=args.model, source=str(video), headless=True, jsonl=str(log), threads=args.threads)
        summaries = []
        for _ in range(args.runs):
            summaries.append(run(config, on_frame=(lambda result, picture: None) if args.watched else None))
            for line in log.read_text().splitlines():
                for name, ms in json.loads(line)["stage_ms"].items():
                    stages.setdefault(name, []).append(ms)
    report = {
        "frames": summaries[0].frames,
        "fps": round(float(np.median([summary.fps for summary in summaries])), 1),
        "fps_runs": [round(summary.fps, 1) for summary in summaries],
        "stage_ms_median": {name: round(float(np.median(values)), 3) for name, values in stages.items()},
        "watched": args.watched,
        "threads": args.threads,
        "model": str(args.model),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
