"""`cnnkit doctor`: can this machine run cnnkit, and how well?

Every package is probed in a child process (``python -m toolkit.probes``), so an
import that raises, hangs or crashes outright (tflite-runtime on numpy 2 can)
becomes one red line instead of taking the doctor down with it.
"""

from __future__ import annotations

import enum
import importlib.metadata
import json
import platform
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

PROBE_TIMEOUT_S = 60.0
# A library of a desktop image that OpenCV's Qt build links and an image without a desktop lacks.
_DESKTOP_LIBRARY = re.compile(r"lib(GL|X11|Xext|xcb|SM|ICE|glib-2\.0|gthread-2\.0)\S*\.so")
# What an extension module built for numpy 1 says when it meets numpy 2.
_NUMPY_ABI_MISMATCH = re.compile(r"numpy\.dtype size changed|compiled using NumPy 1\.x|_ARRAY_API not found")
# The PyPI builds of OpenCV; each installs the same cv2 folder, so two of them overwrite each other.
_OPENCV_PACKAGES = ("opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless")


class Status(str, enum.Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    status: Status
    detail: str
    advice: str = ""


@dataclass(frozen=True)
class Probe:
    """What a child process said about one import."""

    ok: bool
    output: str


def probe(name: str, *args: str, timeout: float = PROBE_TIMEOUT_S) -> Probe:
    """Run the probe ``name`` of :mod:`toolkit.probes` in a fresh interpreter."""
    return run_python(["-m", "toolkit.probes", name, *args], timeout)


def run_python(arguments: list[str], timeout: float = PROBE_TIMEOUT_S) -> Probe:
    """Run this interpreter with ``arguments``; its last output line is the answer.

    A non-zero exit, a signal, a time-out, or an interpreter that cannot be started
    is reported, never raised.
    """
    try:
        completed = subprocess.run([sys.executable, *arguments], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Probe(False, f"timed out after {timeout:g} s")
    except OSError as exc:
        return Probe(False, f"cannot start {sys.executable}: {exc.strerror or exc}")
    lines = (completed.stdout.strip() or completed.stderr.strip()).splitlines()
    last = lines[-1] if lines else ""
    if completed.returncode != 0:
        if completed.returncode < 0:
            return Probe(False, f"crashed (signal {-completed.returncode}) {last}".strip())
        return Probe(False, last or f"exit code {completed.returncode}")
    return Probe(True, last)


def diagnose(model: Path | None = None, *, benchmark_seconds: float = 2.0) -> list[Check]:
    """Run every check; never raises for a broken install."""
    checks = [
        Check("python", Status.OK if sys.version_info >= (3, 10) else Status.FAIL,
              f"{platform.python_version()} on {platform.system()} {platform.machine()}",
              "" if sys.version_info >= (3, 10) else "cnnkit needs Python 3.10 or newer"),
        _numpy(),
    ]
    # Missing LiteRT is yellow (tflite-runtime or onnxruntime may stand in; the "runtime" line turns red when
    # nothing can); onnxruntime and TensorFlow are optional, so a Pi without them is all green.
    interpreters = [
        _import_check("LiteRT (ai-edge-litert)", "ai_edge_litert.interpreter", "ai-edge-litert",
                      "runs .tflite models: pip install 'cnnkit[runtime]'", missing=Status.WARN),
        _tflite_runtime(),
        _import_check("onnxruntime", "onnxruntime", "onnxruntime", "only needed for .onnx models: pip install 'cnnkit[runtime]'",
                      missing=Status.OK),
        _import_check("TensorFlow", "tensorflow", "tensorflow", "only needed to train and export: pip install 'cnnkit[train]'",
                      missing=Status.OK),
    ]
    checks += interpreters
    usable = [
        check.status is Status.OK and _version(package) is not None
        for check, package in zip(interpreters[:3], ("ai-edge-litert", "tflite-runtime", "onnxruntime"), strict=True)
    ]
    if not any(usable):
        checks.append(Check("runtime", Status.FAIL, "no interpreter can run .tflite or .onnx models",
                            "pip install 'cnnkit[runtime]'"))
    checks += [_opencv(), _picamera2(), _cameras()]
    if model is not None:
        checks.append(_benchmark(model, benchmark_seconds))
    return checks


def report_json(checks: list[Check]) -> str:
    """The checks as JSON, worst status included."""
    worst = max((c.status for c in checks), key=[Status.OK, Status.WARN, Status.FAIL].index)
    return json.dumps({"status": worst.value, "checks": [asdict(c) | {"status": c.status.value} for c in checks]}, indent=2)


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _numpy() -> Check:
    result = probe("numpy")
    if not result.ok:
        return Check("numpy", Status.FAIL, result.output, "pip install numpy")
    return Check("numpy", Status.OK, result.output)


def _import_check(name: str, module: str, package: str, advice: str, *, missing: Status) -> Check:
    if _version(package) is None:
        return Check(name, missing, "not installed", advice)
    result = probe("import", module)
    if not result.ok:
        return Check(name, Status.FAIL, f"{package} {_version(package)} is installed but does not import: {result.output}",
                     f"reinstall it: pip install --force-reinstall {package}")
    return Check(name, Status.OK, f"{package} {_version(package)}")


def _tflite_runtime() -> Check:
    version = _version("tflite-runtime")
    if version is None:
        return Check("tflite-runtime", Status.OK, "not installed (not needed: LiteRT replaces it)")
    numpy_version = _version("numpy") or "?"
    if numpy_version.split(".")[0].isdigit() and int(numpy_version.split(".")[0]) >= 2:
        return Check("tflite-runtime", Status.FAIL,
                     f"tflite-runtime {version} is built for numpy 1 and crashes with numpy {numpy_version}",
                     "use ai-edge-litert (pip install 'cnnkit[runtime]') or pip install 'numpy<2'")
    return _import_check("tflite-runtime", "tflite_runtime.interpreter", "tflite-runtime", "pip install 'cnnkit[tflite-runtime]'",
                         missing=Status.OK)


def _opencv() -> Check:
    result = probe("opencv")
    builds = [package for package in _OPENCV_PACKAGES if _version(package) is not None]
    if not result.ok:
        if not builds:
            return Check("OpenCV", Status.FAIL, "not installed", "needed for photos and the camera: pip install 'cnnkit[camera]'")
        advice = f"reinstall it: pip install --force-reinstall {builds[0]}"
        if _DESKTOP_LIBRARY.search(result.output):
            # opencv-python's window support links the desktop's X11/OpenGL libraries (Raspberry Pi OS Lite has none).
            advice = "use the headless build (pip install 'cnnkit[pi]'), or sudo apt install libgl1 libglib2.0-0 libsm6 libxext6"
        return Check("OpenCV", Status.FAIL, f"installed but does not import: {result.output}", advice)
    version, gui, reason = (result.output.split(" ", 2) + [""])[:3]
    if len(builds) > 1:
        return Check("OpenCV", Status.WARN, f"{version}, but {' and '.join(builds)} are both installed and share cv2",
                     f"keep one: pip uninstall -y {' '.join(builds)}, then install one of them again")
    if reason:
        return Check("OpenCV", Status.WARN, f"{version} ({gui}); no window: {reason}",
                     "use --headless, with --serve HOST:PORT to watch in a browser")
    return Check("OpenCV", Status.OK, f"{version} ({gui}), can open a window")


def _picamera2() -> Check:
    result = probe("picamera2", timeout=30)
    if not result.ok:
        if "No module named" in result.output:
            return Check("picamera2", Status.WARN, "not importable (only needed for the Raspberry Pi camera)",
                         "on Raspberry Pi OS: sudo apt install python3-picamera2, venv with --system-site-packages")
        if _NUMPY_ABI_MISMATCH.search(result.output):
            # Raspberry Pi OS's python3-simplejpeg is built for its numpy 1.24; a venv has numpy 2.
            return Check("picamera2", Status.FAIL, f"does not import with this numpy: {result.output}",
                         "pip install 'simplejpeg>=1.8' into this environment (cnnkit[pi] includes it)")
        return Check("picamera2", Status.FAIL, f"does not work: {result.output}", "check the camera cable and libcamera")
    count = int(result.output) if result.output.isdigit() else 0
    if count == 0:
        return Check("picamera2", Status.WARN, "imports, but finds no camera", "check the ribbon cable; run rpicam-hello")
    return Check("picamera2", Status.OK, f"{count} camera(s) found")


def _cameras() -> Check:
    devices = sorted(str(p) for p in Path("/dev").glob("video*")) if Path("/dev").exists() else []
    indices = [int(d.removeprefix("/dev/video")) for d in devices if d.removeprefix("/dev/video").isdigit()][:4]
    if not indices:
        return Check("cameras", Status.WARN, "no /dev/video* device", "plug in a webcam, or use a video file as --source")
    result = probe("cameras", *map(str, indices), timeout=30)
    if not result.ok or result.output == "none":
        return Check("cameras", Status.WARN, f"{', '.join(devices)} present, none delivers frames",
                     "is another program using the camera?")
    return Check("cameras", Status.OK, f"OpenCV reads camera(s) {result.output.replace(' ', ', ')}")


def _benchmark(model: Path, seconds: float) -> Check:
    result = probe("latency", str(model), str(seconds), timeout=seconds + PROBE_TIMEOUT_S)
    if not result.ok:
        return Check("benchmark", Status.FAIL, f"{model.name} does not run: {result.output}")
    micros, _, backend = result.output.partition(" ")
    fast = float(micros) < 1000
    return Check("benchmark", Status.OK if fast else Status.WARN,
                 f"{model.name}: {float(micros):,.1f} µs per digit on 1 thread ({backend})",
                 "" if fast else "slow for live use: try the int8 .tflite model")
