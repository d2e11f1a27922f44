"""The camera demo refuses a window it cannot open, before the loop, in one line."""

import subprocess
import sys
import types

from camera_demo.window import gui_backend, window_unavailable_reason


def _fake_cv2(gui: str) -> types.SimpleNamespace:
    info = f"\n  GUI:                           {gui}\n    GTK+:                        NO\n"
    return types.SimpleNamespace(getBuildInformation=lambda: info)


def test_gui_backend_reads_the_build_information():
    assert gui_backend(_fake_cv2("QT5")) == "QT5"
    assert gui_backend(_fake_cv2("NONE")) == "NONE"
    assert gui_backend(types.SimpleNamespace(getBuildInformation=lambda: "Video I/O: FFMPEG")) == "UNKNOWN"


def test_window_needs_a_gui_build_and_a_display(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    assert window_unavailable_reason(_fake_cv2("QT5")) is None
    assert "without a GUI" in window_unavailable_reason(_fake_cv2("NONE"))
    monkeypatch.delenv("DISPLAY")
    assert "no display" in window_unavailable_reason(_fake_cv2("QT5"))
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert window_unavailable_reason(_fake_cv2("QT5")) is None
    monkeypatch.delenv("WAYLAND_DISPLAY")
    monkeypatch.setattr(sys, "platform", "darwin")
    assert window_unavailable_reason(_fake_cv2("COCOA")) is None


def test_camera_without_a_display_is_one_line_not_a_qt_abort(small_run, tmp_path):
    # Without the check, opencv-python's Qt aborts the process (SIGABRT) at the first imshow.
    _, folder = small_run
    completed = subprocess.run(
        [sys.executable, "-m", "camera_demo", "--model", str(folder / "model_int8.tflite"), "--source", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr.strip().splitlines() == [
        "error: cannot open a window: there is no display (DISPLAY is not set, as over SSH or in a service); "
        "add --headless (and --serve HOST:PORT to watch in a browser)"
    ]
