"""A small web view for a Pi without a screen: the live annotated picture, the number and FPS.

``/`` is the page, ``/stream.mjpg`` the picture as an MJPEG stream, ``/state.json``
the latest reading. Nothing else is served. The loop only encodes a JPEG when
someone is watching, at most ``max_stream_fps`` times a second and once per frame
however many viewers there are; a viewer that disconnects costs nothing.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

from camera_demo.errors import CameraError
from camera_demo.overlay import FrameResult
from runtime import opencv

_BOUNDARY = "cnnkitframe"
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cnnkit camera</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body { font-family: system-ui, sans-serif; background: #111; color: #eee; margin: 0; padding: 1rem; }
 #picture { max-width: 100%; border: 1px solid #444; }
 #number { font-size: 3rem; font-weight: bold; }
 .small { color: #aaa; }
</style></head>
<body>
<div>number: <span id="number">-</span></div>
<div class="small"><span id="fps">0</span> FPS · frame <span id="frame">0</span></div>
<img id="picture" src="/stream.mjpg" alt="live camera picture">
<script>
async function refresh() {
  try {
    const state = await (await fetch('/state.json', {cache: 'no-store'})).json();
    document.getElementById('number').textContent = state.number ?? '-';
    document.getElementById('fps').textContent = Math.round(state.fps);
    document.getElementById('frame').textContent = state.frame;
    document.body.dataset.streamFrames = state.stream_frames;
    document.body.dataset.imageWidth = document.getElementById('picture').naturalWidth;
  } catch (error) { /* the demo stopped; keep the last reading on screen */ }
}
setInterval(refresh, 200);
refresh();
</script>
</body></html>
"""


def parse_address(text: str) -> tuple[str, int]:
    """``"8080"`` → (127.0.0.1, 8080); ``"0.0.0.0:8080"`` → all interfaces.

    Raises:
        CameraError: Not HOST:PORT with a port from 0 to 65535.
    """
    host, _, port = text.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise CameraError(f"--serve takes HOST:PORT or PORT, got {text!r}")
    return host or "127.0.0.1", number


class LiveView:
    """Serves the newest annotated frame to any number of browsers.

    Args:
        host, port: Where to listen (port 0 picks a free one; see :attr:`url`).
        max_stream_fps: The stream never sends faster than this.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 8080, *, max_stream_fps: float = 30.0) -> None:
        self._condition = threading.Condition()
        self._jpeg: bytes | None = None
        self._sequence = 0
        self._state = {"number": None, "digits": [], "fps": 0.0, "frame": 0, "stream_frames": 0}
        self._viewers = 0
        self._min_interval = 1.0 / max_stream_fps
        self._last_encoded = 0.0
        self._closed = False
        try:
            self._server = ThreadingHTTPServer((host, port), self._handler_class())
        except OSError as exc:
            raise CameraError(f"cannot serve on {host}:{port} ({exc.strerror})") from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="cnnkit-web", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> LiveView:
        self._thread.start()
        return self

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()
        self._server.shutdown()
        self._server.server_close()

    def publish(self, result: FrameResult, picture: np.ndarray) -> None:
        """Take a processed frame from the loop (an ``on_frame`` callback)."""
        state = {**result.reading.to_json(), "fps": round(result.fps, 1), "frame": result.index}
        now = time.perf_counter()
        encode = self._viewers > 0 and now - self._last_encoded >= self._min_interval
        jpeg = None
        if encode:
            cv2 = opencv.cv2()
            ok, buffer = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 80])
            jpeg = buffer.tobytes() if ok else None
            self._last_encoded = now
        with self._condition:
            self._state.update(state)
            if jpeg is not None:
                self._jpeg = jpeg
                self._sequence += 1
                self._condition.notify_all()

    def _next_frame(self, after: int) -> tuple[int, bytes] | None:
        with self._condition:
            self._condition.wait_for(lambda: self._closed or (self._jpeg is not None and self._sequence > after), timeout=5.0)
            if self._closed or self._jpeg is None or self._sequence <= after:
                return None
            self._state["stream_frames"] += 1
            return self._sequence, self._jpeg

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        view = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                if self.path == "/":
                    self._send(200, "text/html; charset=utf-8", _PAGE.encode())
                elif self.path == "/state.json":
                    with view._condition:
                        body = json.dumps(view._state).encode()
                    self._send(200, "application/json", body)
                elif self.path == "/stream.mjpg":
                    self._stream()
                else:
                    self._send(404, "text/plain", b"not found")

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def _stream(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={_BOUNDARY}")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                with view._condition:
                    view._viewers += 1
                sequence = 0
                try:
                    while (frame := view._next_frame(sequence)) is not None:
                        sequence, jpeg = frame
                        self.wfile.write(
                            f"--{_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode()
                            + jpeg
                            + b"\r\n"
                        )
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the viewer went away
                finally:
                    with view._condition:
                        view._viewers -= 1

            def log_message(self, *args: object) -> None:
                pass

        return Handler
