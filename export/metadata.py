"""The metadata record of an exported model, built from the source model and the variant."""

from __future__ import annotations

from typing import Any

from core import __version__
from core.contract import ModelMetadata
from export.config import Variant
from export.source import SourceModel


def build_metadata(source: SourceModel, variant: Variant, tensors: dict[str, Any]) -> ModelMetadata:
    """Everything a runtime needs to use the model, and where it came from.

    Args:
        source: The Keras model it was exported from.
        variant: Format and quantization.
        tensors: ``{"input": {...}, "output": {...}}`` with each tensor's shape, dtype
            and (for quantized tensors) scale and zero point.
    """
    return ModelMetadata(
        format=variant.format.value,
        quantization=variant.quantization.value,
        input=tensors["input"],
        output=tensors["output"],
        class_names=source.class_names,
        source_sha256=source.sha256,
        keras_test_accuracy=source.keras_test_accuracy,
        cnnkit_version=__version__,
        learnt_non_digits=source.learnt_non_digits,
    )
