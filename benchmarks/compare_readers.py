"""Two checkouts' readers on the same frames, in lockstep: is a change faster, and does it read the same?

This machine's speed swings by up to 2× over minutes, so two benchmark runs one after the
other cannot show a 10% change. Here each checkout's reader runs in a process of its own
(each imports its own ``runtime``), and the two read every frame one after the other, in
alternating order, so that both see the same swings. Reported: milliseconds per frame of
`runtime.reader.read_digits` for each (mean and median), the ratio of the means, and on
how many frames the two read the same digits in the same places.

Frames hold 2–5 MNIST test digits on clean paper (`benchmarks/scenes.py`) or, with
``--hard``, 2–6 on the mixed hard pages of `benchmarks/pages.py` (``--held-up``: those pages held up
before a room); each is passed through JPEG as a camera's MJPEG stream would be. OpenCV and the interpreter run on one thread.

Usage:
    CNNKIT_DATA=path/to/mnist python -m benchmarks.compare_readers BEFORE_CHECKOUT MODEL [--after DIR] [--frames 300] [--hard | --held-up]

    e.g. ``git worktree add /tmp/before HEAD~1`` for BEFORE_CHECKOUT; AFTER defaults to this checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from benchmarks.pages import FrameKind, add_frame_kind_options, number_frames
from toolkit.data import load_mnist

# Runs inside each checkout: reads frame numbers on stdin, answers with the time and the digits.
_WORKER = """
import json, sys, time
import cv2, numpy as np
from runtime import load_model
from runtime.reader import read_digits
cv2.setNumThreads(1)
frames = np.load(sys.argv[1], mmap_mode="r")
model = load_model(sys.argv[2], num_threads=1)
for frame in frames[:10]:
    read_digits(np.array(frame), model)
print("ready", flush=True)
for line in sys.stdin:
    frame = np.array(frames[int(line)])
    started = time.perf_counter()
    reading = read_digits(frame, model)
    ms = (time.perf_counter() - started) * 1e3
    print(json.dumps({"ms": ms, "digits": [[d.name, list(d.box)] for d in reading.digits]}), flush=True)
"""


class _Reader:
    """One checkout's reader in a process of its own."""

    def __init__(self, checkout: Path, frames: Path, model: Path) -> None:
        self.checkout = checkout
        environment = {**os.environ, "PYTHONPATH": str(checkout)}
        self._errors = tempfile.TemporaryFile()  # a file, not a pipe: nothing waits on it filling up
        self._process = subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(frames), str(model)],
            cwd=checkout, env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._errors, text=True,
        )
        if self._process.stdout.readline().strip() != "ready":
            raise SystemExit(f"the reader of {checkout} did not start: {self._last_error()}")

    def _last_error(self) -> str:
        self._process.wait(timeout=30)
        self._errors.seek(0)
        lines = self._errors.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else f"exit status {self._process.returncode}"

    def read(self, index: int) -> dict:
        try:
            self._process.stdin.write(f"{index}\n")
            self._process.stdin.flush()
            answer = self._process.stdout.readline()
        except BrokenPipeError:
            answer = ""
        if not answer:
            raise SystemExit(f"the reader of {self.checkout} stopped at frame {index}: {self._last_error()}")
        return json.loads(answer)

    def close(self) -> None:
        try:
            self._process.stdin.close()
        except BrokenPipeError:
            pass
        self._process.wait(timeout=30)
        self._errors.close()


def compare(
    before: Path, after: Path, model: Path, *, frames: int = 300, kind: FrameKind = FrameKind.CLEAN, mnist: Path | None = None
) -> dict:
    """Read the same frames with both checkouts' readers in lockstep; the report printed by ``main``."""
    _, (x_test, y_test) = load_mnist(mnist)
    scenes = number_frames(x_test, y_test, frames, kind=kind, seed=3)
    images = np.stack([cv2.imdecode(cv2.imencode(".jpg", scene.image)[1], cv2.IMREAD_COLOR) for scene in scenes])
    times: dict[str, list[float]] = {"before": [], "after": []}
    same = 0
    with tempfile.TemporaryDirectory() as scratch:
        stored = Path(scratch) / "frames.npy"
        np.save(stored, images)
        readers = {}
        try:
            for name, checkout in (("before", before), ("after", after)):
                readers[name] = _Reader(checkout.resolve(), stored, model.resolve())
            for index in range(len(images)):
                order = ("before", "after") if index % 2 else ("after", "before")
                answers = {name: readers[name].read(index) for name in order}
                for name, answer in answers.items():
                    times[name].append(answer["ms"])
                same += answers["before"]["digits"] == answers["after"]["digits"]
        finally:
            for reader in readers.values():
                reader.close()
    first, second = np.array(times["before"]), np.array(times["after"])
    return {
        "frames": len(images),
        "before_ms": {"mean": round(float(first.mean()), 3), "median": round(float(np.median(first)), 3)},
        "after_ms": {"mean": round(float(second.mean()), 3), "median": round(float(np.median(second)), 3)},
        "after_over_before": round(float(second.mean() / first.mean()), 3),
        "same_reading": same,
        "hard": kind is FrameKind.HARD,
        "held_up": kind is FrameKind.HELD_UP,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the checkout to compare against")
    parser.add_argument("model", type=Path)
    parser.add_argument("--after", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--frames", type=int, default=300)
    add_frame_kind_options(parser)
    args = parser.parse_args()
    for checkout in (args.before, args.after):
        if not (checkout / "runtime" / "reader.py").is_file():
            parser.error(f"{checkout} is not a cnnkit checkout (no runtime/reader.py)")
    if not args.model.is_file():
        parser.error(f"model file {args.model} does not exist")
    report = compare(args.before, args.after, args.model, frames=args.frames, kind=args.kind)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
