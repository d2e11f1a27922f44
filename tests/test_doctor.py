"""`cnnkit doctor` on this machine, and on a half-broken install faked with packages that fail to import."""

import json
import os
import subprocess
import sys
from pathlib import Path

from toolkit.doctor import Probe, Status, probe, run_python

CNNKIT = Path(sys.executable).with_name("cnnkit")


def test_probe_reports_exceptions_and_crashes_without_raising():
    assert run_python(["-c", "print(6 * 7)"]).output == "42"
    failed = run_python(["-c", "raise ImportError('libfoo.so: cannot open shared object file')"])
    assert not failed.ok and "cannot open shared object file" in failed.output
    crashed = run_python(["-c", "import os; os.abort()"])
    assert not crashed.ok and crashed.output.startswith("crashed (signal")
    hung = run_python(["-c", "import time; time.sleep(5)"], timeout=0.5)
    assert not hung.ok and hung.output == "timed out after 0.5 s"


def test_probe_reports_an_interpreter_that_cannot_start(monkeypatch, tmp_path):
    # As when a venv's python points at a removed interpreter, or an emulated one cannot be executed.
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python3"))
    unstartable = probe("numpy")
    assert not unstartable.ok and unstartable.output.startswith(f"cannot start {tmp_path / 'python3'}:")


def test_probes_run_as_a_module_and_answer_in_one_line():
    assert probe("import", "json") == Probe(True, "imported")
    assert probe("numpy").output.split(".")[0].isdigit()
    missing = probe("import", "no_such_module_anywhere")
    assert not missing.ok and "No module named 'no_such_module_anywhere'" in missing.output


def _fake_package(root: Path, name: str, body: str) -> None:
    package = root / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(body)
    (package / "interpreter.py").write_text(body)


def _run_doctor(fakes: Path) -> subprocess.CompletedProcess:
    """`cnnkit doctor --json` with the packages in ``fakes`` in front of the real ones."""
    return subprocess.run(
        [str(CNNKIT), "doctor", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(fakes)},
    )


def _checks(completed: subprocess.CompletedProcess) -> dict:
    return {check["name"]: check for check in json.loads(completed.stdout)["checks"]}


def test_doctor_survives_a_half_broken_install(tmp_path):
    fakes = tmp_path / "fakes"
    _fake_package(fakes, "onnxruntime", "raise ImportError('libonnxruntime.so.1: cannot open shared object file')\n")
    _fake_package(fakes, "ai_edge_litert", "import os\nos.abort()\n")
    _fake_package(fakes, "cv2", "raise AttributeError('_ARRAY_API not found')\n")
    _fake_package(fakes, "tensorflow", "raise RuntimeError('CUDA driver mismatch')\n")
    completed = _run_doctor(fakes)
    assert completed.returncode == 1, completed.stderr
    report = json.loads(completed.stdout)
    checks = _checks(completed)
    assert report["status"] == "fail"
    assert checks["python"]["status"] == "ok" and checks["numpy"]["status"] == "ok"
    assert checks["onnxruntime"]["status"] == "fail" and "cannot open shared object" in checks["onnxruntime"]["detail"]
    assert checks["LiteRT (ai-edge-litert)"]["status"] == "fail" and "crashed" in checks["LiteRT (ai-edge-litert)"]["detail"]
    assert checks["OpenCV"]["status"] == "fail" and "_ARRAY_API" in checks["OpenCV"]["detail"]
    assert checks["TensorFlow"]["status"] == "fail"
    assert checks["runtime"]["status"] == "fail" and "cnnkit[runtime]" in checks["runtime"]["advice"]
    assert "check(s) failed" in completed.stderr


def test_doctor_times_a_model_on_a_healthy_install(small_run):
    from toolkit.doctor import diagnose

    _, folder = small_run
    checks = {check.name: check for check in diagnose(folder / "model_int8.tflite", benchmark_seconds=0.3)}
    assert checks["benchmark"].status is Status.OK and "µs per digit" in checks["benchmark"].detail
    assert checks["LiteRT (ai-edge-litert)"].status is Status.OK
    assert checks["onnxruntime"].status is Status.OK


def test_doctor_names_the_fix_for_the_raspberry_pi_install_traps(tmp_path):
    # opencv-python on Raspberry Pi OS Lite, and the apt simplejpeg (numpy 1) under picamera2 beside a venv's numpy 2.
    _fake_package(tmp_path, "cv2", "raise ImportError('libGL.so.1: cannot open shared object file: No such file or directory')\n")
    _fake_package(tmp_path, "picamera2", "raise ValueError('numpy.dtype size changed, may indicate binary incompatibility. "
                  "Expected 96 from C header, got 88 from PyObject')\n")
    checks = _checks(_run_doctor(tmp_path))
    opencv, picamera2 = checks["OpenCV"], checks["picamera2"]
    assert opencv["status"] == "fail" and "libGL.so.1" in opencv["detail"]
    assert "pip install 'cnnkit[pi]'" in opencv["advice"] and "sudo apt install libgl1" in opencv["advice"]
    assert picamera2["status"] == "fail" and "numpy.dtype size changed" in picamera2["detail"]
    assert picamera2["advice"].startswith("pip install 'simplejpeg>=1.8'")


def test_doctor_warns_of_two_opencv_builds_sharing_cv2(tmp_path):
    _fake_package(tmp_path, "cv2", "__version__ = '4.9.0'\ndef getBuildInformation():\n    return '  GUI:  NONE\\n'\n")
    # The real environment has opencv-python; a second build's metadata beside it is the classic mix-up.
    dist_info = tmp_path / "opencv_python_headless-4.9.0.80.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: opencv-python-headless\nVersion: 4.9.0.80\n")
    opencv = _checks(_run_doctor(tmp_path))["OpenCV"]
    assert opencv["status"] == "warn" and "opencv-python and opencv-python-headless are both installed" in opencv["detail"]
    assert opencv["advice"].startswith("keep one: pip uninstall -y opencv-python opencv-python-headless")
