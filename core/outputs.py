"""Where a command may write: checked before the long work, never over an input or a stranger's file.

Every output option (``--json``, ``--jsonl``, ``--out``) goes through :func:`check_output`
before the command trains, converts or reads anything, so a slip costs one line, not a
model.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from core.errors import ConfigError


def check_output(
    path: Path,
    *,
    option: str,
    inputs: Iterable[Path] = (),
    is_ours: Callable[[Path], bool] | None = None,
    kind: str = "file",
    force: bool = False,
    folder: bool = False,
) -> None:
    """Refuse an output path the command must not write.

    Args:
        path: Where the command will write.
        option: The option's name, for the message (``--json``).
        inputs: The files (and folders) the command reads; the output may be none of them,
            links resolved. ``--force`` does not lift this.
        is_ours: Says whether an existing file is this command's own output (which may be
            replaced); None: any existing file may be replaced.
        kind: What the command writes there, for the message ("verify report").
        force: Replace an existing file that is not the command's own output.
        folder: The output is a folder (``--out`` of train), not a file.

    Raises:
        ConfigError: The path is an input, the wrong kind of thing (a folder for a file or
            the other way round), somebody else's file, or cannot be written.
    """
    if path.exists() and not (path.is_file() or path.is_dir()):
        # A device or a pipe (/dev/null, a FIFO a reader waits on): written to, never replaced.
        if not os.access(path, os.W_OK):
            raise ConfigError(f"{option} {path} cannot be written")
        return
    resolved = path.resolve()
    for source in inputs:
        if source.exists() and (resolved == source.resolve() or _same_file(path, source)):
            raise ConfigError(f"{option} {path} is also an input of this command; it would be overwritten: choose another path")
    if folder:
        if path.exists() and not path.is_dir():
            raise ConfigError(f"{option} {path} is a file; give a folder")
    elif path.is_dir():
        raise ConfigError(f"{option} {path} is a folder; give a file name")
    if path.exists() and not force and is_ours is not None and not is_ours(path):
        raise ConfigError(f"{option} {path} exists and is not a cnnkit {kind}; choose another path or add --force to replace it")
    _check_writable(path if folder and path.is_dir() else path.parent, option, path)


def json_with_keys(*keys: str) -> Callable[[Path], bool]:
    """``is_ours`` for JSON reports: a JSON object holding ``keys``."""

    def is_ours(path: Path) -> bool:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(data, dict) and all(key in data for key in keys)

    return is_ours


def json_lines_with_key(key: str) -> Callable[[Path], bool]:
    """``is_ours`` for JSON-lines logs: empty, or a first line that is a JSON object holding ``key``."""

    def is_ours(path: Path) -> bool:
        try:
            with path.open(encoding="utf-8") as lines:
                first = lines.readline()
        except (OSError, ValueError):
            return False
        if not first.strip():
            return path.stat().st_size == 0
        try:
            data = json.loads(first)
        except ValueError:
            return False
        return isinstance(data, dict) and key in data

    return is_ours


def _same_file(first: Path, second: Path) -> bool:
    try:
        return first.exists() and os.path.samefile(first, second)
    except OSError:
        return False


def _check_writable(folder: Path, option: str, path: Path) -> None:
    # The nearest folder that exists must take a new file (a real try: permissions, read-only
    # file systems and root's privileges all answer the same way they will later).
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"{option} {path}: {existing} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise ConfigError(f"{option} {path} cannot be written ({exc.strerror or exc} in {existing})") from None
