"""cnnkit on an emulated Raspberry Pi (arm64 Bookworm Python under qemu), installed as `cnnkit[pi]`, without TensorFlow.

Slow (a few minutes the first time, to download the arm64 packages and wheels; cached after). Skipped, with the
reason, on a machine without qemu-user-static, mount namespaces or Debian's arm64 packages.
"""

import json
import re

import numpy as np
import pytest

from benchmarks.pi_emulation import Unavailable, build, install_project, run_python

_ACCURACY = """
import json, platform, sys
import numpy as np
import runtime
digits, labels = np.load(sys.argv[1]), np.load(sys.argv[2])
report = {"machine": platform.machine(), "accuracy": {}}
for path in sys.argv[3:]:
    model = runtime.load_model(path, num_threads=1)
    report["accuracy"][path] = float(np.mean(model.predict(digits).argmax(axis=1) == labels))
report["heavy_modules"] = sorted(m for m in ("tensorflow", "keras", "cv2") if m in sys.modules)
print(json.dumps(report))
"""

_CLI = "import sys; sys.argv[0] = 'cnnkit'; from toolkit.cli import run; run()"

_OPENCV = """
import json
try:
    import cv2
except ImportError as exc:
    print(json.dumps({"error": str(exc)}))
else:
    from camera_demo.window import gui_backend, window_unavailable_reason
    print(json.dumps({"gui": gui_backend(cv2), "window": window_unavailable_reason(cv2)}))
"""


@pytest.fixture(scope="module")
def pi_root():
    try:
        return build()
    except Unavailable as exc:
        pytest.skip(f"no emulated Raspberry Pi here: {exc}")


@pytest.fixture(scope="module")
def pi_project(pi_root, tmp_path_factory):
    """cnnkit installed from its wheel, as `pip install` puts it on the Pi."""
    return install_project(tmp_path_factory.mktemp("pi") / "site")


