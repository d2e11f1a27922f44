"""The metadata record every exported model carries, inside the file and as a JSON sidecar."""

from __future__ import annotations

import json
from typing import Any

from export.config import Variant
from export.source import INPUT_NAME, OUTPUT_NAME, SourceModel
from runtime.metadata import CONTRACT_VERSION
from toolkit import __version__


def build_metadata(source: SourceModel, variant: Variant, tensors: dict[str, Any]) -> dict[str, Any]:
    """Everything a runtime needs to use the model, and where it came from.

    Args:
        source: The Keras model it was exported from.
        variant: Format and quantization.
        tensors: ``{"input": {...}, "output": {...}}`` with each tensor's name,
            shape, dtype and (for quantized tensors) scale and zero point.
    """
    return {
        "contract": CONTRACT_VERSION,
        "format": variant.format.value,
        "quantization": variant.quantization.value,
        "input": {"name": INPUT_NAME, **tensors["input"]},
        "output": {"name": OUTPUT_NAME, **tensors["output"]},
        "pixels": {
            "layout": "NHWC, 28x28x1, white ink on black like MNIST",
            "float": "pixel / 255, in [0, 1]",
            "uint8": "pixel as it is, 0-255",
        },
        "class_names": list(source.class_names),
        "source_sha256": source.sha256,
        "keras_test_accuracy": source.keras_test_accuracy,
        "cnnkit_version": __version__,
    }


def metadata_json(metadata: dict[str, Any]) -> str:
    """Compact, key-sorted JSON: the same record gives the same bytes."""
    return json.dumps(metadata, sort_keys=True, separators=(",", ":"))
