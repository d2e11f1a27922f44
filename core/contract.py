"""The model contract: what every cnnkit model reads and writes, and the record it carries.

Contract 1: the model reads a batch of 28×28 single-channel digits, white ink on a
black background like MNIST, as float values in [0, 1] (pixel / 255) or as uint8
0–255, and returns softmax probabilities over ``class_names``. The exporter writes
the record with :meth:`ModelMetadata.to_json`; the runtime reads it with
:meth:`ModelMetadata.from_dict`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import ModelError

IMAGE_SHAPE = (28, 28)
INPUT_SHAPE = (28, 28, 1)  # one example; a model reads (N, 28, 28, 1)
NUM_CLASSES = 10
PIXEL_SCALE = 1.0 / 255.0  # uint8 pixel → float input
INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"
CONTRACT_VERSION = 1
SUPPORTED_CONTRACTS = frozenset({CONTRACT_VERSION})
METADATA_KEY = "cnnkit"  # the TFLite metadata entry and ONNX metadata_props key
DEFAULT_CLASS_NAMES = tuple(str(digit) for digit in range(NUM_CLASSES))
PIXELS = {
    "layout": "NHWC, 28x28x1, white ink on black like MNIST",
    "float": "pixel / 255, in [0, 1]",
    "uint8": "pixel as it is, 0-255",
}


@dataclass(frozen=True)
class ModelMetadata:
    """What cnnkit records about an exported model, inside the file and in its sidecar.

    Attributes:
        contract: The preprocessing contract version.
        class_names: One name per output, in order.
        format: ``tflite`` or ``onnx``.
        quantization: ``none``, ``float16``, ``dynamic`` or ``int8``.
        input: The input tensor: name, shape, dtype, and scale/zero point when quantized.
        output: The output tensor, the same way.
        source_sha256: SHA-256 of the ``.keras`` it was exported from.
        keras_test_accuracy: That model's test accuracy, 0–1, if recorded.
        cnnkit_version: The cnnkit that exported it.
        learnt_non_digits: True when the model was trained to read non-digits (pieces of digits,
            two digits side by side) as every class alike, so it is surer of what it does not
            know; None when not recorded. The page reader trusts such a model's lower readings.
    """

    contract: int = CONTRACT_VERSION
    class_names: tuple[str, ...] = DEFAULT_CLASS_NAMES
    format: str = ""
    quantization: str = ""
    input: Mapping[str, Any] = field(default_factory=dict)
    output: Mapping[str, Any] = field(default_factory=dict)
    source_sha256: str | None = None
    keras_test_accuracy: float | None = None
    cnnkit_version: str | None = None
    learnt_non_digits: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record as written: JSON-ready."""
        return {
            "contract": self.contract,
            "format": self.format,
            "quantization": self.quantization,
            "input": {"name": INPUT_NAME, **self.input},
            "output": {"name": OUTPUT_NAME, **self.output},
            "pixels": PIXELS,
            "class_names": list(self.class_names),
            "source_sha256": self.source_sha256,
            "keras_test_accuracy": self.keras_test_accuracy,
            "cnnkit_version": self.cnnkit_version,
            "learnt_non_digits": self.learnt_non_digits,
        }

    def to_json(self) -> str:
        """Compact, key-sorted JSON: the same record gives the same bytes."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> ModelMetadata:
        """Check the contract version and read the fields a runtime needs.

        Raises:
            ModelError: The contract is missing or not one this cnnkit knows, or a field
                has the wrong type (class names not ten strings, accuracy not in [0, 1]...).
        """
        contract = data.get("contract")
        if isinstance(contract, bool) or not isinstance(contract, int) or contract not in SUPPORTED_CONTRACTS:
            raise ModelError(
                f"{where} uses preprocessing contract {contract!r}; this cnnkit runtime knows "
                f"{sorted(SUPPORTED_CONTRACTS)}: upgrade cnnkit or re-export the model"
            )
        raw_names = data.get("class_names", list(DEFAULT_CLASS_NAMES))
        if not isinstance(raw_names, list) or not all(isinstance(name, str) and name.strip() for name in raw_names):
            raise ModelError(f"{where}: class_names must be a list of non-empty strings, got {_short(raw_names)}")
        names = tuple(raw_names)
        if len(names) != NUM_CLASSES:
            raise ModelError(f"{where} names {len(names)} classes; the network has {NUM_CLASSES}")
        accuracy = data.get("keras_test_accuracy")
        if accuracy is not None and (
            isinstance(accuracy, bool) or not isinstance(accuracy, (int, float)) or not 0.0 <= accuracy <= 1.0
        ):
            raise ModelError(f"{where}: keras_test_accuracy must be a number in [0, 1] or null, got {_short(accuracy)}")
        for key in ("format", "quantization", "source_sha256", "cnnkit_version"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise ModelError(f"{where}: {key} must be a string, got {_short(data[key])}")
        non_digits = data.get("learnt_non_digits")
        if non_digits is not None and not isinstance(non_digits, bool):
            raise ModelError(f"{where}: learnt_non_digits must be true, false or null, got {_short(non_digits)}")
        for key in ("input", "output"):
            if data.get(key) is not None and not isinstance(data[key], dict):
                raise ModelError(f"{where}: {key} must be an object, got {_short(data[key])}")
        return cls(
            contract=contract,
            class_names=names,
            format=str(data.get("format", "")),
            quantization=str(data.get("quantization", "")),
            input=dict(data.get("input") or {}),
            output=dict(data.get("output") or {}),
            source_sha256=data.get("source_sha256"),
            keras_test_accuracy=float(accuracy) if accuracy is not None else None,
            cnnkit_version=data.get("cnnkit_version"),
            learnt_non_digits=non_digits,
        )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
