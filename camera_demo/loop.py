"""The live loop: build the model once, then read, draw and report every frame."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import IO

import numpy as np

from camera_demo.capture import LatestFrame, ReadAhead
from camera_demo.config import CameraConfig
from camera_demo.errors import CameraError
from camera_demo.overlay import FrameResult, draw_overlay
from camera_demo.server import LiveView, parse_address
from camera_demo.smoothing import ReadingSmoother
from camera_demo.sources import open_source, played
from camera_demo.window import window_unavailable_reason
from runtime import load_model, opencv
from runtime.reader import read_digits

WINDOW = "cnnkit camera (q or Esc quits)"
_QUIT_KEYS = {ord("q"), 27}


@dataclass(frozen=True)
class RunSummary:
    """How a run went."""

    frames: int
    seconds: float
    dropped: int
    interrupted: bool
    ended_early: str | None = None  # how far a file source got when it ended before its end

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def describe(self) -> str:
        """One line for the end of a run."""
        return (
            f"{self.frames} frames in {self.seconds:.1f} s ({self.fps:.0f} FPS), "
            f"{self.dropped} stale frames dropped{' (interrupted)' if self.interrupted else ''}"
        )


def frame_record(result: FrameResult, time_ms: float) -> dict:
    """The `--jsonl` object of one frame: digits left to right, boxes in frame pixels, stage times in ms.

    ``fps`` is null on the first frame (no loop has been timed yet); ``stage_ms.draw`` is the
    previous frame's (this frame's is drawn after the record is made).
    """
    return {
        "frame": result.index,
        "time_ms": round(time_ms, 3),
        **result.reading.to_json(),
        "fps": round(result.fps, 2) if result.fps > 0 else None,
        "stage_ms": {name: round(ms, 3) for name, ms in result.stage_ms.items()},
    }


def run(config: CameraConfig, on_frame: Callable[[FrameResult, np.ndarray], None] | None = None) -> RunSummary:
    """Run the demo until the source ends, ``max_frames``, q/Esc, or Ctrl-C.

    ``time_ms`` in each JSON record is the time since the run started.

    Args:
        config: Model, source and outputs.
        on_frame: Called with each frame's result and annotated picture (for a web
            view or a benchmark); it runs on the loop's thread, so it must be quick.
            Without it, a window or a web view, no overlay is drawn (``--headless --jsonl``).

    Raises:
        CameraError, ModelError: The source, the model or the window cannot be opened.
    """
    cv2 = opencv.cv2()
    if not config.headless and (reason := window_unavailable_reason(cv2)):
        raise CameraError(f"cannot open a window: {reason}; add --headless (and --serve HOST:PORT to watch in a browser)")
    model = load_model(config.model, num_threads=config.threads)
    source = open_source(config.source, width=config.width, height=config.height)
    with ExitStack() as cleanup:
        # OpenCV's own threads fight the read-ahead's decoding for the cores: finding digits on
        # this thread alone ran the loop faster on two cores (camera_fps, 7 of 7 alternated
        # pairs; medians 155 against 132 FPS).
        cleanup.callback(cv2.setNumThreads, cv2.getNumThreads())
        cv2.setNumThreads(config.threads)
        frames = LatestFrame(source) if source.live else source
        cleanup.callback(frames.close)
        if source.live:
            playing = frames
        else:
            playing = ReadAhead(played(source, loop=config.loop, realtime=config.realtime))
            cleanup.callback(playing.close)  # before the source is released (callbacks run last first)
        sink = _open_sink(config.jsonl, cleanup)
        listeners = [on_frame] if on_frame is not None else []
        if config.serve is not None:
            view = LiveView(*parse_address(config.serve)).start()
            cleanup.callback(view.close)
            listeners.append(view.publish)
            print(f"web view: {view.url}", file=sys.stderr, flush=True)
        if not config.headless:
            cleanup.callback(cv2.destroyAllWindows)
        # Headless with nobody watching (JSON lines only), the overlay would be drawn for no one.
        drawing = not config.headless or bool(listeners)
        smoother = ReadingSmoother()
        started = last = time.perf_counter()
        fps, index, interrupted, draw_ms = 0.0, 0, False, None
        iterator = iter(playing)
        try:
            while config.max_frames is None or index < config.max_frames:
                frame = next(iterator, None)
                captured = time.perf_counter()
                if frame is None:
                    break
                reading = smoother.update(read_digits(frame, model))
                found = time.perf_counter()
                stage_ms = {
                    "capture": (captured - last) * 1e3,
                    "find": reading.timings_ms.get("find_ms", 0.0),
                    "infer": reading.timings_ms.get("infer_ms", 0.0),
                }
                if draw_ms is not None:
                    stage_ms["draw"] = draw_ms  # the previous frame's: this one's is drawn with it
                result = FrameResult(index, reading, fps, stage_ms)
                if drawing:
                    picture = draw_overlay(frame, result)
                    draw_ms = (time.perf_counter() - found) * 1e3
                if sink is not None:
                    sink.write(json.dumps(frame_record(result, (found - started) * 1e3)) + "\n")
                for listener in listeners:
                    listener(result, picture)
                if not config.headless:
                    cv2.imshow(WINDOW, picture)
                    if cv2.waitKey(1) & 0xFF in _QUIT_KEYS:
                        index += 1
                        break
                now = time.perf_counter()
                # FPS of the whole loop (capture to JSON), smoothed; shown from the next frame on.
                fps = 1.0 / (now - last) if fps == 0.0 else 0.9 * fps + 0.1 / max(now - last, 1e-9)
                last = now
                index += 1
        except KeyboardInterrupt:
            interrupted = True
        dropped = getattr(frames, "dropped", 0)
        return RunSummary(index, time.perf_counter() - started, dropped, interrupted, source.ended_early)


def _open_sink(target: str | None, cleanup: ExitStack) -> IO[str] | None:
    if target is None:
        return None
    if target == "-":
        return sys.stdout
    try:
        return cleanup.enter_context(open(target, "w", encoding="utf-8", buffering=1))  # noqa: SIM115
    except OSError as exc:
        raise CameraError(f"cannot write {target} ({exc.strerror})") from None
