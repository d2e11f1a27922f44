"""Download MNIST from public mirrors into a cache, checking every byte.

A file is fetched to a temporary name beside its destination, its decompressed
contents are checked against a SHA-256 sum, and only then is it renamed into
place. An interrupted or corrupted download therefore leaves nothing behind.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import urllib.error
import urllib.request
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.atomic import atomic_path
from core.errors import DownloadError


@dataclass(frozen=True)
class RemoteFile:
    """A gzip-compressed file on a mirror and the SHA-256 of its decompressed bytes."""

    name: str
    sha256: str

    @property
    def gz_name(self) -> str:
        return f"{self.name}.gz"


# SHA-256 of the decompressed originals (the published MD5 sums identify the same bytes).
MNIST_FILES: tuple[RemoteFile, ...] = (
    RemoteFile("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    RemoteFile("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    RemoteFile("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    RemoteFile("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
)

# Tried in this order; each holds the four files as `<base>/<name>.gz`.
MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist",
    "https://storage.googleapis.com/cvdf-datasets/mnist",
    "https://yann.lecun.com/exdb/mnist",
)

_CHUNK = 1 << 16


def sha256_hex(data: bytes) -> str:
    """Return the hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def gunzip_checked(raw: bytes, expected_sha256: str, what: str) -> bytes:
    """Decompress ``raw`` and check its SHA-256.

    Raises:
        DownloadError: ``raw`` is not gzip data or its contents do not match.
    """
    try:
        data = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DownloadError(f"{what} is not a complete gzip file ({exc})") from None
    actual = sha256_hex(data)
    if actual != expected_sha256:
        raise DownloadError(f"{what} has SHA-256 {actual[:12]}…, expected {expected_sha256[:12]}…")
    return data


def fetch_file(url: str, dest: Path, expected_sha256: str, *, timeout: float = 30.0) -> None:
    """Download ``url`` (gzip) to ``dest`` if its decompressed contents match.

    Args:
        url: Address of a ``.gz`` file.
        dest: Final path of the ``.gz`` file; written only when the check passes.
        expected_sha256: SHA-256 of the decompressed contents.
        timeout: Seconds to wait for the server at each step.

    Raises:
        DownloadError: The server failed, the connection dropped, or the contents
            do not match. ``dest`` is then untouched.
    """
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (https/http mirrors only)
            length = response.headers.get("Content-Length")
            chunks = []
            while chunk := response.read(_CHUNK):
                chunks.append(chunk)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"{url}: {reason}") from None
    raw = b"".join(chunks)
    if length is not None and len(raw) != int(length):
        raise DownloadError(f"{url}: connection closed after {len(raw)} of {length} bytes")
    gunzip_checked(raw, expected_sha256, url)
    with atomic_path(dest) as tmp:
        tmp.write_bytes(raw)


def download_files(
    cache_dir: Path,
    *,
    files: Sequence[RemoteFile] = MNIST_FILES,
    mirrors: Sequence[str] = MNIST_MIRRORS,
    timeout: float = 30.0,
) -> None:
    """Make sure every file of ``files`` is in ``cache_dir``, trying mirrors in turn.

    Files already present are not fetched again (the loader checks them).

    Raises:
        DownloadError: Some file could not be fetched from any mirror; the message
            names what was tried.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    for remote in files:
        dest = cache_dir / remote.gz_name
        if dest.exists():
            continue
        failures = []
        for base in mirrors:
            try:
                fetch_file(f"{base.rstrip('/')}/{remote.gz_name}", dest, remote.sha256, timeout=timeout)
                break
            except DownloadError as exc:
                failures.append(str(exc))
        else:
            tried = "; ".join(failures) if failures else "no mirrors configured"
            raise DownloadError(f"could not download {remote.gz_name} ({tried})")
