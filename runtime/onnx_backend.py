"""The ONNX backend, through onnxruntime (imported only when a ``.onnx`` model is opened)."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np

from core.contract import INPUT_SHAPE, METADATA_KEY, NUM_CLASSES
from core.errors import ModelError
from runtime.backend import InterpreterMissing
from runtime.metadata import parse_metadata_json
from runtime.quantization import TensorQuantization

_FLOAT_INPUT = TensorQuantization(np.dtype(np.float32))


def open_onnxruntime(path: Path, num_threads: int | None) -> OnnxBackend:
    """Open ``path`` with onnxruntime's CPU provider."""
    try:
        ort = importlib.import_module("onnxruntime")
    except ImportError as exc:
        raise InterpreterMissing(f"onnxruntime is not importable ({exc})") from None
    return OnnxBackend(path, ort, num_threads)


class OnnxBackend:
    """Runs a ``.onnx`` model whose input is float32 (N, 28, 28, 1) in [0, 1]."""

    def __init__(self, path: Path, ort: object, num_threads: int | None) -> None:
        if not path.is_file():
            raise ModelError(f"{path} does not exist")
        options = ort.SessionOptions()
        # Explicit thread counts: the default probes the CPU topology, and one inter-op thread
        # is all a single-path network can use.
        options.intra_op_num_threads = num_threads or 0
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 (onnxruntime raises its own pybind classes, not a common base)
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"{path} is not a loadable ONNX model ({first_line[:200]})") from None
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ModelError(f"{path} has {len(inputs)} inputs and {len(outputs)} outputs; expected 1 and 1")
        shape = tuple(inputs[0].shape)
        if tuple(shape[1:]) != INPUT_SHAPE or inputs[0].type != "tensor(float)":
            raise ModelError(
                f"{path} reads {inputs[0].type} {shape}; cnnkit ONNX models read float (N, 28, 28, 1)"
            )
        output_shape = tuple(outputs[0].shape)
        if len(output_shape) != 2 or output_shape[1] != NUM_CLASSES:
            raise ModelError(f"{path} writes {output_shape}; cnnkit models write (N, {NUM_CLASSES})")
        self._input_name, self._output_name = inputs[0].name, outputs[0].name
        embedded = self._session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
        self.embedded_metadata = parse_metadata_json(embedded, str(path)) if embedded is not None else None

    def predict(self, images: np.ndarray) -> np.ndarray:
        """uint8 or float32 (N, 28, 28, 1) → float32 probabilities (N, 10)."""
        real = _FLOAT_INPUT.quantize_digits(images)
        return self._session.run([self._output_name], {self._input_name: real})[0]
