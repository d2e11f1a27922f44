"""Small builders shared by the tests: IDX bytes and synthetic datasets."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

SPLIT_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array in the IDX format (magic 0x0000 08 <ndim>, big-endian dims)."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def synthetic_arrays(n_train: int = 200, n_test: int = 50, seed: int = 0) -> dict[str, np.ndarray]:
    """Random 28×28 uint8 images with labels 0–9 (every class present)."""
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test) % 10).astype(np.uint8),
    }


def write_idx_folder(folder: Path, arrays: dict[str, np.ndarray], *, gz: bool = True) -> Path:
    """Write the four IDX files of ``arrays`` into ``folder``; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for key, name in SPLIT_FILES.items():
        data = idx_bytes(arrays[key])
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return folder


def learnable_arrays(n_train: int = 1000, n_test: int = 200, seed: int = 0) -> dict[str, np.ndarray]:
    """Digits a network learns in one epoch: class c is a bright 6×6 square at its own place, plus noise."""
    rng = np.random.default_rng(seed)

    def make(count: int) -> tuple[np.ndarray, np.ndarray]:
        labels = (np.arange(count) % 10).astype(np.uint8)
        images = rng.integers(0, 60, (count, 28, 28), dtype=np.uint8)
        for index, label in enumerate(labels):
            row, col = 3 + 12 * (label // 5), 1 + 5 * (label % 5)
            images[index, row : row + 6, col : col + 6] = rng.integers(200, 256, (6, 6), dtype=np.uint8)
        return images, labels

    x_train, y_train = make(n_train)
    x_test, y_test = make(n_test)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
