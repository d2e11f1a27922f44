"""Train the reference CNN and write its model, metrics and pictures.

Imports TensorFlow: call it from inside a CLI command, never at import time of
the CLI.
"""

from __future__ import annotations

import contextlib
import json
import math
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import keras
import numpy as np
import tensorflow as tf

from core import __version__
from core.atomic import atomic_path, write_text_atomic
from core.contract import NUM_CLASSES
from core.errors import ConfigError
from toolkit import plots
from toolkit.config import RecipeSpec, Schedule, TrainConfig
from toolkit.data import Dataset, to_model_input
from toolkit.epochs import images_per_batch, redrawn_epochs
from toolkit.model import build_model
from toolkit.runs import METRICS_FILE, MODEL_FILE

MIN_FIT_IMAGES = 100  # fewer cannot fill one batch of the recipes, let alone learn ten classes
MIN_VALIDATION_IMAGES = 10  # one per class, so the validation accuracy means something

PICTURES = ("dataset_preview.png", "curves.png", "confusion_matrix.png", "predictions.png")


class TrainProgress(Protocol):
    """Receives progress while a model trains."""

    def on_batch(self, step: int, total_steps: int) -> None:
        """Called after every training step; ``step`` counts from 1."""

    def on_epoch(self, epoch: int, epochs: int, logs: dict[str, float]) -> None:
        """Called after every epoch with Keras' logs (loss, accuracy, val_loss, val_accuracy)."""


@dataclass(frozen=True)
class TrainResult:
    """What a run produced: where the files are and the headline numbers."""

    out_dir: Path
    model_path: Path
    metrics: dict

    @property
    def test_accuracy(self) -> float:
        return self.metrics["test_accuracy"]


def train(config: TrainConfig, dataset: Dataset, progress: TrainProgress | None = None) -> TrainResult:
    """Train the reference network on ``dataset`` and write every artifact to ``config.out_dir``.

    Writes ``model.keras``, ``metrics.json`` and four PNG pictures, each through a
    temporary file and a rename, so an interrupted run leaves no half-written file.
    The same seed and data give the same weights (deterministic TensorFlow ops).

    Args:
        config: The recipe, seed and output folder.
        dataset: The data, as returned by :func:`toolkit.data.load_dataset`.
        progress: Optional receiver of per-step and per-epoch progress.

    Returns:
        The paths written and the metrics (also in ``metrics.json``).
    """
    started = time.perf_counter()
    spec = config.spec
    out = config.out_dir
    out.mkdir(parents=True, exist_ok=True)

    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()

    x_train = to_model_input(dataset.x_train)
    y_train = keras.utils.to_categorical(dataset.y_train, NUM_CLASSES)
    x_test = to_model_input(dataset.x_test)
    y_test = keras.utils.to_categorical(dataset.y_test, NUM_CLASSES)

    # Keras' validation_split holds out the *last* fraction, before shuffling, and rounds the rest up.
    n_fit = math.ceil(len(x_train) * (1.0 - spec.validation_split))
    held_out = len(x_train) - n_fit
    if n_fit < MIN_FIT_IMAGES or (spec.validation_split > 0 and held_out < MIN_VALIDATION_IMAGES):
        raise ConfigError(
            f"--validation-split {spec.validation_split:g} of {len(x_train):,} training images leaves {n_fit:,} to fit and "
            f"{held_out:,} to validate; cnnkit needs at least {MIN_FIT_IMAGES} and {MIN_VALIDATION_IMAGES}"
        )
    steps_per_epoch = -(-n_fit // spec.batch_size)
    total_steps = spec.epochs * steps_per_epoch

    model = build_model()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=_learning_rate(spec.schedule, spec.learning_rate, total_steps)),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    callbacks = [_ProgressCallback(progress, steps_per_epoch, total_steps, spec.epochs)] if progress else []
    fit_started = time.perf_counter()
    if spec.augment:
        # The same held-out images as Keras' validation_split, never augmented.
        validation = (x_train[n_fit:], y_train[n_fit:]) if n_fit < len(x_train) else None
        history = _fit_redrawn(model, dataset.x_train[:n_fit], y_train[:n_fit], spec, config.seed, validation, callbacks)
    else:
        history = model.fit(
            x_train,
            y_train,
            batch_size=spec.batch_size,
            epochs=spec.epochs,
            validation_split=spec.validation_split,
            shuffle=True,
            verbose=0,
            callbacks=callbacks,
        ).history
    train_seconds = time.perf_counter() - fit_started

    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    predicted = np.argmax(model.predict(x_test, batch_size=1000, verbose=0), axis=1)
    matrix = confusion_matrix(dataset.y_test, predicted)

    model_path = out / MODEL_FILE
    with atomic_path(model_path) as tmp:
        model.save(tmp)
    names = dataset.class_names
    plots.save_dataset_preview(dataset.x_train, dataset.y_train, names, out / "dataset_preview.png")
    plots.save_curves(history, out / "curves.png")
    plots.save_confusion_matrix(
        matrix, names, out / "confusion_matrix.png", title=f"Test set confusion matrix (accuracy {test_accuracy:.2%})"
    )
    plots.save_predictions(dataset.x_test, dataset.y_test, predicted, names, out / "predictions.png")

    metrics = {
        "cnnkit_version": __version__,
        "test_accuracy": float(test_accuracy),
        "test_loss": float(test_loss),
        "test_errors": int(np.sum(predicted != dataset.y_test)),
        "train_seconds": round(train_seconds, 2),
        "total_seconds": round(time.perf_counter() - started, 2),
        "seed": config.seed,
        "recipe": {
            "name": spec.name.value,
            "optimizer": "adam",
            "loss": "categorical_crossentropy",
            "epochs": spec.epochs,
            "batch_size": spec.batch_size,
            "validation_split": spec.validation_split,
            "learning_rate": spec.learning_rate,
            "schedule": spec.schedule.value,
            "augment": spec.augment,
        },
        "history": {key: [float(v) for v in values] for key, values in history.items()},
        "parameters": int(model.count_params()),
        "dataset": {
            "sha256": dataset.sha256,
            "source": str(dataset.source),
            "is_mnist": dataset.is_mnist,
            "train_images": len(dataset.x_train),
            "test_images": len(dataset.x_test),
            "class_names": list(names),
        },
        "confusion_matrix": matrix.tolist(),
        "versions": {
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
        },
    }
    write_text_atomic(out / METRICS_FILE, json.dumps(metrics, indent=2) + "\n")
    return TrainResult(out_dir=out, model_path=model_path, metrics=metrics)


