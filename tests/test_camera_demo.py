"""The camera demo's parts: sources, the capture thread, smoothing, the overlay, errors."""

import json
import subprocess
import sys
import time
import types

import cv2
import numpy as np
import pytest

from camera_demo.capture import LatestFrame, ReadAhead
from camera_demo.config import CameraConfig
from camera_demo.errors import CameraError
from camera_demo.loop import FrameResult, frame_record
from camera_demo.overlay import draw_overlay
from camera_demo.smoothing import ReadingSmoother
from camera_demo.sources import ImageFolderSource, VideoFileSource, open_source
from core.errors import ConfigError
from runtime.reader import Digit, Reading


class _FastLiveSource:
    """A camera that delivers numbered frames as fast as it can, up to `count`."""

    live = True

    def __init__(self, count: int) -> None:
        self.count = count
        self.closed = False

    def __iter__(self):
        for number in range(self.count):
            time.sleep(0.001)
            yield np.full((4, 4), number, np.uint8)

    def close(self) -> None:
        self.closed = True


def test_slow_consumer_gets_the_newest_frame_never_a_backlog():
    source = _FastLiveSource(200)  # frame numbers fit in uint8
    frames = LatestFrame(source)
    received = []
    for frame in frames:
        received.append(int(frame[0, 0]))
        time.sleep(0.02)  # inference far slower than the camera
    frames.close()
    assert received == sorted(received) and len(set(received)) == len(received)
    assert len(received) < 60, "a backlog would hand over all 200 frames"
    assert received[-1] >= 190, "the last frame handed over is (nearly) the newest"
    assert frames.dropped > 100 and source.closed


def test_capture_errors_reach_the_consumer():
    class Broken:
        live = True

        def __iter__(self):
            yield np.zeros((4, 4), np.uint8)
            raise CameraError("camera 0 stopped delivering frames and did not come back")

        def close(self):
            pass

    frames = LatestFrame(Broken())
    with pytest.raises(CameraError, match="stopped delivering"):
        for _ in frames:
            time.sleep(0.01)


def test_a_file_read_ahead_hands_over_every_frame_in_order_and_its_error():
    def frames():
        for number in range(50):
            yield np.full((4, 4), number, np.uint8)
        raise CameraError("clip.avi ended after 50 of its 60 frames")

    ahead = ReadAhead(frames(), depth=3)
    received = []
    with pytest.raises(CameraError, match="ended after 50"):
        for frame in ahead:
            received.append(int(frame[0, 0]))
            time.sleep(0.001)  # a slow consumer: the reader waits, nothing is dropped
    ahead.close()
    assert received == list(range(50))


def test_closing_a_read_ahead_early_stops_its_thread():
    decoded = []

    def endless():
        while True:
            decoded.append(1)
            yield np.zeros((4, 4), np.uint8)

    ahead = ReadAhead(endless(), depth=2)
    next(iter(ahead))
    ahead.close()
    count = len(decoded)
    time.sleep(0.1)
    assert not ahead._thread.is_alive() and len(decoded) == count <= 4


def _reading(*digits):
    return Reading(tuple(digits))


def test_smoothing_holds_a_still_digit_through_a_flicker():
    smoother = ReadingSmoother(window=5)
    box = (100, 100, 40, 60)
    labels = [3, 3, 3, 8, 3, 3, 8, 3]
    shown = [smoother.update(_reading(Digit(label, str(label), 0.9, box))).digits[0].label for label in labels]
    assert shown == [3] * len(labels)


def test_smoothing_follows_a_real_change_and_keeps_digits_apart():
    smoother = ReadingSmoother(window=3)
    left, right = (100, 100, 40, 60), (300, 100, 40, 60)
    for _ in range(3):
        result = smoother.update(_reading(Digit(1, "1", 0.9, left), Digit(2, "2", 0.9, right)))
    assert [d.label for d in result.digits] == [1, 2] and result.number == "12"
    shown = [smoother.update(_reading(Digit(7, "7", 0.8, left))).digits[0].label for _ in range(3)]
    assert shown == [1, 7, 7]  # majority of the last three frames
    moved = smoother.update(_reading(Digit(4, "4", 0.9, (500, 300, 40, 60))))
    assert moved.digits[0].label == 4, "a digit somewhere else starts its own history"


def test_overlay_is_pure_and_draws_something():
    frame = np.full((480, 640, 3), 200, np.uint8)
    before = frame.copy()
    reading = Reading((Digit(5, "5", 0.97, (100, 120, 60, 90)),))
    picture = draw_overlay(frame, FrameResult(3, reading, 123.0, {"find": 0.5, "infer": 0.1}))
    np.testing.assert_array_equal(frame, before)
    assert picture.shape == frame.shape and np.count_nonzero(np.any(picture != frame, axis=2)) > 1000
    gray = draw_overlay(frame[:, :, 0], FrameResult(0, Reading(()), 0.0))
    assert gray.shape == (480, 640, 3)


