"""Find and read the metadata record of an exported model: embedded in the file, else its sidecar.

The record itself, and the contract it names, are defined in ``core.contract``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.contract import ModelMetadata
from core.errors import ModelError


def sidecar_path(model_path: Path) -> Path:
    """``model.tflite`` → ``model.tflite.json``."""
    return model_path.with_name(model_path.name + ".json")


def parse_metadata_json(text: str | bytes, where: str) -> dict[str, Any]:
    """Parse the JSON text of a metadata record.

    Raises:
        ModelError: Not JSON, or not a JSON object.
    """
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"{where} holds unreadable cnnkit metadata ({exc})") from None
    if not isinstance(data, dict):
        raise ModelError(f"{where} holds cnnkit metadata that is not a JSON object")
    return data


def resolve_metadata(model_path: Path, embedded: Mapping[str, Any] | None) -> ModelMetadata:
    """The model's metadata: embedded in the file, else its JSON sidecar.

    Raises:
        ModelError: Neither exists, or the record names an unknown contract.
    """
    sidecar = sidecar_path(model_path)
    if embedded is not None:
        metadata = ModelMetadata.from_dict(embedded, str(model_path))
        if sidecar.is_file():
            # The sidecar repeats the embedded record; one edited by hand must not be trusted silently.
            beside = ModelMetadata.from_dict(parse_metadata_json(sidecar.read_bytes(), str(sidecar)), str(sidecar))
            if beside.class_names != metadata.class_names:
                raise ModelError(
                    f"{sidecar} names classes {list(beside.class_names)}, but {model_path.name} itself says "
                    f"{list(metadata.class_names)}; delete or fix the sidecar (the model file's record is the one exported)"
                )
        return metadata
    if sidecar.exists():
        return ModelMetadata.from_dict(parse_metadata_json(sidecar.read_bytes(), str(sidecar)), str(sidecar))
    raise ModelError(
        f"{model_path} carries no cnnkit metadata and has no {sidecar.name} beside it; export it with `cnnkit export`"
    )
