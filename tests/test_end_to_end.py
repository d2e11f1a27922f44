"""The slow end-to-end test: the real `cnnkit train`, default recipe, real MNIST."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from toolkit.train import METRICS_FILE, MODEL_FILE, PICTURES  # noqa: E402

CNNKIT = Path(sys.executable).with_name("cnnkit")


@pytest.fixture(scope="module")
def trained_run(mnist_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("e2e") / "run"
    completed = subprocess.run(
        [str(CNNKIT), "train", "--data", str(mnist_dir), "--out", str(out), "--seed", "0"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "test accuracy" in completed.stdout.splitlines()[-1]
    return out


@pytest.mark.slow
def test_default_recipe_reaches_99_percent_on_real_mnist(trained_run):
    metrics = json.loads((trained_run / METRICS_FILE).read_text())
    assert metrics["test_accuracy"] >= 0.99, metrics["test_accuracy"]
    assert metrics["dataset"]["is_mnist"] is True
    assert metrics["recipe"]["name"] == "default"
    assert len(metrics["history"]["val_accuracy"]) == metrics["recipe"]["epochs"]
    assert np.array(metrics["confusion_matrix"]).trace() == round(metrics["test_accuracy"] * 10000)


@pytest.mark.slow
def test_every_artifact_exists_and_loads(trained_run, mnist_dir):
    import keras

    from toolkit.data import load_mnist
    from toolkit.data import to_model_input

    model = keras.models.load_model(trained_run / MODEL_FILE)
    _, (x_test, y_test) = load_mnist(mnist_dir)
    predicted = np.argmax(model.predict(to_model_input(x_test), batch_size=1000, verbose=0), axis=1)
    metrics = json.loads((trained_run / METRICS_FILE).read_text())
    assert np.mean(predicted == y_test) == pytest.approx(metrics["test_accuracy"], abs=1e-4)
    import matplotlib.image

    for picture in PICTURES:
        pixels = matplotlib.image.imread(trained_run / picture)
        assert pixels.shape[0] > 200 and pixels.shape[1] > 200, picture
        assert pixels.std() > 0.05, f"{picture} looks blank"


@pytest.fixture(scope="module")
def verify_report(trained_run, mnist_dir) -> dict:
    exported = subprocess.run(
        [str(CNNKIT), "export", "--model", str(trained_run / MODEL_FILE), "--format", "all", "--data", str(mnist_dir)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert exported.returncode == 0, exported.stderr[-3000:]
    report_path = trained_run / "verify.json"
    verified = subprocess.run(
        [str(CNNKIT), "verify", "--model", str(trained_run / MODEL_FILE), "--data", str(mnist_dir), "--json", str(report_path)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr[-3000:]
    return json.loads(report_path.read_text())


@pytest.mark.slow
def test_every_exported_model_passes_verify_on_the_real_test_set(verify_report):
    assert verify_report["passed"] is True
    assert len(verify_report["models"]) == 6
    assert all(model["passed"] for model in verify_report["models"])


@pytest.mark.slow
def test_exported_models_meet_their_accuracy_targets(verify_report):
    models = {Path(model["path"]).name: model for model in verify_report["models"]}
    int8 = models["model_int8.tflite"]
    assert int8["delta_pp"] >= -0.05 and int8["agreement"] >= 0.998, int8
    for name in ("model_fp32.tflite", "model_fp32.onnx"):
        assert models[name]["agreement"] == 1.0 and models[name]["max_abs_diff"] <= 1e-5, models[name]
    assert models["model_int8.onnx"]["delta_pp"] >= -0.1, models["model_int8.onnx"]
