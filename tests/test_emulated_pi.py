"""The runtime and the camera demo on an emulated Raspberry Pi (arm64 Bookworm Python under qemu), without TensorFlow.

Slow (a few minutes the first time, to download the arm64 packages and wheels; cached after). Skipped, with the
reason, on a machine without qemu-user-static, mount namespaces or Debian's arm64 packages.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from pi_emulation import Unavailable, build, run_python

PROJECT = Path(__file__).resolve().parent.parent

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


@pytest.fixture(scope="module")
def pi_root():
    try:
        return build()
    except Unavailable as exc:
        pytest.skip(f"no emulated Raspberry Pi here: {exc}")


@pytest.mark.slow
def test_exported_models_read_mnist_on_an_emulated_pi(pi_root, trained_run, verify_report, mnist_dir, tmp_path):
    from runtime import load_model
    from toolkit.data import load_mnist

    _, (x_test, y_test) = load_mnist(mnist_dir)
    digits, labels = x_test[:300], y_test[:300]
    np.save(tmp_path / "digits.npy", digits)
    np.save(tmp_path / "labels.npy", labels)
    models = [str(trained_run / "model_int8.tflite"), str(trained_run / "model_fp32.onnx")]
    completed = run_python(
        pi_root, ["-c", _ACCURACY, str(tmp_path / "digits.npy"), str(tmp_path / "labels.npy"), *models], project=PROJECT
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["machine"] == "aarch64"
    assert report["heavy_modules"] == [], "the Pi runtime must not load TensorFlow, Keras or OpenCV for 28×28 digits"
    for path in models:
        on_host = float(np.mean(load_model(path).predict(digits).argmax(axis=1) == labels))
        assert report["accuracy"][path] >= 0.97, (path, report["accuracy"][path])
        assert abs(report["accuracy"][path] - on_host) <= 0.01, (path, report["accuracy"][path], on_host)


@pytest.mark.slow
def test_camera_demo_reads_a_video_on_an_emulated_pi(pi_root, trained_run, verify_report, mnist_dir, tmp_path):
    import cv2

    from toolkit.data import load_mnist
    from toolkit.scenes import render_scene

    _, (x_test, y_test) = load_mnist(mnist_dir)
    writer = cv2.VideoWriter(str(tmp_path / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
    truth = []
    for segment, start in enumerate((10, 20, 30)):
        scene = render_scene(x_test[start : start + 2], y_test[start : start + 2], np.random.default_rng(segment))
        for _ in range(6):
            writer.write(scene.image)
            truth.append(scene.number)
    writer.release()
    completed = run_python(
        pi_root,
        ["-c", _CLI, "camera", "--model", str(trained_run / "model_int8.tflite"), "--source", str(tmp_path / "clip.avi"),
         "--headless", "--jsonl", "-"],
        project=PROJECT,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    records = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    assert [record["frame"] for record in records] == list(range(len(truth)))
    exact = np.mean([record["number"] == number for record, number in zip(records, truth, strict=True)])
    assert exact >= 0.8, [record["number"] for record in records]