def test_jsonl_record_has_exactly_the_documented_keys():
    reading = Reading((Digit(2, "2", 0.91234, (1, 2, 3, 4)), Digit(7, "7", 0.5, (10, 2, 3, 4))))
    stages = {"capture": 0.1234, "find": 1.5, "infer": 0.25, "draw": 0.31}
    record = frame_record(FrameResult(4, reading, 250.5, stages), 16.25)
    assert record == {
        "frame": 4,
        "time_ms": 16.25,
        "digits": [
            {"label": 2, "name": "2", "confidence": 0.9123, "box": [1, 2, 3, 4]},
            {"label": 7, "name": "7", "confidence": 0.5, "box": [10, 2, 3, 4]},
        ],
        "number": "27",
        "fps": 250.5,
        "stage_ms": {"capture": 0.123, "find": 1.5, "infer": 0.25, "draw": 0.31},
    }
    json.dumps(record)
    # The first frame has no loop timed yet: no made-up 0 FPS.
    assert frame_record(FrameResult(0, reading, 0.0), 0.0)["fps"] is None


def test_a_video_loops_and_plays_at_its_own_frame_rate(tmp_path):
    from camera_demo.sources import VideoFileSource, played

    writer = cv2.VideoWriter(str(tmp_path / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 20, (64, 48))
    for value in range(5):
        writer.write(np.full((48, 64, 3), value * 40, np.uint8))
    writer.release()
    source = VideoFileSource(tmp_path / "clip.avi")
    assert source.frame_rate == pytest.approx(20.0)
    looped = [round(float(frame.mean()) / 40) for _, frame in zip(range(12), played(source, loop=True))]
    assert looped == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]
    started = time.perf_counter()
    assert len(list(played(VideoFileSource(tmp_path / "clip.avi"), realtime=True))) == 5
    assert time.perf_counter() - started >= 4 / 20 - 0.01  # five frames at 20 a second span 0.2 s


def test_loop_and_realtime_are_refused_for_a_camera(tmp_path):
    with pytest.raises(ConfigError, match="--loop and --realtime are for a video file or an image folder"):
        CameraConfig(model=tmp_path / "m.tflite", source="0", loop=True)


def test_video_and_folder_sources_read_every_frame(tmp_path):
    writer = cv2.VideoWriter(str(tmp_path / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 30, (64, 48))
    for value in range(12):
        writer.write(np.full((48, 64, 3), value * 20, np.uint8))
    writer.release()
    video = open_source(str(tmp_path / "clip.avi"))
    assert isinstance(video, VideoFileSource) and not video.live
    means = [frame.mean() for frame in video]
    video.close()
    assert len(means) == 12 and means == sorted(means)
    for index in range(3):
        cv2.imwrite(str(tmp_path / f"frame{index}.png"), np.full((20, 20, 3), index, np.uint8))
    (tmp_path / "notes.txt").write_text("ignored")
    folder = open_source(str(tmp_path))
    assert isinstance(folder, ImageFolderSource)
    assert [int(frame[0, 0, 0]) for frame in folder] == [0, 1, 2]
    assert [int(f[0, 0, 0]) for f in open_source(str(tmp_path / "frame[12].png"))] == [1, 2]


def test_bad_sources_are_one_clear_line(tmp_path):
    (tmp_path / "notes.avi").write_text("not a video")
    with pytest.raises(CameraError, match="not a video OpenCV can read"):
        open_source(str(tmp_path / "notes.avi"))
    with pytest.raises(CameraError, match="neither a camera index"):
        open_source(str(tmp_path / "missing.mp4"))
    with pytest.raises(CameraError, match="camera 97 cannot be opened"):
        open_source("97")
    with pytest.raises(CameraError, match="no images"):
        open_source(str(tmp_path / "*.png"))
    with pytest.raises(ConfigError, match="together"):
        CameraConfig(model=tmp_path / "m.tflite", source="0", width=640)


def test_picamera2_source_against_a_fake_module(monkeypatch):
    calls = {}
    red_bgr = np.zeros((480, 640, 3), np.uint8)
    red_bgr[..., 2] = 255  # picamera2's "RGB888" is B, G, R in memory: red is the last channel

    class FakePicamera2:
        def create_video_configuration(self, main):
            calls["main"] = main
            return {"main": main}

        def configure(self, config):
            calls["configured"] = config

        def start(self):
            calls["started"] = True

        def capture_array(self, stream="main"):
            calls.setdefault("captured", []).append(stream)
            return red_bgr

        def stop(self):
            calls["stopped"] = True

        def close(self):
            calls["closed"] = True

    monkeypatch.setitem(sys.modules, "picamera2", types.SimpleNamespace(Picamera2=FakePicamera2))
    source = open_source("picamera2", width=640, height=480)
    frame = next(iter(source))
    source.close()
    assert calls["main"] == {"size": (640, 480), "format": "RGB888"} and calls["started"]
    assert calls["captured"] == ["main"] and calls["stopped"] and calls["closed"]
    assert frame[0, 0].tolist() == [0, 0, 255], "frames reach OpenCV in BGR order, unconverted"


def test_picamera2_missing_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "picamera2", None)
    with pytest.raises(CameraError, match="python3-picamera2.*--system-site-packages"):
        open_source("picamera2")


