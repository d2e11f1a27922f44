"""The --serve web view: its routes, the MJPEG stream, several viewers, and a real headless Chromium."""

import json
import re
import shutil
import socket
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.request

import cv2
import numpy as np
import pytest

from camera_demo.errors import CameraError
from camera_demo.overlay import FrameResult
from camera_demo.server import REQUEST_TIMEOUT_S, LiveView, parse_address
from runtime.reader import Digit, Reading


@pytest.fixture()
def live_view():
    """A web view on a free loopback port, fed 40 frames a second by a fake loop for the test's duration."""
    view = LiveView("127.0.0.1", 0, max_stream_fps=60).start()
    stop = threading.Event()
    published = threading.Event()

    def pump():
        index = 0
        while not stop.is_set():
            picture = np.full((480, 640, 3), (index * 9) % 250, np.uint8)
            reading = Reading((Digit(4, "4", 0.9, (10, 10, 20, 30)), Digit(2, "2", 0.8, (40, 10, 20, 30))))
            view.publish(FrameResult(index, reading, 40.0), picture)
            published.set()
            index += 1
            time.sleep(1 / 40)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    # A test asking at once could come before the first frame (a loaded CI machine did: no number yet).
    assert published.wait(timeout=10), "the fake loop published no frame"
    yield view
    stop.set()
    thread.join()
    view.close()


def _read_frames(url: str, count: int) -> list[np.ndarray]:
    frames = []
    with urllib.request.urlopen(url + "stream.mjpg", timeout=10) as stream:
        assert stream.headers["Content-Type"].startswith("multipart/x-mixed-replace")
        while len(frames) < count:
            line = stream.readline()
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
                stream.readline()
                frames.append(cv2.imdecode(np.frombuffer(stream.read(length), np.uint8), cv2.IMREAD_COLOR))
    return frames


def test_page_state_and_nothing_else(live_view):
    page = urllib.request.urlopen(live_view.url, timeout=5).read().decode()
    assert '<img id="picture" src="/stream.mjpg"' in page
    state = json.loads(urllib.request.urlopen(live_view.url + "state.json", timeout=5).read())
    assert state["number"] == "42" and state["fps"] == 40.0 and [d["label"] for d in state["digits"]] == [4, 2]
    for path in ("etc/passwd", "../README.md", "stream.mjpg/x", "index.html"):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(live_view.url + path, timeout=5)
        assert caught.value.code == 404


def test_stream_sends_fresh_jpeg_frames_to_several_viewers(live_view):
    results = {}

    def watch(name):
        results[name] = _read_frames(live_view.url, 4)

    viewers = [threading.Thread(target=watch, args=(name,)) for name in ("a", "b", "c")]
    for viewer in viewers:
        viewer.start()
    for viewer in viewers:
        viewer.join(timeout=20)
    for frames in results.values():
        assert len(frames) == 4 and all(frame.shape == (480, 640, 3) for frame in frames)
        assert len({int(frame.mean()) for frame in frames}) >= 3, "the picture updates"
    assert len(results) == 3


def test_viewer_that_leaves_costs_nothing(live_view):
    stream = urllib.request.urlopen(live_view.url + "stream.mjpg", timeout=5)
    stream.read(1000)
    stream.close()
    deadline = time.time() + 10
    while live_view._viewers and time.time() < deadline:
        time.sleep(0.05)
    assert live_view._viewers == 0
    encoded_before = live_view._sequence
    time.sleep(0.3)
    assert live_view._sequence == encoded_before, "no viewer, no JPEG encoding"


