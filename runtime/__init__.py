"""Inference without TensorFlow: numpy plus one interpreter, loaded lazily.

``load_model(path)`` picks a backend by suffix (``.tflite`` → LiteRT, tflite-runtime
or tf.lite; ``.onnx`` → onnxruntime) and returns a model whose ``predict`` takes
28×28 digits and returns probabilities. Importing this package imports numpy only.
"""

from core.contract import CONTRACT_VERSION, ModelMetadata
from core.errors import ModelError
from runtime.backend import backend_names
from runtime.errors import InputError
from runtime.model import DigitModel, as_model_batch, load_model

__all__ = [
    "CONTRACT_VERSION",
    "DigitModel",
    "InputError",
    "ModelMetadata",
    "ModelError",
    "as_model_batch",
    "backend_names",
    "load_model",
]
