"""Write files so that an interrupted run never leaves a half-written one behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; rename it to ``final`` on success.

    The temporary file lives in the same folder, so the rename is atomic on POSIX
    and Windows. If the body raises (including ``KeyboardInterrupt``), the
    temporary file is removed and ``final`` is left as it was.

    Args:
        final: Where the finished file must end up.

    Yields:
        A path that does not exist yet, with the same suffix as ``final`` (some
        writers, such as Keras and matplotlib, pick the format from the suffix).
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{final.stem}.", suffix=f".part{final.suffix}", dir=final.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomic(final: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``final`` through a temporary file and a rename."""
    with atomic_path(final) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(final: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``final`` through a temporary file and a rename."""
    write_bytes_atomic(final, text.encode("utf-8"))