def test_address_parsing_defaults_to_loopback():
    assert parse_address("8080") == ("127.0.0.1", 8080)
    assert parse_address("0.0.0.0:9000") == ("0.0.0.0", 9000)
    for bad in ("http", "1.2.3.4:99999", "host:"):
        with pytest.raises(CameraError, match="HOST:PORT"):
            parse_address(bad)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_page_in_headless_chromium_shows_the_number_and_a_moving_picture(live_view, tmp_path):
    completed = subprocess.run(
        [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000", "--dump-dom", live_view.url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    dom = completed.stdout
    assert '<span id="number">42</span>' in dom, dom[-2000:]
    assert 'data-image-width="640"' in dom, "the picture loaded"
    frames = int(re.search(r'data-stream-frames="(\d+)"', dom).group(1))
    assert frames >= 2, "the picture updated"


# A server on a device: quiet on disconnects, bounded, and no easier to misuse than it must be.


def _raw_request(url: str, request: bytes, timeout: float = 5.0) -> bytes:
    host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
    with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and not request.startswith(b"GET /stream"):
                break
        return b"".join(chunks)


def test_clients_that_leave_early_leave_no_trace_in_the_log(live_view, capfd):
    for _ in range(30):
        with socket.create_connection(("127.0.0.1", live_view.url.rsplit(":", 1)[1].strip("/")), timeout=5) as connection:
            connection.sendall(b"GET /stream.mjpg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            connection.recv(100)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # a reset, not a goodbye
        with socket.create_connection(("127.0.0.1", live_view.url.rsplit(":", 1)[1].strip("/")), timeout=5) as connection:
            connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # ask, then hang up hard without reading
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(1.0)
    assert json.loads(urllib.request.urlopen(live_view.url + "state.json", timeout=5).read())["frame"] >= 0
    _, err = capfd.readouterr()
    assert err == "", err[:2000]


def test_half_open_connections_do_not_stop_the_page(live_view):
    port = int(live_view.url.rsplit(":", 1)[1].strip("/"))
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(200)]
    try:
        started = time.perf_counter()
        page = urllib.request.urlopen(live_view.url, timeout=10)
        assert page.status == 200 and b"cnnkit camera" in page.read()
        assert time.perf_counter() - started < 5.0, "the page waited behind the idle connections"
        # ... and an idle connection does not hold its thread forever: the server lets it go.
        idle[0].settimeout(REQUEST_TIMEOUT_S + 5)
        assert idle[0].recv(1) == b""
    finally:
        for connection in idle:
            connection.close()


def test_loopback_view_answers_only_to_loopback_host_names(live_view):
    rebound = _raw_request(live_view.url, b"GET /state.json HTTP/1.1\r\nHost: attacker.example:8080\r\n\r\n")
    assert rebound.startswith(b"HTTP/1.0 403")
    local = _raw_request(live_view.url, b"GET /state.json HTTP/1.1\r\nHost: localhost:8080\r\n\r\n")
    assert local.startswith(b"HTTP/1.0 200")


def test_headers_say_little_and_protect_the_page(live_view):
    page = urllib.request.urlopen(live_view.url, timeout=5)
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy and "unsafe-inline" not in policy
    assert page.headers["Server"].startswith("cnnkit") and "Python" not in page.headers["Server"]
    state = urllib.request.urlopen(live_view.url + "state.json", timeout=5)
    assert state.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("method", [b"POST", b"PUT", b"DELETE", b"OPTIONS", b"BREW"])
def test_other_methods_get_a_short_plain_answer(live_view, method):
    answer = _raw_request(live_view.url, method + b" / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
    status = answer.split(b"\r\n", 1)[0]
    assert status.split()[1] in (b"405", b"501"), status
    assert b"text/plain" in answer and b"<html" not in answer.lower()


def test_ipv6_loopback_works_or_is_refused_in_one_line():
    assert parse_address("[::1]:8080") == ("::1", 8080)
    try:
        view = LiveView("::1", 0).start()
    except CameraError as exc:
        assert "\n" not in str(exc) and "cannot serve on [::1]:0" in str(exc)
        return
    try:
        assert view.url.startswith("http://[::1]:")
        assert urllib.request.urlopen(view.url, timeout=5).status == 200
    finally:
        view.close()
