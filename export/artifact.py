"""What one format's export produces before it is written, and the protocol every format follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from core.contract import ModelMetadata

if TYPE_CHECKING:  # the source model module imports TensorFlow
    from export.config import ExportConfig, Variant
    from export.source import SourceModel


@dataclass(frozen=True)
class TrainingDigits:
    """Training images an export may use: int8 calibration, and the TFLM example's sample digit.

    Attributes:
        calibration: float32 (N, 28, 28, 1) in [0, 1], drawn evenly over the classes.
        sample: uint8 (28, 28), one training digit.
        sample_label: Its class index.
    """

    calibration: np.ndarray
    sample: np.ndarray
    sample_label: int


@dataclass(frozen=True)
class Artifact:
    """The files of one exported variant, by name, all for one folder.

    Attributes:
        model_file: The model's file name (its sidecar is ``<model_file>.json``).
        files: Every file to write, model included.
        metadata: The record embedded in the model and written to the sidecar.
        facts: Format-specific measurements to report (e.g. TFLM's arena), or None.
    """

    model_file: str
    files: dict[str, bytes]
    metadata: ModelMetadata
    facts: Any = None


class Exporter(Protocol):
    """One format: ``export(source, variant, digits, config, model_file) -> Artifact``."""

    def __call__(
        self, source: SourceModel, variant: Variant, digits: TrainingDigits, config: ExportConfig, model_file: str
    ) -> Artifact: ...
