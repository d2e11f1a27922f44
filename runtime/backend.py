"""The backend protocol and the registry that picks a backend by file suffix.

A backend runs one model file. It takes a batch of digits as uint8 0–255 or
float32 in [0, 1], shape (N, 28, 28, 1), and returns float32 probabilities of
shape (N, 10). Quantization (scale, zero point) stays inside the backend.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from core.errors import ModelError


class Backend(Protocol):
    """One loaded model file, ready to run."""

    #: The cnnkit metadata embedded in the file, or None when the file carries none.
    embedded_metadata: Mapping[str, Any] | None

    def predict(self, images: np.ndarray) -> np.ndarray:
        """uint8 or float32 (N, 28, 28, 1) → float32 probabilities (N, 10)."""
        ...


class InterpreterMissing(ModelError):
    """The interpreter a backend needs is not installed (or cannot work here)."""


@dataclass(frozen=True)
class BackendEntry:
    """How to open files of one suffix with one interpreter.

    Attributes:
        name: What ``load_model(backend=...)`` and ``--backend`` call it.
        suffix: The file suffix it reads, with the dot.
        install_hint: What to install when its interpreter is missing.
        factory: ``module:function`` taking (path, num_threads) and returning a Backend;
            imported only when the backend is used, so interpreters load lazily.
        by_suffix: Whether a file of ``suffix`` may be opened with it unasked; False for
            backends used only by name.
    """

    name: str
    suffix: str
    install_hint: str
    factory: str
    by_suffix: bool = True

    def open(self, path: Path, num_threads: int | None) -> Backend:
        module_name, function_name = self.factory.split(":")
        opener: Callable[[Path, int | None], Backend] = getattr(importlib.import_module(module_name), function_name)
        return opener(path, num_threads)


# In order of preference for each suffix.
REGISTRY: tuple[BackendEntry, ...] = (
    BackendEntry("litert", ".tflite", "pip install 'cnnkit[runtime]' (ai-edge-litert)", "runtime.tflite_backend:open_litert"),
    BackendEntry(
        "tflite-runtime",
        ".tflite",
        "pip install 'cnnkit[tflite-runtime]' (needs numpy < 2)",
        "runtime.tflite_backend:open_tflite_runtime",
    ),
    BackendEntry("tf-lite", ".tflite", "pip install 'cnnkit[train]' (TensorFlow)", "runtime.tflite_backend:open_tf_lite"),
    BackendEntry("onnxruntime", ".onnx", "pip install 'cnnkit[runtime]' (onnxruntime)", "runtime.onnx_backend:open_onnxruntime"),
    # TFLite Micro's reference kernels: for proving a microcontroller build, never picked by suffix alone.
    BackendEntry(
        "tflm", ".tflite", "pip install 'cnnkit[tflm]' (tflite-micro)", "runtime.tflm_backend:open_tflm", by_suffix=False
    ),
)


def backend_names() -> list[str]:
    """Every backend name, in registry order."""
    return [entry.name for entry in REGISTRY]


def open_backend(path: Path, *, backend: str | None = None, num_threads: int | None = None) -> tuple[str, Backend]:
    """Open ``path`` with the named backend, or the first one for its suffix whose interpreter imports.

    Returns:
        The backend's name and the opened backend.

    Raises:
        ModelError: Unknown suffix or backend name, no interpreter installed,
            or the file cannot be loaded.
    """
    suffixes = sorted({entry.suffix for entry in REGISTRY})
    candidates = [entry for entry in REGISTRY if entry.suffix == path.suffix.lower() and entry.by_suffix]
    if not candidates:
        raise ModelError(f"{path}: cnnkit reads {' and '.join(suffixes)} models, not '{path.suffix}'")
    if backend is not None:
        named = [entry for entry in REGISTRY if entry.name == backend]
        if not named:
            raise ModelError(f"unknown backend {backend!r}; choose one of {', '.join(backend_names())}")
        if named[0].suffix != path.suffix.lower():
            raise ModelError(f"backend {backend!r} reads {named[0].suffix} files, not {path.name}")
        candidates = named
    missing = []
    for entry in candidates:
        try:
            return entry.name, entry.open(path, num_threads)
        except InterpreterMissing as exc:
            if backend is not None:
                raise
            missing.append(f"{entry.name}: {exc}")
    hint = candidates[0].install_hint
    raise ModelError(f"no interpreter for {path.name} ({'; '.join(missing)}); {hint}")
