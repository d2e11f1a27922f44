"""Read a ``.tflite`` file's metadata entries and op list without any TFLite package.

A ``.tflite`` file is a FlatBuffer whose root ``Model`` table lists ``metadata``
entries (a name and the index of a buffer holding the bytes). The legacy
tflite-runtime ships no schema reader, so this walks the few tables it needs:
``Model.buffers`` (field 4), ``Model.metadata`` (field 6), ``Metadata.name`` /
``Metadata.buffer`` (fields 0 / 1) and ``Buffer.data`` (field 0); for the ops,
``Model.operator_codes`` (1), ``Model.subgraphs`` (2), ``SubGraph.operators`` (3),
``Operator.opcode_index`` (0) and ``OperatorCode``'s builtin codes (0 and 3).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from core.contract import METADATA_KEY
from core.errors import ModelError
from runtime.metadata import parse_metadata_json

_MODEL_OPERATOR_CODES = 1
_MODEL_SUBGRAPHS = 2
_MODEL_BUFFERS = 4
_MODEL_METADATA = 6
_SUBGRAPH_OPERATORS = 3
# The schema's BuiltinOperator values of the ops a converted digit network can contain.
BUILTIN_OPS = {
    0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
    6: "DEQUANTIZE", 9: "FULLY_CONNECTED", 14: "LOGISTIC", 17: "MAX_POOL_2D", 18: "MUL", 19: "RELU",
    22: "RESHAPE", 25: "SOFTMAX", 34: "PAD", 39: "TRANSPOSE", 40: "MEAN", 45: "STRIDED_SLICE",
    77: "SHAPE", 83: "PACK", 114: "QUANTIZE",
}


class _Reader:
    def __init__(self, data: bytes, where: str) -> None:
        self.data = data
        self.where = where

    def _unpack(self, fmt: str, pos: int) -> int:
        try:
            return struct.unpack_from(fmt, self.data, pos)[0]
        except struct.error:
            raise ModelError(f"{self.where} is truncated or not a TFLite model") from None

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
            raise ModelError(f"{self.where} is truncated or not a TFLite model")
        return bytes(self.data[start : start + length])

    def uint32_field(self, table: int, field: int) -> int:
        pos = self.field_pos(table, field)
        return 0 if pos is None else self._unpack("<I", pos)

    def int_field(self, table: int, field: int, fmt: str) -> int:
        pos = self.field_pos(table, field)
        return 0 if pos is None else self._unpack(fmt, pos)


def _open(data: bytes, where: str) -> tuple[_Reader, int]:
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelError(f"{where} is not a TFLite model (no TFL3 identifier)")
    reader = _Reader(data, where)
    return reader, reader.indirect(0)


def read_tflite_ops(data: bytes, where: str = "model") -> tuple[str, ...]:
    """The builtin op of each operator of the main subgraph, in the order they run.

    An op missing from :data:`BUILTIN_OPS` is named ``BUILTIN_<code>``; a custom op ``CUSTOM``.

    Raises:
        ModelError: The bytes are not a well-formed TFLite FlatBuffer.
    """
    reader, model = _open(data, where)
    codes_start, code_count = reader.vector(model, _MODEL_OPERATOR_CODES)
    names = []
    for index in range(code_count):
        code = reader.table_at(codes_start, index)
        # Codes above 127 live only in the int32 field; the byte field keeps 127 (placeholder) then.
        builtin = max(reader.int_field(code, 0, "<b"), reader.int_field(code, 3, "<i"))
        names.append("CUSTOM" if builtin == 32 else BUILTIN_OPS.get(builtin, f"BUILTIN_{builtin}"))
    subgraphs_start, subgraph_count = reader.vector(model, _MODEL_SUBGRAPHS)
    if subgraph_count == 0:
        return ()
    operators_start, operator_count = reader.vector(reader.table_at(subgraphs_start, 0), _SUBGRAPH_OPERATORS)
    ops = []
    for index in range(operator_count):
        opcode_index = reader.uint32_field(reader.table_at(operators_start, index), 0)
        if opcode_index >= len(names):
            raise ModelError(f"{where} has an operator with opcode {opcode_index} of {len(names)}")
        ops.append(names[opcode_index])
    return tuple(ops)


def read_tflite_metadata(data: bytes, where: str = "model") -> dict[str, bytes]:
    """Return ``{name: bytes}`` for every metadata entry of a ``.tflite`` file's contents.

    Raises:
        ModelError: The bytes are not a well-formed TFLite FlatBuffer.
    """
    reader, model = _open(data, where)
    buffers_start, buffer_count = reader.vector(model, _MODEL_BUFFERS)
    metadata_start, metadata_count = reader.vector(model, _MODEL_METADATA)
    entries = {}
    for index in range(metadata_count):
        entry = reader.table_at(metadata_start, index)
        name = reader.bytes_field(entry, 0).decode("utf-8", errors="replace")
        buffer_index = reader.uint32_field(entry, 1)
        if buffer_index >= buffer_count:
            raise ModelError(f"{where} has metadata {name!r} pointing past its buffers")
        entries[name] = reader.bytes_field(reader.table_at(buffers_start, buffer_index), 0)
    return entries


def read_tflite_file(path: Path) -> tuple[bytes, dict[str, Any] | None]:
    """A ``.tflite`` file's bytes and its embedded cnnkit record (None when it has none).

    Raises:
        ModelError: The file cannot be read, is not a TFLite model, or its record is not JSON.
    """
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read {path} ({exc.strerror})") from None
    entries = read_tflite_metadata(content, str(path))
    return content, parse_metadata_json(entries[METADATA_KEY], str(path)) if METADATA_KEY in entries else None
