"""The metadata every exported model carries, and the preprocessing contract it names.

Contract 1: the model reads a batch of 28×28 single-channel digits, white ink on a
black background like MNIST, as float values in [0, 1] (pixel / 255) or as uint8
0–255, and returns softmax probabilities over ``class_names``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.errors import RuntimeModelError

CONTRACT_VERSION = 1
SUPPORTED_CONTRACTS = frozenset({CONTRACT_VERSION})
METADATA_KEY = "cnnkit"
DEFAULT_CLASS_NAMES = tuple(str(digit) for digit in range(10))


@dataclass(frozen=True)
class ModelMetadata:
    """What cnnkit wrote about a model when it exported it."""

    contract: int
    class_names: tuple[str, ...]
    format: str
    quantization: str
    source_sha256: str | None
    keras_test_accuracy: float | None
    cnnkit_version: str | None
    raw: Mapping[str, Any]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> ModelMetadata:
        """Check the contract version and read the fields the runtime needs.

        Raises:
            RuntimeModelError: The contract is missing or not one this runtime knows.
        """
        contract = data.get("contract")
        if contract not in SUPPORTED_CONTRACTS:
            raise RuntimeModelError(
                f"{where} uses preprocessing contract {contract!r}; this cnnkit runtime knows "
                f"{sorted(SUPPORTED_CONTRACTS)}: upgrade cnnkit or re-export the model"
            )
        names = tuple(str(name) for name in data.get("class_names", DEFAULT_CLASS_NAMES))
        if len(names) != 10:
            raise RuntimeModelError(f"{where} names {len(names)} classes; the network has 10")
        accuracy = data.get("keras_test_accuracy")
        return cls(
            contract=contract,
            class_names=names,
            format=str(data.get("format", "")),
            quantization=str(data.get("quantization", "")),
            source_sha256=data.get("source_sha256"),
            keras_test_accuracy=float(accuracy) if accuracy is not None else None,
            cnnkit_version=data.get("cnnkit_version"),
            raw=dict(data),
        )


def sidecar_path(model_path: Path) -> Path:
    """``model.tflite`` → ``model.tflite.json``."""
    return model_path.with_name(model_path.name + ".json")


def parse_metadata_json(text: str | bytes, where: str) -> dict[str, Any]:
    """Parse the JSON text of a metadata record.

    Raises:
        RuntimeModelError: Not JSON, or not a JSON object.
    """
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RuntimeModelError(f"{where} holds unreadable cnnkit metadata ({exc})") from None
    if not isinstance(data, dict):
        raise RuntimeModelError(f"{where} holds cnnkit metadata that is not a JSON object")
    return data


def resolve_metadata(model_path: Path, embedded: Mapping[str, Any] | None) -> ModelMetadata:
    """The model's metadata: embedded in the file, else its JSON sidecar.

    Raises:
        RuntimeModelError: Neither exists, or the record names an unknown contract.
    """
    if embedded is not None:
        return ModelMetadata.from_dict(embedded, str(model_path))
    sidecar = sidecar_path(model_path)
    if sidecar.exists():
        return ModelMetadata.from_dict(parse_metadata_json(sidecar.read_bytes(), str(sidecar)), str(sidecar))
    raise RuntimeModelError(
        f"{model_path} carries no cnnkit metadata and has no {sidecar.name} beside it; export it with `cnnkit export`"
    )
