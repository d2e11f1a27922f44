"""`cnnkit export`'s library function: write every requested variant with its metadata."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from export import export_onnx, export_tflite
from export import export_tflm
from export.calibration import calibration_images
from export.config import ExportConfig, ExportFormat, Variant
from export.metadata import build_metadata, metadata_json
from export.source import load_source_model
from runtime.metadata import sidecar_path
from runtime.tflm_backend import tflm_runtime
from toolkit.atomic import write_bytes_atomic, write_text_atomic
from toolkit.data import Dataset


@dataclass(frozen=True)
class ExportedModel:
    """One model written by an export (for ``tflm``, the ``.tflite`` inside its project folder)."""

    path: Path
    variant: Variant
    size_bytes: int
    tflm: export_tflm.TflmProject | None = None


def export_model(config: ExportConfig, dataset: Dataset) -> list[ExportedModel]:
    """Export ``config.model_path`` to every variant of ``config``.

    Each model is written atomically with its metadata embedded (TFLite metadata
    table, ONNX ``metadata_props``) and repeated in a ``<file>.json`` sidecar.

    Args:
        config: What to export and where.
        dataset: Training images for int8 calibration (the test split is never used).

    Returns:
        The files written, in the order of ``config.variants``.

    Raises:
        ModelError: The ``.keras`` file is missing, corrupt or not the digit network.
    """
    if any(variant.format is ExportFormat.TFLM for variant in config.variants):
        tflm_runtime()  # the arena is measured with TFLite Micro: refuse before converting
    source = load_source_model(config.model_path)
    calibration = calibration_images(
        dataset.x_train, dataset.y_train, config.calibration_samples, seed=config.seed
    )
    written = []
    for variant in config.variants:
        path = _destination(config, variant)
        tflm = None
        if variant.format is ExportFormat.ONNX:
            model = export_onnx.convert_onnx(
                source,
                variant.quantization,
                calibration,
                per_channel=config.per_channel,
                method=config.calibration_method,
            )
            metadata = build_metadata(source, variant, export_onnx.tensor_facts(model))
            data = export_onnx.embed_metadata(model, metadata_json(metadata))
        else:
            content = export_tflite.convert_tflite(source, variant.quantization, calibration)
            tflite_variant = Variant(ExportFormat.TFLITE, variant.quantization)
            metadata = build_metadata(source, tflite_variant, export_tflite.tensor_facts(content))
            data = export_tflite.embed_metadata(content, metadata_json(metadata))
        if variant.format is ExportFormat.TFLM:
            tflm = export_tflm.tflm_project(
                data,
                metadata,
                c_name=config.c_name,
                sample_digit=dataset.x_train[0],
                sample_label=source.class_names[int(dataset.y_train[0])],
            )
            for name, content in tflm.files.items():
                write_bytes_atomic(path.parent / name, content)
        else:
            write_bytes_atomic(path, data)
        write_text_atomic(sidecar_path(path), metadata_json(metadata) + "\n")
        written.append(ExportedModel(path=path, variant=variant, size_bytes=len(data), tflm=tflm))
    return written


def _destination(config: ExportConfig, variant: Variant) -> Path:
    if variant.format is ExportFormat.TFLM:
        return config.out / f"{config.c_name}.tflite"
    if config.out.suffix == f".{variant.format.value}":
        return config.out
    return config.out / variant.file_name(config.model_path.stem)