def test_camera_demo_imports_no_tensorflow_or_typer():
    code = (
        "import sys, camera_demo.loop, camera_demo.__main__;"
        "print(sorted(m for m in ('tensorflow', 'keras', 'typer') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


class _FlakyCameras:
    """A fake cv2 whose camera 0 delivers 3 frames, drops out, and comes back once reopened."""

    CAP_PROP_FRAME_WIDTH, CAP_PROP_FRAME_HEIGHT = 3, 4

    def __init__(self, comes_back: bool) -> None:
        self.opened = 0
        self.comes_back = comes_back
        self.released = 0

    def VideoCapture(self, index):  # noqa: N802 (OpenCV's naming)
        cameras = self
        cameras.opened += 1
        generation = cameras.opened

        class Capture:
            frames = 0

            def isOpened(self):  # noqa: N802
                return generation == 1 or cameras.comes_back

            def read(self):
                self.frames += 1
                if generation == 1 and self.frames > 3:
                    return False, None
                return True, np.full((2, 2, 3), generation, np.uint8)

            def set(self, prop, value):
                pass

            def release(self):
                cameras.released += 1

        return Capture()


@pytest.mark.parametrize("comes_back", [True, False])
def test_webcam_that_drops_out_is_retried_then_given_up(monkeypatch, comes_back):
    from camera_demo import sources

    cameras = _FlakyCameras(comes_back)
    monkeypatch.setattr(sources.opencv, "cv2", lambda: cameras)
    monkeypatch.setattr(sources.WebcamSource, "RETRY_DELAYS", (0.0, 0.0, 0.0))
    camera = open_source("0")
    frames = iter(camera)
    first = [int(next(frames)[0, 0, 0]) for _ in range(3)]
    if comes_back:
        assert first + [int(next(frames)[0, 0, 0])] == [1, 1, 1, 2], "reopened after the drop-out"
    else:
        with pytest.raises(CameraError, match="camera 0 stopped delivering frames and did not come back"):
            next(frames)
        assert cameras.opened == 4, "one first open and three retries"
    camera.close()


def test_both_command_lines_parse_the_same_options_into_the_same_config(tmp_path):
    from camera_demo.config import parse_camera_args

    model = tmp_path / "m.tflite"
    argv = ["--model", str(model), "--source", "clip.avi", "--headless", "--max-frames", "5", "--width", "640", "--height", "480"]
    config = parse_camera_args(argv, "python -m camera_demo")
    assert config == CameraConfig(model=model, source="clip.avi", headless=True, max_frames=5, width=640, height=480)
    assert parse_camera_args(argv[2:], "cnnkit camera", default_model=lambda: model) == config
    assert parse_camera_args(["--model", str(model)], "x").threads == 1
    with pytest.raises(ConfigError, match="--threads must be at least 1"):
        parse_camera_args(["--model", str(model), "--threads", "0"], "x")
    with pytest.raises(SystemExit) as refused:
        parse_camera_args(["--model", str(model), "--bogus"], "x")
    assert refused.value.code == 2


@pytest.mark.parametrize("watched", [False, True])
def test_the_loop_draws_only_when_someone_can_see_it_and_finds_on_its_threads(tmp_path, monkeypatch, watched):
    import camera_demo.loop as loop

    for index in range(3):
        cv2.imwrite(str(tmp_path / f"frame{index}.png"), np.full((48, 64, 3), 200, np.uint8))
    drawn, seen, opencv_threads = [], [], []

    def read_digits(frame, model):
        opencv_threads.append(cv2.getNumThreads())
        return Reading((Digit(4, "4", 0.99, (1, 2, 10, 20)),))

    monkeypatch.setattr(loop, "load_model", lambda *args, **kwargs: object())
    monkeypatch.setattr(loop, "read_digits", read_digits)
    monkeypatch.setattr(loop, "draw_overlay", lambda frame, result: drawn.append(result.index) or frame.copy())
    config = CameraConfig(model=tmp_path / "m.tflite", source=str(tmp_path), headless=True, jsonl=str(tmp_path / "out.jsonl"))
    before = cv2.getNumThreads()
    cv2.setNumThreads(2)
    try:
        summary = loop.run(config, on_frame=(lambda result, picture: seen.append(picture.shape)) if watched else None)
        # The frames are read on the loop's --threads (1) and OpenCV's setting is given back.
        assert opencv_threads == [1, 1, 1] and cv2.getNumThreads() == 2
    finally:
        cv2.setNumThreads(before)
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert summary.frames == 3 and [r["number"] for r in records] == ["4"] * 3
    if watched:
        assert drawn == [0, 1, 2] and seen == [(48, 64, 3)] * 3
        assert "draw" not in records[0]["stage_ms"] and all("draw" in r["stage_ms"] for r in records[1:])
    else:
        assert drawn == [] and all(set(r["stage_ms"]) == {"capture", "find", "infer"} for r in records)
