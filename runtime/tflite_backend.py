"""The TFLite backend: one class, three interchangeable interpreters.

LiteRT (``ai_edge_litert``), the legacy ``tflite_runtime`` and TensorFlow's own
``tf.lite`` expose the same ``Interpreter`` API; they differ only in where the
class comes from, so each is one small opener function below.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.contract import INPUT_SHAPE, NUM_CLASSES
from core.errors import ModelError
from runtime.backend import InterpreterMissing
from runtime.quantization import TensorQuantization
from runtime.tflite_flatbuffer import read_tflite_file

# Larger batches are run in chunks: the first convolution's activations grow with the batch.
MAX_CHUNK = 256
MAX_SIZED = 8


def open_litert(path: Path, num_threads: int | None) -> TFLiteBackend:
    """Open with LiteRT, the maintained successor of tflite-runtime."""
    return TFLiteBackend(path, _interpreter_class("ai_edge_litert.interpreter", "Interpreter", "ai-edge-litert"), num_threads)


def open_tflite_runtime(path: Path, num_threads: int | None) -> TFLiteBackend:
    """Open with the legacy tflite-runtime; refuse early where it would crash on numpy 2."""
    try:
        version = importlib.metadata.version("tflite-runtime")
    except importlib.metadata.PackageNotFoundError:
        raise InterpreterMissing("tflite-runtime is not installed") from None
    if int(np.__version__.split(".")[0]) >= 2:
        raise InterpreterMissing(
            f"tflite-runtime {version} was built for numpy 1 and crashes with numpy {np.__version__}; "
            "use ai-edge-litert (pip install 'cnnkit[runtime]') or install numpy<2"
        )
    return TFLiteBackend(path, _interpreter_class("tflite_runtime.interpreter", "Interpreter", "tflite-runtime"), num_threads)


def open_tf_lite(path: Path, num_threads: int | None) -> TFLiteBackend:
    """Open with TensorFlow's bundled interpreter, when TensorFlow happens to be installed."""
    tensorflow = _import("tensorflow", "tensorflow")
    return TFLiteBackend(path, tensorflow.lite.Interpreter, num_threads)


def _import(module: str, package: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise InterpreterMissing(f"{package} is not importable ({exc})") from None


def _interpreter_class(module: str, attribute: str, package: str) -> Callable[..., Any]:
    return getattr(_import(module, package), attribute)


class TFLiteBackend:
    """Runs a ``.tflite`` model; quantizes inputs and dequantizes outputs as the model says."""

    def __init__(self, path: Path, interpreter_class: Callable[..., Any], num_threads: int | None) -> None:
        content, self.embedded_metadata = read_tflite_file(path)
        self._open = lambda: interpreter_class(model_content=content, num_threads=num_threads)
        try:
            self._interpreter = self._open()
            self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"{path} is not a loadable TFLite model ({first_line})") from None
        inputs, outputs = self._interpreter.get_input_details(), self._interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ModelError(f"{path} has {len(inputs)} inputs and {len(outputs)} outputs; expected 1 and 1")
        self._input, self._output = inputs[0], outputs[0]
        signature = tuple(int(d) for d in self._input.get("shape_signature", self._input["shape"]))
        if signature[1:] != INPUT_SHAPE or tuple(int(d) for d in self._output["shape"])[1:] != (NUM_CLASSES,):
            raise ModelError(
                f"{path} reads {signature} and writes {tuple(self._output['shape'])}; "
                "cnnkit models read (N, 28, 28, 1) and write (N, 10)"
            )
        self.delegation = _delegation(self._interpreter)
        self._resizable = signature[0] == -1
        # One interpreter per batch size seen (up to MAX_SIZED): a camera frame's digit count
        # changes from frame to frame, and resizing one interpreter reallocates every time.
        self._sized = {int(self._input["shape"][0]): self._interpreter}
        self._input_quantization = _quantization(self._input)
        self._output_quantization = _quantization(self._output)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """uint8 or float32 (N, 28, 28, 1) → float32 probabilities (N, 10)."""
        quantized = self._input_quantization.quantize_digits(images)
        count = len(quantized)
        chunk = min(count, MAX_CHUNK) if self._resizable else self._batch
        outputs = [self._run(quantized[start : start + chunk]) for start in range(0, count, chunk)]
        return self._output_quantization.dequantize(outputs[0] if len(outputs) == 1 else np.concatenate(outputs))

    def _run(self, batch: np.ndarray) -> np.ndarray:
        interpreter = self._sized.get(len(batch))
        if interpreter is None:
            if not self._resizable:
                (size,) = self._sized
                padded = np.zeros((size, *batch.shape[1:]), dtype=batch.dtype)
                padded[: len(batch)] = batch
                return self._run(padded)[: len(batch)]
            interpreter = self._interpreter_for(len(batch))
        interpreter.set_tensor(self._input["index"], batch)
        interpreter.invoke()
        return interpreter.get_tensor(self._output["index"])

    def _interpreter_for(self, size: int) -> Any:
        if len(self._sized) >= MAX_SIZED:
            interpreter = self._sized.pop(next(iter(self._sized)))  # reuse the oldest one
        else:
            interpreter = self._open()
        interpreter.resize_tensor_input(self._input["index"], [size, *INPUT_SHAPE])
        interpreter.allocate_tensors()
        self._sized[size] = interpreter
        return interpreter


@dataclass(frozen=True)
class Delegation:
    """How much of the graph the interpreter's delegate (XNNPACK, by default) runs.

    Attributes:
        ops: The model's ops.
        partitions: Delegated partitions (one is best: no hand-offs between kernels).
        fallback: The ops left to the interpreter's default kernels, in graph order.
    """

    ops: int
    partitions: int
    fallback: tuple[str, ...]

    @property
    def delegated(self) -> int:
        return self.ops - len(self.fallback)


def _delegation(interpreter: Any) -> Delegation | None:
    # A delegate node replaces the ops between its input and output tensors; walk back from its
    # outputs to its inputs to find them. Interpreters without the op listing give None.
    try:
        details = interpreter._get_ops_details()  # noqa: SLF001 (the one place LiteRT lists nodes)
    except (AttributeError, RuntimeError, ValueError):
        return None
    ops = [op for op in details if op["op_name"] != "DELEGATE"]
    delegated: set[int] = set()
    partitions = 0
    for node in (op for op in details if op["op_name"] == "DELEGATE"):
        partitions += 1
        boundary = {int(t) for t in node["inputs"]}
        needed = {int(t) for t in node["outputs"]}
        for op in reversed(ops):
            if needed & {int(t) for t in op["outputs"]}:
                delegated.add(op["index"])
                needed |= {int(t) for t in op["inputs"]} - boundary
    fallback = tuple(op["op_name"] for op in ops if op["index"] not in delegated)
    return Delegation(ops=len(ops), partitions=partitions, fallback=fallback)


def _quantization(detail: dict[str, Any]) -> TensorQuantization:
    scale, zero_point = detail["quantization"]
    return TensorQuantization(np.dtype(detail["dtype"]), float(scale), int(zero_point))
