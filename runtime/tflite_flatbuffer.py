"""Read the named metadata entries of a ``.tflite`` file without any TFLite package.

A ``.tflite`` file is a FlatBuffer whose root ``Model`` table lists ``metadata``
entries (a name and the index of a buffer holding the bytes). The legacy
tflite-runtime ships no schema reader, so this walks the few tables it needs:
``Model.buffers`` (field 4), ``Model.metadata`` (field 6), ``Metadata.name`` /
``Metadata.buffer`` (fields 0 / 1) and ``Buffer.data`` (field 0).
"""

from __future__ import annotations

import struct

from runtime.errors import RuntimeModelError

_MODEL_BUFFERS = 4
_MODEL_METADATA = 6


class _Reader:
    def __init__(self, data: bytes, where: str) -> None:
        self.data = data
        self.where = where

    def _unpack(self, fmt: str, pos: int) -> int:
        try:
            return struct.unpack_from(fmt, self.data, pos)[0]
        except struct.error:
            raise RuntimeModelError(f"{self.where} is truncated or not a TFLite model") from None

    def field_pos(self, table: int, field: int) -> int | None:
        """Absolute position of ``field`` inside ``table``, or None when it is absent."""
        vtable = table - self._unpack("<i", table)
        vtable_size = self._unpack("<H", vtable)
        slot = 4 + 2 * field
        if slot >= vtable_size:
            return None
        offset = self._unpack("<H", vtable + slot)
        return table + offset if offset else None

    def indirect(self, pos: int) -> int:
        return pos + self._unpack("<I", pos)

    def vector(self, table: int, field: int) -> tuple[int, int]:
        """(position of the first element, length) of a vector field; (0, 0) when absent."""
        pos = self.field_pos(table, field)
        if pos is None:
            return 0, 0
        start = self.indirect(pos)
        return start + 4, self._unpack("<I", start)

    def table_at(self, vector_start: int, index: int) -> int:
        return self.indirect(vector_start + 4 * index)

    def bytes_field(self, table: int, field: int) -> bytes:
        start, length = self.vector(table, field)
        if start + length > len(self.data):
            raise RuntimeModelError(f"{self.where} is truncated or not a TFLite model")
        return bytes(self.data[start : start + length])

    def uint32_field(self, table: int, field: int) -> int:
        pos = self.field_pos(table, field)
        return 0 if pos is None else self._unpack("<I", pos)


def read_tflite_metadata(data: bytes, where: str = "model") -> dict[str, bytes]:
    """Return ``{name: bytes}`` for every metadata entry of a ``.tflite`` file's contents.

    Raises:
        RuntimeModelError: The bytes are not a well-formed TFLite FlatBuffer.
    """
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise RuntimeModelError(f"{where} is not a TFLite model (no TFL3 identifier)")
    reader = _Reader(data, where)
    model = reader.indirect(0)
    buffers_start, buffer_count = reader.vector(model, _MODEL_BUFFERS)
    metadata_start, metadata_count = reader.vector(model, _MODEL_METADATA)
    entries = {}
    for index in range(metadata_count):
        entry = reader.table_at(metadata_start, index)
        name = reader.bytes_field(entry, 0).decode("utf-8", errors="replace")
        buffer_index = reader.uint32_field(entry, 1)
        if buffer_index >= buffer_count:
            raise RuntimeModelError(f"{where} has metadata {name!r} pointing past its buffers")
        entries[name] = reader.bytes_field(reader.table_at(buffers_start, buffer_index), 0)
    return entries
