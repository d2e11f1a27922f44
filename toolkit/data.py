"""Load MNIST, or any dataset in its format, as uint8 arrays.

Where the data comes from, in order: an explicit path (the CLI's ``--data``), the
``CNNKIT_DATA`` environment variable, the per-user cache, else a download from
public mirrors into that cache. The cache holds only files whose decompressed
contents match the canonical MNIST SHA-256 sums, checked on download and on
every load.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import math
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.contract import DEFAULT_CLASS_NAMES, IMAGE_SHAPE, NUM_CLASSES, PIXEL_SCALE
from core.errors import DataError, DownloadError
from toolkit.download import MNIST_FILES, MNIST_MIRRORS, RemoteFile, download_files, gunzip_checked, sha256_hex

DATA_ENV = "CNNKIT_DATA"
CACHE_ENV = "CNNKIT_CACHE"

_SPLITS = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
_MNIST_SHA256 = {remote.name: remote.sha256 for remote in MNIST_FILES}
_IDX_UBYTE = 0x08
# What `read_dataset` computes as `Dataset.sha256` for canonical MNIST, to recognize it in an .npz.
MNIST_DATASET_SHA256 = "25c98f992c005963b7428e1f38418b233c9b286cc403519287eb8063f0bcfe07"


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split of 28×28 grayscale images with labels 0–9.

    Attributes:
        x_train: uint8, shape (N, 28, 28), values 0–255 (white ink on black).
        y_train: uint8, shape (N,), values 0–9.
        x_test: uint8, shape (M, 28, 28), values 0–255.
        y_test: uint8, shape (M,), values 0–9.
        class_names: Ten names, from ``labels.txt`` beside the data or "0".."9".
        sha256: SHA-256 over the four arrays (shape and bytes), whatever the format.
        source: The file or folder the arrays were read from.
        is_mnist: True when the contents are byte-identical to canonical MNIST.
        notes: What loading had to do that a user should hear of (a corrupt cached file replaced).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    sha256: str
    source: Path
    is_mnist: bool
    notes: tuple[str, ...] = ()


def load_mnist(
    data: str | os.PathLike[str] | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST (or a dataset in its format) as in ``keras.datasets.mnist``.

    Args:
        data: A folder with the four IDX files (``train-images-idx3-ubyte[.gz]``,
            ``train-labels-idx1-ubyte[.gz]``, ``t10k-images-idx3-ubyte[.gz]``,
            ``t10k-labels-idx1-ubyte[.gz]``) or a Keras-style ``mnist.npz``. When
            None: ``$CNNKIT_DATA``, then the per-user cache, then a download.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_*`` uint8 of shape
        (N, 28, 28) with values 0–255, ``y_*`` uint8 of shape (N,) with values
        0–9. For MNIST N is 60,000 for train and 10,000 for test.

    Raises:
        DataError: Nothing could be found or downloaded, or the files are malformed.
    """
    dataset = load_dataset(data)
    return (dataset.x_train, dataset.y_train), (dataset.x_test, dataset.y_test)


def load_dataset(
    data: str | os.PathLike[str] | None = None,
    *,
    cache_dir: Path | None = None,
    mirrors: Sequence[str] = MNIST_MIRRORS,
    files: Sequence[RemoteFile] = MNIST_FILES,
) -> Dataset:
    """Find, check and load a dataset; see :func:`load_mnist` for the search order.

    Args:
        data: Explicit folder or ``.npz`` file; overrides everything else.
        cache_dir: The per-user cache (default: :func:`default_cache_dir`).
        mirrors: Base addresses tried in turn when the cache is incomplete.
        files: The files a download fetches and the sums the cache must match.

    Raises:
        DataError: As for :func:`load_mnist`.
    """
    if data is None and os.environ.get(DATA_ENV):
        data = os.environ[DATA_ENV]
    if data is not None:
        return read_dataset(Path(data).expanduser())

    cache = cache_dir or default_cache_dir()
    expected = {remote.name: remote.sha256 for remote in files}
    _fill_cache(cache, files, mirrors, removed=[])
    try:
        return read_dataset(cache, expected_sha256=expected)
    except DataError:
        # Only now look for the culprit: remove the files that fail their check (keeping the good
        # ones) and fetch those again; when none fails alone, the error stands.
        removed = _remove_bad_cached_files(cache, files)
        if not removed:
            raise
    _fill_cache(cache, files, mirrors, removed)
    notes = tuple(f"removed {cache / name} from the cache ({why}); downloaded it again" for name, why in removed)
    return dataclasses.replace(read_dataset(cache, expected_sha256=expected), notes=notes)


