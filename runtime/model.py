"""Load an exported model and classify batches of 28×28 digits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.contract import INPUT_SHAPE, ModelMetadata
from core.errors import ModelError
from runtime.backend import Backend, open_backend
from runtime.errors import InputError
from runtime.metadata import resolve_metadata


@dataclass(frozen=True, eq=False)
class DigitModel:
    """An exported model behind one backend, with the metadata it was exported with.

    Attributes:
        path: The model file.
        backend_name: Which registered backend runs it (e.g. ``"litert"``).
        metadata: What the exporter recorded (class names, contract, quantization…).
    """

    path: Path
    backend_name: str
    metadata: ModelMetadata
    backend: Backend

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.metadata.class_names

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Classify digits.

        Args:
            images: One digit (28, 28) or a batch (N, 28, 28) or (N, 28, 28, 1): uint8
                0–255, or float in [0, 1]; white ink on black, as in MNIST.

        Returns:
            float32 probabilities of shape (N, 10) (N = 1 for a single digit).

        Raises:
            InputError: The array has another shape, dtype, or values out of range.
        """
        return self.backend.predict(as_model_batch(images))


def load_model(path: str | Path, *, backend: str | None = None, num_threads: int | None = None) -> DigitModel:
    """Load a ``.tflite`` or ``.onnx`` model exported by cnnkit.

    Args:
        path: The model file; its suffix picks the backend from the registry.
        backend: Force a backend by name (see :func:`runtime.backend.backend_names`).
        num_threads: Interpreter threads; None lets the interpreter decide.

    Raises:
        ModelError: Missing or corrupt file, no interpreter installed, or a
            model whose preprocessing contract this runtime does not know.
    """
    path = Path(path)
    if path.is_dir():
        raise ModelError(f"{path} is a folder, not a model file")
    if not path.is_file():
        raise ModelError(f"model file {path} does not exist")
    if num_threads is not None and num_threads < 1:
        raise ModelError(f"thread count must be at least 1, got {num_threads}")
    name, opened = open_backend(path, backend=backend, num_threads=num_threads)
    metadata = resolve_metadata(path, opened.embedded_metadata)
    return DigitModel(path=path, backend_name=name, metadata=metadata, backend=opened)


def as_model_batch(images: np.ndarray) -> np.ndarray:
    """Check digits and shape them as every backend reads them.

    Returns:
        A C-contiguous (N, 28, 28, 1) array: uint8 kept as it is, any float cast to float32.

    Raises:
        InputError: Not an array of 28×28 digits, an unsupported dtype, or float
            values outside [0, 1] (NaN included).
    """
    array = np.asarray(images)
    if array.ndim == 2:
        array = array[np.newaxis]
    if array.ndim == 3:
        array = array[..., np.newaxis]
    if array.ndim != 4 or array.shape[1:] != INPUT_SHAPE:
        raise InputError(f"digits must have shape (28, 28), (N, 28, 28) or (N, 28, 28, 1), got {np.shape(images)}")
    if array.shape[0] == 0:
        raise InputError("no digits given (the batch is empty)")
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array)
    if not np.issubdtype(array.dtype, np.floating):
        raise InputError(f"digits must be uint8 (0-255) or float (0-1), got {array.dtype}")
    array = np.ascontiguousarray(array, dtype=np.float32)
    low, high = float(array.min()), float(array.max())
    if not (0.0 <= low and high <= 1.0):  # also false for NaN
        raise InputError(f"float digits must lie in [0, 1], got values from {low} to {high}")
    return array