def confusion_matrix(true_labels: np.ndarray, predicted: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Counts of (true, predicted) pairs: int64 of shape (num_classes, num_classes), rows are true classes."""
    flat = true_labels.astype(np.int64) * num_classes + predicted.astype(np.int64)
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def _learning_rate(schedule: Schedule, rate: float, total_steps: int) -> float | keras.optimizers.schedules.LearningRateSchedule:
    if schedule is Schedule.WARMUP_COSINE:
        warmup_steps = max(1, total_steps // 10)
        return keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=rate / 10,
            decay_steps=max(1, total_steps - warmup_steps),
            warmup_target=rate,
            warmup_steps=warmup_steps,
        )
    return rate


def _fit_redrawn(
    model: keras.Model,
    images: np.ndarray,
    targets: np.ndarray,
    spec: RecipeSpec,
    seed: int,
    validation: tuple[np.ndarray, np.ndarray] | None,
    callbacks: list[keras.callbacks.Callback],
) -> dict[str, list[float]]:
    """Train one epoch at a time on digits redrawn afresh for each (toolkit.epochs); return Keras' history."""
    history: dict[str, list[float]] = {}
    # closing(): a failed epoch stops the drawing processes at once, not when the generator is collected.
    with contextlib.closing(redrawn_epochs(images, targets, spec.batch_size, seed, spec.epochs)) as epochs:
        for epoch, (drawn, drawn_targets) in enumerate(epochs):
            # In drawing order: each batch keeps its own non-digits, as draw_batch made it.
            logs = model.fit(
                to_model_input(drawn),
                drawn_targets,
                batch_size=images_per_batch(spec.batch_size),
                epochs=epoch + 1,
                initial_epoch=epoch,
                shuffle=False,
                validation_data=validation,
                verbose=0,
                callbacks=callbacks,
            ).history
            for key, values in logs.items():
                history.setdefault(key, []).extend(values)
    return history


class _ProgressCallback(keras.callbacks.Callback):
    def __init__(self, progress: TrainProgress, steps_per_epoch: int, total_steps: int, epochs: int) -> None:
        super().__init__()
        self._progress = progress
        self._steps_per_epoch = steps_per_epoch
        self._total_steps = total_steps
        self._epochs = epochs
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._progress.on_batch(self._epoch * self._steps_per_epoch + batch + 1, self._total_steps)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._progress.on_epoch(epoch + 1, self._epochs, {k: float(v) for k, v in (logs or {}).items()})
