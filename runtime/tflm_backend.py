"""The TFLite Micro backend: a ``.tflite`` through the interpreter a microcontroller runs.

It uses the ``tflite-micro`` package's Python interpreter with TFLM's reference
kernels (the ones a board runs without optimised kernels), one digit per invoke, as
on a board. It is slow on a PC; its use is to prove that the model reads as well
under TFLM. It is chosen only by name (``load_model(path, backend="tflm")``).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np

from core.contract import INPUT_SHAPE, NUM_CLASSES
from core.errors import ModelError
from runtime.backend import InterpreterMissing
from runtime.native_output import native_stderr_silenced
from runtime.quantization import TensorQuantization
from runtime.tflite_flatbuffer import read_tflite_file

# TFLM aligns tensor buffers to 16 bytes; an arena that does not start aligned loses up to that much.
ARENA_ALIGNMENT = 16


def open_tflm(path: Path, num_threads: int | None) -> TFLMBackend:
    """Open with TFLite Micro (``num_threads`` is ignored: TFLM runs on one core)."""
    del num_threads
    return TFLMBackend(path)


def tflm_runtime() -> Any:
    """The tflite-micro package's runtime module.

    Raises:
        InterpreterMissing: tflite-micro is not installed.
    """
    try:
        return importlib.import_module("tflite_micro.python.tflite_micro.runtime")
    except ImportError as exc:
        raise InterpreterMissing(f"tflite-micro is not importable ({exc})") from None


def measure_arena(content: bytes) -> int:
    """The smallest tensor arena, in bytes, in which TFLM allocates and runs the model.

    Found by bisection on the real allocator (to 16 bytes), then checked by one invoke.
    Measured on this 64-bit host: a 32-bit microcontroller's bookkeeping structures are
    smaller, so this is an upper bound for the reference kernels there.

    Raises:
        InterpreterMissing: tflite-micro is not installed.
        ModelError: TFLM cannot run the model even with a generous arena.
    """
    runtime = tflm_runtime()
    zero_input = None

    def runs(size: int) -> bool:
        nonlocal zero_input
        try:
            with native_stderr_silenced():
                interpreter = runtime.Interpreter.from_bytes(content, arena_size=size)
                if zero_input is None:
                    detail = interpreter.get_input_details(0)
                    zero_input = np.zeros(detail["shape"], detail["dtype"])
                interpreter.set_input(zero_input, 0)
                interpreter.invoke()
        except (RuntimeError, ValueError):
            return False
        return True

    high = max(64 * 1024, 4 * len(content))
    if not runs(high):
        raise ModelError(f"TFLite Micro cannot run this model even with a {high:,}-byte arena")
    low = 0  # an arena of `low` bytes is known to fail (or is nothing)
    while high - low > ARENA_ALIGNMENT:
        middle = (low + high) // 2 // ARENA_ALIGNMENT * ARENA_ALIGNMENT
        if middle <= low:
            break
        if runs(middle):
            high = middle
        else:
            low = middle
    return high


class TFLMBackend:
    """Runs a ``.tflite`` model with TFLite Micro, one digit per invoke.

    Attributes:
        embedded_metadata: The cnnkit record in the file, or None.
        arena_bytes: The smallest arena that runs the model (see :func:`measure_arena`).
    """

    def __init__(self, path: Path) -> None:
        runtime = tflm_runtime()
        content, self.embedded_metadata = read_tflite_file(path)
        self.arena_bytes = measure_arena(content)
        with native_stderr_silenced():
            self._interpreter = runtime.Interpreter.from_bytes(content, arena_size=self.arena_bytes)
        input_detail, output_detail = self._interpreter.get_input_details(0), self._interpreter.get_output_details(0)
        if tuple(input_detail["shape"]) != (1, *INPUT_SHAPE) or tuple(output_detail["shape"]) != (1, NUM_CLASSES):
            raise ModelError(
                f"{path} reads {tuple(input_detail['shape'])} and writes {tuple(output_detail['shape'])} under TFLM; "
                "cnnkit models read (1, 28, 28, 1) and write (1, 10) there"
            )
        self._input = _quantization(input_detail)
        self._output = _quantization(output_detail)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """uint8 or float32 (N, 28, 28, 1) → float32 probabilities (N, 10), one invoke per digit."""
        quantized = self._input.quantize_digits(images)
        raw = np.empty((len(quantized), NUM_CLASSES), dtype=self._output.dtype)
        for index in range(len(quantized)):
            self._interpreter.set_input(quantized[index : index + 1], 0)
            self._interpreter.invoke()
            raw[index] = self._interpreter.get_output(0)[0]
        return self._output.dequantize(raw)


def _quantization(detail: dict[str, Any]) -> TensorQuantization:
    parameters = detail["quantization_parameters"]
    scales, zero_points = parameters["scales"], parameters["zero_points"]
    if len(scales) == 0:
        return TensorQuantization(np.dtype(detail["dtype"]))
    return TensorQuantization(np.dtype(detail["dtype"]), float(scales[0]), int(zero_points[0]))
