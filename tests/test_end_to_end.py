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
