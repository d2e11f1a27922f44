"""Training on small synthetic data: artifacts, determinism, interruption."""

import json

import numpy as np
import pytest
from helpers import synthetic_arrays

pytest.importorskip("tensorflow")

import keras  # noqa: E402

from toolkit.config import Recipe, TrainConfig  # noqa: E402
from toolkit.data import Dataset  # noqa: E402
from toolkit.train import METRICS_FILE, MODEL_FILE, PICTURES, confusion_matrix, train  # noqa: E402


def _small_dataset() -> Dataset:
    arrays = synthetic_arrays(n_train=256, n_test=64)
    return Dataset(**arrays, class_names=tuple("0123456789"), sha256="x" * 64, source=None, is_mnist=False)


def _config(tmp_path, name, **overrides) -> TrainConfig:
    values = {"epochs": 1, "batch_size": 64, **overrides}
    return TrainConfig.from_recipe(Recipe.DEFAULT, tmp_path / name, seed=3, **values)


def test_train_writes_every_artifact_and_metrics(tmp_path):
    result = train(_config(tmp_path, "run", epochs=2), _small_dataset())
    written = sorted(p.name for p in result.out_dir.iterdir())
    assert written == sorted([MODEL_FILE, METRICS_FILE, *PICTURES])
    metrics = json.loads((result.out_dir / METRICS_FILE).read_text())
    assert 0.0 <= metrics["test_accuracy"] <= 1.0
    assert metrics["seed"] == 3 and metrics["recipe"]["epochs"] == 2
    assert len(metrics["history"]["loss"]) == 2 and len(metrics["history"]["val_accuracy"]) == 2
    assert np.array(metrics["confusion_matrix"]).sum() == 64
    assert metrics["dataset"]["sha256"] == "x" * 64
    assert {"tensorflow", "keras", "numpy", "python"} <= set(metrics["versions"])
    for picture in PICTURES:
        assert (result.out_dir / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    reloaded = keras.models.load_model(result.model_path)
    probabilities = reloaded.predict(np.zeros((2, 28, 28, 1), np.float32), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_same_seed_gives_the_same_weights_and_another_seed_does_not(tmp_path):
    dataset = _small_dataset()
    first = keras.models.load_model(train(_config(tmp_path, "a"), dataset).model_path).get_weights()
    again = keras.models.load_model(train(_config(tmp_path, "b"), dataset).model_path).get_weights()
    other_config = TrainConfig.from_recipe(Recipe.DEFAULT, tmp_path / "c", seed=4, epochs=1, batch_size=64)
    other = keras.models.load_model(train(other_config, dataset).model_path).get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(first, again, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(first, other, strict=True))


def test_interrupted_training_leaves_no_file_behind(tmp_path):
    class Interrupt:
        def on_batch(self, step, total_steps):
            if step == 2:
                raise KeyboardInterrupt

        def on_epoch(self, epoch, epochs, logs):
            pass

    with pytest.raises(KeyboardInterrupt):
        train(_config(tmp_path, "run"), _small_dataset(), Interrupt())
    assert list((tmp_path / "run").iterdir()) == []


def test_progress_counts_every_step_across_epochs_of_redrawn_digits(tmp_path):
    class Record:
        steps, epochs = [], []

        def on_batch(self, step, total_steps):
            self.steps.append((step, total_steps))

        def on_epoch(self, epoch, epochs, logs):
            self.epochs.append((epoch, epochs, sorted(logs)))

    record = Record()
    train(_config(tmp_path, "run", epochs=2), _small_dataset(), record)
    total = 2 * 4  # 256 images, 10% held out: 231 to fit, four batches of 64 an epoch
    assert record.steps == [(step, total) for step in range(1, total + 1)]
    assert record.epochs == [(epoch, 2, ["accuracy", "loss", "val_accuracy", "val_loss"]) for epoch in (1, 2)]


def test_no_validation_split_trains_on_everything(tmp_path):
    result = train(_config(tmp_path, "run", validation_split=0.0), _small_dataset())
    assert "val_loss" not in result.metrics["history"]
    assert (result.out_dir / "curves.png").exists()


def test_confusion_matrix_counts_pairs():
    matrix = confusion_matrix(np.array([0, 0, 1, 9]), np.array([0, 1, 1, 9]))
    assert matrix.shape == (10, 10)
    assert matrix[0, 0] == 1 and matrix[0, 1] == 1 and matrix[1, 1] == 1 and matrix[9, 9] == 1
    assert matrix.sum() == 4