def _fill_cache(cache: Path, files: Sequence[RemoteFile], mirrors: Sequence[str], removed: list[tuple[str, str]]) -> None:
    """Download what the cache lacks; a failure names what was removed from it before.

    Raises:
        DataError: Offline (or no mirror delivered), or the cache folder cannot be made.
    """
    created = not cache.exists()
    try:
        download_files(cache, files=files, mirrors=mirrors)
    except DownloadError as exc:
        if created and cache.is_dir() and not any(cache.iterdir()):
            cache.rmdir()  # an offline first run leaves no empty cache folder behind
        removal = "".join(f" (removed the corrupt {name}: {why})" for name, why in removed)
        raise DataError(
            f"offline? Point --data or ${DATA_ENV} at a folder holding the four MNIST IDX files; "
            f"none given and the cache {cache} is incomplete{removal}: {exc}"
        ) from None
    except OSError as exc:
        raise DataError(f"cannot use the cache folder {cache} ({exc.strerror or exc}); set ${CACHE_ENV} or pass --data") from None


def _remove_bad_cached_files(cache: Path, files: Sequence[RemoteFile]) -> list[tuple[str, str]]:
    """Remove each cached file that is not whole or fails its checksum; keep the good ones.

    Returns:
        (file name, what was wrong) of every file removed.

    Raises:
        DataError: A bad file cannot be removed (a read-only cache).
    """
    removed = []
    for remote in files:
        path = cache / remote.gz_name
        if not path.is_file():
            continue
        try:
            gunzip_checked(path.read_bytes(), remote.sha256, remote.gz_name)
        except DownloadError as exc:
            why = str(exc).removeprefix(f"{remote.gz_name} ")
            try:
                path.unlink()
            except OSError as error:
                raise DataError(
                    f"the cached {path} is corrupt ({why}) and cannot be removed ({error.strerror}); "
                    f"delete it, or set ${CACHE_ENV} to a writable folder"
                ) from None
            removed.append((remote.gz_name, why))
        except OSError as exc:
            raise DataError(f"cannot read the cached {path} ({exc.strerror or exc})") from None
    return removed


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) in 0–255 → float32 (N, 28, 28, 1) in [0, 1], the network's input."""
    return (images.astype(np.float32) * np.float32(PIXEL_SCALE))[..., np.newaxis]