def _last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_exported_models_read_mnist_on_an_emulated_pi(pi_root, pi_project, trained_run, verify_report, mnist_dir, tmp_path):
    from runtime import load_model
    from toolkit.data import load_mnist

    _, (x_test, y_test) = load_mnist(mnist_dir)
    digits, labels = x_test[:300], y_test[:300]
    np.save(tmp_path / "digits.npy", digits)
    np.save(tmp_path / "labels.npy", labels)
    models = [str(trained_run / "model_int8.tflite"), str(trained_run / "model_fp32.onnx")]
    completed = run_python(
        pi_root, ["-c", _ACCURACY, str(tmp_path / "digits.npy"), str(tmp_path / "labels.npy"), *models], project=pi_project
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = _last_json(completed.stdout)
    assert report["machine"] == "aarch64"
    assert report["heavy_modules"] == [], "the Pi runtime must not load TensorFlow, Keras or OpenCV for 28×28 digits"
    for path in models:
        on_host = float(np.mean(load_model(path).predict(digits).argmax(axis=1) == labels))
        assert report["accuracy"][path] >= 0.97, (path, report["accuracy"][path])
        assert abs(report["accuracy"][path] - on_host) <= 0.01, (path, report["accuracy"][path], on_host)


@pytest.mark.slow
def test_camera_demo_reads_a_video_on_an_emulated_pi(pi_root, pi_project, trained_run, verify_report, mnist_dir, tmp_path):
    import cv2

    from benchmarks.scenes import render_scene
    from toolkit.data import load_mnist

    _, (x_test, y_test) = load_mnist(mnist_dir)
    writer = cv2.VideoWriter(str(tmp_path / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
    truth = []
    for segment, start in enumerate((10, 20, 30)):
        scene = render_scene(x_test[start : start + 2], y_test[start : start + 2], np.random.default_rng(segment))
        for _ in range(6):
            writer.write(scene.image)
            truth.append(scene.number)
    writer.release()
    camera = ["-c", _CLI, "camera", "--model", str(trained_run / "model_int8.tflite"), "--source", str(tmp_path / "clip.avi")]
    completed = run_python(pi_root, [*camera, "--headless", "--jsonl", "-"], project=pi_project)
    assert completed.returncode == 0, completed.stderr[-3000:]
    records = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    assert [record["frame"] for record in records] == list(range(len(truth)))
    exact = np.mean([record["number"] == number for record, number in zip(records, truth, strict=True)])
    assert exact >= 0.8, [record["number"] for record in records]

    # A window with the headless OpenCV of `cnnkit[pi]` is refused up front, in one line.
    windowed = run_python(pi_root, camera, project=pi_project)
    assert windowed.returncode == 1
    assert "cannot open a window: this OpenCV is built without a GUI" in windowed.stderr
    assert "--headless" in windowed.stderr and "Traceback" not in windowed.stderr


# Stands in for Raspberry Pi OS's python3-picamera2, which imports simplejpeg when it is imported.
_PICAMERA2 = """
import simplejpeg

class Picamera2:
    @staticmethod
    def global_camera_info():
        return []
"""


@pytest.mark.slow
def test_doctor_on_an_emulated_pi(pi_root, pi_project, trained_run, verify_report, tmp_path):
    system = tmp_path / "dist-packages"
    (system / "picamera2").mkdir(parents=True)
    (system / "picamera2" / "__init__.py").write_text(_PICAMERA2)
    # The apt-like simplejpeg alone breaks on the profile's numpy 2, as on a real Pi ...
    first = f"import sys; sys.path.insert(0, {str(pi_root / 'system-site')!r}); import simplejpeg"
    alone = run_python(pi_root, ["-c", first], project=pi_project, system_packages=system)
    assert "numpy.dtype size changed" in alone.stderr
    # ... and cnnkit[pi]'s own simplejpeg, first on the path, keeps picamera2 importable.
    completed = run_python(
        pi_root, ["-c", _CLI, "doctor", "--json", "--model", str(trained_run / "model_int8.tflite")],
        project=pi_project, system_packages=system,
    )
    report = json.loads(completed.stdout)
    checks = {check["name"]: check for check in report["checks"]}
    assert completed.returncode == 0, (completed.stderr[-2000:], checks)
    assert "aarch64" in checks["python"]["detail"]
    assert checks["LiteRT (ai-edge-litert)"]["status"] == "ok"
    assert checks["TensorFlow"] == {
        "name": "TensorFlow", "status": "ok", "detail": "not installed",
        "advice": "only needed to train and export: pip install 'cnnkit[train]'",
    }
    assert checks["OpenCV"]["status"] == "warn" and "without a GUI" in checks["OpenCV"]["detail"]
    assert checks["picamera2"] == {
        "name": "picamera2", "status": "warn", "detail": "imports, but finds no camera",
        "advice": "check the ribbon cable; run rpicam-hello",
    }
    # Emulation is far slower than a Pi, so the timing may be yellow here; it must have run through LiteRT.
    assert checks["benchmark"]["status"] != "fail"
    assert re.fullmatch(r"model_int8\.tflite: [\d,.]+ µs per digit on 1 thread \(litert\)", checks["benchmark"]["detail"])
    assert all(check["status"] != "fail" for check in checks.values())


@pytest.mark.slow
def test_pi_desktop_opencv_needs_the_desktop_libraries(pi_root, pi_project):
    # Raspberry Pi OS Lite: opencv-python's Qt build does not even import, and the doctor says what to install.
    on_lite = run_python(pi_root, ["-c", _OPENCV], project=pi_project, desktop_opencv=True)
    assert on_lite.returncode == 0, on_lite.stderr[-2000:]
    assert "cannot open shared object file" in _last_json(on_lite.stdout)["error"]
    doctor = run_python(pi_root, ["-c", _CLI, "doctor", "--json"], project=pi_project, desktop_opencv=True)
    assert doctor.returncode == 1
    opencv = {check["name"]: check for check in json.loads(doctor.stdout)["checks"]}["OpenCV"]
    assert opencv["status"] == "fail" and "cannot open shared object file" in opencv["detail"]
    assert "cnnkit[pi]" in opencv["advice"] and "apt install libgl1" in opencv["advice"]

    # With the desktop's libraries it imports with its Qt window, and without a display the demo would refuse it.
    on_desktop = run_python(pi_root, ["-c", _OPENCV], project=pi_project, desktop_opencv=True, desktop_libraries=True)
    assert on_desktop.returncode == 0, on_desktop.stderr[-2000:]
    assert _last_json(on_desktop.stdout) == {
        "gui": "QT5", "window": "there is no display (DISPLAY is not set, as over SSH or in a service)",
    }
