"""Keras → TFLite: float32, float16, dynamic-range or full-integer int8."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter
from tensorflow.lite.python import schema_py_generated as schema
from tensorflow.lite.tools import flatbuffer_utils

from core.contract import METADATA_KEY
from export.artifact import Artifact, TrainingDigits
from export.config import ExportConfig, ExportFormat, Quantization, Variant
from export.metadata import build_metadata
from export.source import SourceModel


def export(source: SourceModel, variant: Variant, digits: TrainingDigits, config: ExportConfig, model_file: str) -> Artifact:
    """The ``.tflite`` of ``variant``, its metadata embedded."""
    del config  # every TFLite choice is in the variant
    content = convert_tflite(source, variant.quantization, digits.calibration)
    metadata = build_metadata(source, Variant(ExportFormat.TFLITE, variant.quantization), tensor_facts(content))
    return Artifact(model_file, {model_file: embed_metadata(content, metadata.to_json())}, metadata)


def convert_tflite(source: SourceModel, quantization: Quantization, calibration: np.ndarray) -> bytes:
    """Convert ``source`` to a ``.tflite`` flatbuffer.

    Full-integer int8 runs every op in int8, takes uint8 pixels (scale 1/255, zero
    point 0, so a 0–255 digit goes in as it is) and returns int8 probabilities that
    the runtime dequantizes.

    Args:
        source: The trained model.
        quantization: Which variant.
        calibration: float32 (N, 28, 28, 1) training images; used for int8 only.

    Returns:
        The model's bytes, without cnnkit metadata (see :func:`embed_metadata`).
    """
    # Without the Keras model as trackable object the converter freezes the variables into
    # constants; with it, int8 calibration fails on unresolved READ_VARIABLE ops.
    converter = tf.lite.TFLiteConverter.from_concrete_functions([source.serving_function().get_concrete_function()])
    if quantization is not Quantization.NONE:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantization is Quantization.FLOAT16:
        converter.target_spec.supported_types = [tf.float16]
    elif quantization is Quantization.INT8:
        converter.representative_dataset = lambda: ([image[np.newaxis]] for image in calibration)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.uint8
        converter.inference_output_type = tf.int8
    with warnings.catch_warnings():
        # The uint8 input's range comes from the representative dataset; the converter warns regardless.
        warnings.filterwarnings("ignore", message="Statistics for quantized inputs were expected")
        return converter.convert()


def tensor_facts(content: bytes) -> dict[str, Any]:
    """Shape, dtype and quantization of the model's input and output tensors."""
    interpreter = Interpreter(model_content=content)

    def describe(detail: dict[str, Any]) -> dict[str, Any]:
        scale, zero_point = detail["quantization"]
        facts = {"shape": [int(d) for d in detail["shape_signature"]], "dtype": np.dtype(detail["dtype"]).name}
        if scale:
            facts.update(scale=float(scale), zero_point=int(zero_point))
        return facts

    return {
        "input": describe(interpreter.get_input_details()[0]),
        "output": describe(interpreter.get_output_details()[0]),
    }


def embed_metadata(content: bytes, metadata_json: str) -> bytes:
    """Add the cnnkit record as a named entry of the flatbuffer's metadata table."""
    model = flatbuffer_utils.read_model_from_bytearray(bytearray(content))
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(metadata_json.encode("utf-8"), dtype=np.uint8)
    model.buffers.append(buffer)
    entry = schema.MetadataT()
    entry.name = METADATA_KEY
    entry.buffer = len(model.buffers) - 1
    model.metadata = [*(model.metadata or []), entry]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))
