"""A quick look at a ``.keras`` file before anything heavy is loaded (no TensorFlow here)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from core.errors import ModelError


def check_keras_file(path: Path) -> Path:
    """``path`` if it is an existing, whole ``.keras`` archive.

    Raises:
        ModelError: Missing, a folder, another suffix, or not a whole zip archive (Keras
            itself calls that "File not found").
    """
    if path.is_dir():
        raise ModelError(f"{path} is a folder; give the .keras file (e.g. {path / 'model.keras'})")
    if not path.is_file():
        raise ModelError(f"Keras model {path} does not exist; train one with `cnnkit train`")
    if path.suffix != ".keras":
        raise ModelError(f"{path} is not a .keras file")
    if not zipfile.is_zipfile(path):
        size = path.stat().st_size
        state = "empty" if size == 0 else f"{size:,} bytes, not a whole zip archive"
        raise ModelError(f"{path} is not a complete .keras file ({state}: truncated, or another format); train or copy it again")
    return path
