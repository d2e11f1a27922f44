"""`python -m camera_demo`: the same demo as `cnnkit camera`, without the CLI's dependencies."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from camera_demo.loop import CameraConfig, run
from core.errors import CnnkitError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m camera_demo", description="Read handwritten digits live.")
    parser.add_argument("--model", type=Path, required=True, help="exported .tflite or .onnx")
    parser.add_argument("--source", default="0", help="webcam index, 'picamera2', a video file, or a folder/glob of images")
    parser.add_argument("--headless", action="store_true", help="no window")
    parser.add_argument("--jsonl", help="one JSON object per frame to this file, '-' for standard output")
    parser.add_argument("--serve", metavar="HOST:PORT", help="web view with the live picture (PORT alone binds 127.0.0.1)")
    parser.add_argument("--max-frames", type=int)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--width", type=int)
    parser.add_argument("--height", type=int)
    args = parser.parse_args(argv)
    try:
        summary = run(CameraConfig(
            model=args.model, source=args.source, headless=args.headless, jsonl=args.jsonl, serve=args.serve,
            max_frames=args.max_frames, threads=args.threads, width=args.width, height=args.height,
        ))
    except CnnkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{summary.frames} frames in {summary.seconds:.1f} s ({summary.fps:.0f} FPS), {summary.dropped} stale frames dropped",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
