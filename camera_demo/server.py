"""A small web view for a Pi without a screen: the live annotated picture, the number and FPS.

``/`` is the page, ``/stream.mjpg`` the picture as an MJPEG stream, ``/state.json``
the latest reading. Nothing else is served. The loop only encodes a JPEG when
someone is watching, at most ``max_stream_fps`` times a second and once per frame
however many viewers there are; a viewer that disconnects costs nothing.

It is a server on a device that may run for weeks: connections are limited in
number and time, disconnects are not errors, a loopback-only view answers only to
loopback host names (no DNS rebinding), and the page may load nothing from elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

from camera_demo.errors import CameraError
from camera_demo.overlay import FrameResult, fps_text
from runtime import opencv

_BOUNDARY = "cnnkitframe"
MAX_CONNECTIONS = 256  # threads at once; more are closed at once instead of each holding a thread
MAX_VIEWERS = 16  # live streams at once (each holds its connection); more are told 503
REQUEST_TIMEOUT_S = 5.0  # an idle or slow client (sending its request, or reading the stream) is let go
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cnnkit camera</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body { font-family: system-ui, sans-serif; background: #111; color: #eee; margin: 0; padding: 1rem; }
 #picture { max-width: 100%; border: 1px solid #444; }
 #number { font-size: 3rem; font-weight: bold; }
 h1 { font-size: 1.2rem; margin: 0 0 .3rem; }
 p { margin: 0 0 .6rem; max-width: 40rem; }
 .small { color: #aaa; }
</style></head>
<body>
<h1>cnnkit camera</h1>
<p class="small">The camera's live picture: each digit the model reads is boxed with its label and confidence; the number is the digits read left to right.</p>
<div>number: <span id="number">-</span></div>
<div class="small"><span id="fps">-</span> FPS · frame <span id="frame">0</span></div>
<img id="picture" src="/stream.mjpg" alt="live camera picture">
<script>
async function refresh() {
  try {
    const state = await (await fetch('/state.json', {cache: 'no-store'})).json();
    document.getElementById('number').textContent = state.number ?? '-';
    document.getElementById('fps').textContent = state.fps_text;
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


def _hash_source(kind: str) -> str:
    # The page's own inline script and style, allowed by hash: nothing else may run or load.
    body = re.search(rf"<{kind}>(.*?)</{kind}>", _PAGE, re.S).group(1)
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


_CSP = (
    f"default-src 'none'; script-src {_hash_source('script')}; style-src {_hash_source('style')}; "
    "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def parse_address(text: str) -> tuple[str, int]:
    """``"8080"`` → (127.0.0.1, 8080); ``"0.0.0.0:8080"`` → all interfaces; ``"[::1]:8080"`` → IPv6.

    Raises:
        CameraError: Not HOST:PORT with a port from 0 to 65535.
    """
    host, _, port = text.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise CameraError(f"--serve takes HOST:PORT, [IPv6]:PORT or PORT, got {text!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host or "127.0.0.1", number


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` serves this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _BoundedServer(ThreadingHTTPServer):
    """A threading HTTP server that caps its connections and keeps disconnects quiet."""

    daemon_threads = True
    request_queue_size = 128  # the listen backlog: a burst of connections waits instead of being refused

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(address, handler)

    def process_request(self, request, client_address) -> None:  # noqa: ANN001 (socketserver's signature)
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)  # full: close at once rather than queue a thread
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:  # noqa: ANN001
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # a viewer that leaves or stalls is normal on a device left running
        print(f"web view: {client_address[0]}: {type(error).__name__}: {error}", file=sys.stderr, flush=True)


class LiveView:
    """Serves the newest annotated frame to any number of browsers.

    Args:
        host, port: Where to listen (port 0 picks a free one; see :attr:`url`).
        max_stream_fps: The stream never sends faster than this.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 8080, *, max_stream_fps: float = 15.0) -> None:
        self._condition = threading.Condition()
        self._jpeg: bytes | None = None
        self._sequence = 0
        self._state = {"number": None, "digits": [], "fps": 0.0, "fps_text": "-", "frame": 0, "stream_frames": 0}
        self._viewers = 0
        self._min_interval = 1.0 / max_stream_fps
        self._last_encoded = 0.0
        self._closed = False
        self._loopback_only = is_loopback(host)
        try:
            self._server = _BoundedServer((host, port), self._handler_class())
        except (OSError, OverflowError) as exc:
            shown = f"[{host}]" if ":" in host else host
            raise CameraError(f"cannot serve on {shown}:{port} ({getattr(exc, 'strerror', None) or exc})") from None
        self._thread = threading.Thread(target=self._server.serve_forever, name="cnnkit-web", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

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
        state = {**result.reading.to_json(), "fps": round(result.fps, 1), "fps_text": fps_text(result.fps), "frame": result.index}
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
            timeout = REQUEST_TIMEOUT_S
            server_version = "cnnkit"
            sys_version = ""
            error_content_type = "text/plain; charset=utf-8"
            error_message_format = "%(code)d %(message)s\n"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                if not self._host_allowed():
                    self._send(403, "text/plain; charset=utf-8", b"403 this view answers to localhost only\n")
                elif self.path == "/":
                    self._send(200, "text/html; charset=utf-8", _PAGE.encode(), page=True)
                elif self.path == "/state.json":
                    with view._condition:
                        body = json.dumps(view._state).encode()
                    self._send(200, "application/json", body)
                elif self.path == "/stream.mjpg":
                    if view._viewers >= MAX_VIEWERS:
                        self._send(503, "text/plain; charset=utf-8", b"503 too many viewers; try again later\n")
                    else:
                        self._stream()
                else:
                    self._send(404, "text/plain", b"not found")

            def _other_method(self) -> None:
                self._send(405, "text/plain; charset=utf-8", b"405 only GET is served\n", allow="GET")

            do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _other_method  # noqa: N815

            def _host_allowed(self) -> bool:
                # A page on another site can make a browser send requests here under a name it
                # controls (DNS rebinding); a loopback view answers only to loopback names.
                if not view._loopback_only:
                    return True
                host = (self.headers.get("Host") or "").strip().lower()
                name = host[1 : host.index("]")] if host.startswith("[") and "]" in host else host.rsplit(":", 1)[0]
                return name in _LOOPBACK_NAMES or is_loopback(name)

            def _send(self, status: int, content_type: str, body: bytes, *, page: bool = False, allow: str = "") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("X-Content-Type-Options", "nosniff")
                if page:
                    self.send_header("Content-Security-Policy", _CSP)
                    self.send_header("Referrer-Policy", "no-referrer")
                if allow:
                    self.send_header("Allow", allow)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _stream(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={_BOUNDARY}")
                self.send_header("Cache-Control", "no-store")
                self.send_header("X-Content-Type-Options", "nosniff")
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
                except (ConnectionError, TimeoutError):
                    pass  # the viewer went away, or stopped reading for REQUEST_TIMEOUT_S
                finally:
                    with view._condition:
                        view._viewers -= 1

            def log_message(self, *args: object) -> None:
                pass

        return Handler
