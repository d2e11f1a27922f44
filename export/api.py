"""`cnnkit export`'s library function: write every requested variant with its metadata."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.atomic import write_bytes_atomic, write_text_atomic
from core.errors import ConfigError
from export.artifact import Exporter, TrainingDigits
from export.calibration import calibration_images
from export.config import ExportConfig, ExportFormat, Variant
from export.source import load_source_model
from runtime.metadata import sidecar_path
from runtime.tflm_backend import tflm_runtime

# Each format's module offers one `export` function (see export.artifact.Exporter); a module is
# imported only when its format is asked for, so a TFLite export never imports tf2onnx.
EXPORTERS: dict[ExportFormat, str] = {
    ExportFormat.TFLITE: "export.export_tflite",
    ExportFormat.ONNX: "export.export_onnx",
    ExportFormat.TFLM: "export.export_tflm",
}


@dataclass(frozen=True)
class ExportedModel:
    """One model written by an export (for ``tflm``, the ``.tflite`` inside its project folder).

    Attributes:
        path: The model file.
        variant: Its format and quantization.
        size_bytes: The model file's size.
        facts: What the format measured (TFLM: a ``TflmProject``), or None.
    """

    path: Path
    variant: Variant
    size_bytes: int
    facts: Any = None


def exporter(fmt: ExportFormat) -> Exporter:
    """The ``export`` function of ``fmt``'s module, imported now."""
    return importlib.import_module(EXPORTERS[fmt]).export


def export_model(config: ExportConfig, train_images: np.ndarray, train_labels: np.ndarray) -> list[ExportedModel]:
    """Export ``config.model_path`` to every variant of ``config``.

    Each model is written atomically with its metadata embedded (TFLite metadata
    table, ONNX ``metadata_props``) and repeated in a ``<file>.json`` sidecar.

    Args:
        config: What to export and where.
        train_images: uint8 (N, 28, 28) training images: int8 calibration draws from them
            (never use test images here).
        train_labels: uint8 (N,) their labels.

    Returns:
        The models written, in the order of ``config.variants``.

    Raises:
        ModelError: The ``.keras`` file is missing, corrupt or not the digit network.
        InterpreterMissing: ``tflm`` asked for without tflite-micro installed (said before converting).
    """
    if any(variant.format is ExportFormat.TFLM for variant in config.variants):
        tflm_runtime()
    if config.calibration_samples > len(train_images):
        raise ConfigError(
            f"--calibration-samples {config.calibration_samples:,} is more than the {len(train_images):,} training images"
        )
    source = load_source_model(config.model_path)
    digits = TrainingDigits(
        calibration=calibration_images(train_images, train_labels, config.calibration_samples, seed=config.seed),
        sample=train_images[0],
        sample_label=int(train_labels[0]),
    )
    written = []
    for variant in config.variants:
        path = _destination(config, variant)
        artifact = exporter(variant.format)(source, variant, digits, config, path.name)
        for name, content in artifact.files.items():
            write_bytes_atomic(path.parent / name, content)
        write_text_atomic(sidecar_path(path), artifact.metadata.to_json() + "\n")
        size = len(artifact.files[artifact.model_file])
        written.append(ExportedModel(path=path, variant=variant, size_bytes=size, facts=artifact.facts))
    return written


def _destination(config: ExportConfig, variant: Variant) -> Path:
    if variant.format is ExportFormat.TFLM:
        return config.out / f"{config.c_name}.tflite"
    if config.out.suffix == f".{variant.format.value}":
        return config.out
    return config.out / variant.file_name(config.model_path.stem)
