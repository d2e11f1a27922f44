"""`cnnkit explain`: the step-by-step picture from a .keras file and from an int8 .tflite."""

import cv2
import numpy as np
from typer.testing import CliRunner

from toolkit.cli import app


def test_explain_draws_the_same_reading_from_keras_and_int8_tflite(small_run, tmp_path):
    dataset, folder = small_run
    cv2.imwrite(str(tmp_path / "digit.png"), dataset.x_test[0])  # a 28×28 digit (the small model reads no photos)
    runner = CliRunner()
    labels = {}
    for model in ("model.keras", "model_int8.tflite"):
        out = tmp_path / f"{model}.explained.png"
        result = runner.invoke(app, ["explain", str(tmp_path / "digit.png"), "--model", str(folder / model), "--out", str(out)])
        assert result.exit_code == 0, result.output
        picture = cv2.imread(str(out))
        assert picture is not None and picture.shape[0] > 1500 and picture.shape[1] >= 1100
        assert picture.std() > 30  # not blank: feature maps and bars drawn
        labels[model] = result.output.split("reads ")[1].split(" ")[0]
    assert labels["model.keras"] == labels["model_int8.tflite"]


def test_int8_tensors_follow_the_float_network_stage_by_stage(small_run):
    from runtime.activations import forward, tflite_activations
    from toolkit.explain import keras_weights

    dataset, folder = small_run
    digit = dataset.x_test[1]
    float_stages = forward(keras_weights(folder / "model.keras"), digit)
    int8_stages = tflite_activations(folder / "model_int8.tflite", digit)
    for stage in ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2"):
        a, b = float_stages[stage].ravel(), int8_stages[stage].ravel()
        assert a.shape == b.shape, stage
        assert np.corrcoef(a, b)[0, 1] > 0.97, stage
    assert abs(float(np.sum(int8_stages["probabilities"])) - 1.0) < 0.02
    assert np.argmax(int8_stages["probabilities"]) == np.argmax(float_stages["probabilities"])


def test_explain_refuses_onnx_and_an_image_without_a_digit(small_run, tmp_path):
    _, folder = small_run
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((120, 160), 200, np.uint8))
    runner = CliRunner()
    result = runner.invoke(app, ["explain", str(blank), "--model", str(folder / "model_fp32.onnx")])
    assert result.exit_code == 1 and "explain shows the layers of a .keras or .tflite model" in result.output
    result = runner.invoke(app, ["explain", str(blank), "--model", str(folder / "model_int8.tflite")])
    assert result.exit_code == 1 and "no digit found" in result.output
    assert not (tmp_path / "blank.explained.png").exists()
