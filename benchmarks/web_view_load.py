"""What the web view costs the camera loop, and whether it holds up under idle connections.

Runs the real headless loop over a 640×480 video (3–5 MNIST test digits a frame) with
``--serve`` three times: nobody watching; 20 viewers reading the MJPEG stream the whole
time; 200 connections opened and left idle, while the page is fetched now and then.
Reports the loop's FPS in each run and the page's response times under the idle load.

Usage:
    CNNKIT_DATA=path/to/mnist python -m benchmarks.web_view_load runs/x/model_int8.tflite [--frames 1500] [--viewers 20]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np

from benchmarks.scenes import render_scene
from camera_demo.config import CameraConfig
from camera_demo.loop import run
from toolkit.data import load_mnist


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")


def _viewer(url: str, stop: threading.Event, received: list[int]) -> None:
    try:
        with urllib.request.urlopen(url + "stream.mjpg", timeout=10) as stream:
            while not stop.is_set():
                chunk = stream.read(65536)
                if not chunk:
                    return
                received.append(len(chunk))
    except OSError:
        return


def _run(model: Path, video: Path, load: str, viewers: int) -> dict:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    stop = threading.Event()
    received: list[int] = []
    page_ms: list[float] = []
    idle: list[socket.socket] = []
    refused: list[int] = []
    failures: list[tuple[float, str]] = []  # (when, what): those as the run shuts the server down are not counted

    def load_when_up() -> None:
        _wait_for(url + "state.json")
        if load == "viewers":
            for _ in range(viewers):
                threading.Thread(target=_viewer, args=(url, stop, received), daemon=True).start()
        elif load == "idle":
            for _ in range(200):
                try:
                    idle.append(socket.create_connection(("127.0.0.1", port), timeout=10))
                except OSError:
                    refused.append(1)
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    urllib.request.urlopen(url, timeout=10).read()
                    page_ms.append((time.perf_counter() - started) * 1e3)
                except OSError as exc:
                    failures.append((started, f"{type(exc).__name__}: {exc}"))
                time.sleep(0.2)

    helper = threading.Thread(target=load_when_up, daemon=True)
    helper.start()
    config = CameraConfig(model=model, source=str(video), headless=True, jsonl=os.devnull, threads=1, serve=f"127.0.0.1:{port}")
    summary = run(config)
    ended = time.perf_counter()
    stop.set()
    for connection in idle:
        connection.close()
    result = {"load": load, "frames": summary.frames, "fps": round(summary.fps, 1)}
    if load == "viewers":
        result["stream_mib_received"] = round(sum(received) / 2**20, 1)
    if load == "idle":
        result["idle_connections_opened"] = len(idle)
        result["idle_connections_refused"] = len(refused)
    if page_ms:
        result["page_ms_median"] = round(float(np.median(page_ms)), 1)
        result["page_ms_max"] = round(float(np.max(page_ms)), 1)
        result["page_failures"] = sorted({what for when, what in failures if when < ended - 1.0})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--frames", type=int, default=1500)
    parser.add_argument("--viewers", type=int, default=20)
    args = parser.parse_args()
    _, (x_test, y_test) = load_mnist()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as scratch:
        video = Path(scratch) / "digits.avi"
        writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
        for start in range(0, args.frames, 10):
            chosen = rng.choice(len(x_test), size=int(rng.integers(3, 6)), replace=False)
            scene = render_scene(x_test[chosen], y_test[chosen], rng)
            for _ in range(min(10, args.frames - start)):
                writer.write(scene.image)
        writer.release()
        results = [_run(args.model, video, load, args.viewers) for load in ("none", "viewers", "idle", "none")]
    baseline = float(np.median([r["fps"] for r in results if r["load"] == "none"]))
    for result in results:
        result["fps_vs_no_viewers"] = round(result["fps"] / baseline, 3)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