def default_cache_dir() -> Path:
    """Return ``$CNNKIT_CACHE/mnist``, else ``$XDG_CACHE_HOME/cnnkit/mnist``, else ``~/.cache/cnnkit/mnist``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser() / "mnist"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cnnkit" / "mnist"


def read_dataset(path: Path, *, expected_sha256: dict[str, str] | None = None) -> Dataset:
    """Read a folder of IDX files or an ``.npz`` file.

    Args:
        path: The folder or ``.npz`` file.
        expected_sha256: Per IDX file name, the SHA-256 its decompressed contents
            must have; a mismatch is an error. None checks structure only.

    Raises:
        DataError: The path is missing, a file is malformed, or a sum does not match.
    """
    if not path.exists():
        raise DataError(f"dataset path {path} does not exist")
    if path.is_dir():
        arrays, file_sums = _read_idx_folder(path, expected_sha256 or {})
        is_mnist = file_sums == _MNIST_SHA256
        names_file = path / "labels.txt"
    elif path.suffix == ".npz":
        arrays = _read_npz(path)
        is_mnist = False
        names_file = path.with_name("labels.txt")
    else:
        raise DataError(f"dataset path {path} is neither a folder of IDX files nor an .npz file")
    _check_split_shapes(arrays, path)
    digest = hashlib.sha256()
    for key in _SPLITS:
        digest.update(repr(arrays[key].shape).encode())
        digest.update(np.ascontiguousarray(arrays[key]).tobytes())
    if not is_mnist and path.suffix == ".npz":
        is_mnist = digest.hexdigest() == MNIST_DATASET_SHA256
    return Dataset(
        **arrays,
        class_names=read_class_names(names_file),
        sha256=digest.hexdigest(),
        source=path,
        is_mnist=is_mnist,
    )


def read_class_names(path: Path) -> tuple[str, ...]:
    """Read ten class names, one a line, from ``path``; "0".."9" when it does not exist.

    Raises:
        DataError: The file does not hold exactly ten non-empty names.
    """
    if not path.exists():
        return DEFAULT_CLASS_NAMES
    if path.is_dir():
        raise DataError(f"{path} is a folder; it must be a text file of {NUM_CLASSES} class names, one a line")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise DataError(f"cannot read {path} ({exc.strerror or exc})") from None
    names = tuple(line.strip() for line in text.splitlines() if line.strip())
    if len(names) != NUM_CLASSES:
        raise DataError(f"{path} must hold {NUM_CLASSES} class names, one a line; it holds {len(names)}")
    return names


def parse_idx(data: bytes, what: str) -> np.ndarray:
    """Parse the bytes of an unsigned-byte IDX file (the MNIST format).

    Args:
        data: The whole decompressed file.
        what: A name for error messages.

    Returns:
        A uint8 array with the dimensions the header gives.

    Raises:
        DataError: Bad magic number, an element type other than unsigned byte, or
            a body whose length does not match the header.
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DataError(f"{what} is not an IDX file (bad magic number)")
    if data[2] != _IDX_UBYTE:
        raise DataError(f"{what} holds IDX element type 0x{data[2]:02x}; only unsigned bytes (0x08) are supported")
    ndim = data[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(data) < header:
        raise DataError(f"{what} has a truncated IDX header")
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = math.prod(dims)  # exact: a forged header must not overflow into a "matching" size
    if len(data) - header != expected:
        raise DataError(
            f"{what} is truncated or padded: header says {'×'.join(map(str, dims))} "
            f"= {expected} bytes, body has {len(data) - header}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def _read_idx_folder(folder: Path, expected_sha256: dict[str, str]) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    arrays, sums = {}, {}
    for key, name in _SPLITS.items():
        raw = _read_maybe_gz(folder, name)
        sums[name] = sha256_hex(raw)
        if name in expected_sha256 and sums[name] != expected_sha256[name]:
            raise DataError(
                f"{folder / name} does not match its checksum "
                f"(SHA-256 {sums[name][:12]}…, expected {expected_sha256[name][:12]}…)"
            )
        arrays[key] = parse_idx(raw, str(folder / name))
    return arrays, sums


def _read_maybe_gz(folder: Path, name: str) -> bytes:
    plain, packed = folder / name, folder / f"{name}.gz"
    if plain.exists():
        return plain.read_bytes()
    if packed.exists():
        try:
            return gzip.decompress(packed.read_bytes())
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"{packed} is not a complete gzip file ({exc})") from None
    raise DataError(f"{folder} has no {name} (nor {name}.gz)")


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [key for key in _SPLITS if key not in npz.files]
            if missing:
                raise DataError(f"{path} lacks the arrays {', '.join(missing)}")
            return {key: np.asarray(npz[key]) for key in _SPLITS}
    except (OSError, ValueError, EOFError, zlib.error) as exc:
        # An empty file raises EOFError, which the CLI framework would take for Ctrl-D ("Aborted.").
        raise DataError(f"{path} is not a readable .npz file ({exc or type(exc).__name__})") from None


def _check_split_shapes(arrays: dict[str, np.ndarray], source: Path) -> None:
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if images.dtype != np.uint8 or labels.dtype != np.uint8:
            raise DataError(f"{source}: {split} images and labels must be uint8")
        if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
            raise DataError(f"{source}: {split} images have shape {images.shape}; the network reads (N, 28, 28)")
        if labels.ndim != 1 or len(labels) != len(images):
            raise DataError(f"{source}: {len(images)} {split} images but {labels.shape} labels")
        if len(labels) == 0:
            raise DataError(f"{source}: the {split} split is empty")
        if labels.max() >= NUM_CLASSES:
            raise DataError(f"{source}: {split} labels go up to {labels.max()}; cnnkit reads {NUM_CLASSES} classes")


