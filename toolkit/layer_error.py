"""How much error each layer's quantization adds: an int8 model's tensors against the float model's.

Both ``.tflite`` files come from the same Keras model, so their graphs run the same
operators in the same order (the int8 one adds a QUANTIZE at its input). Each operator's
output is read from the interpreter on a sample of test images, the int8 one dequantized,
and compared with the float one as a signal-to-quantization-noise ratio:
``SQNR = 10 log10(Σ f² / Σ (f − q)²)`` dB; about 6 dB per bit, so 8 bits at best ≈ 48 dB,
and every layer's error includes what the layers before it passed on.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ModelError
from runtime.activations import dequantized, model_input, network_ops, open_with_every_tensor

# Noise below this share of the signal's energy is reported as this (≈ 120 dB): a finite number.
_NOISE_FLOOR = 1e-12


@dataclass(frozen=True)
class LayerError:
    """One layer's output in the int8 model against the float model.

    Attributes:
        name: The layer's name in the Keras model (``conv1``, ``pool1``, ..., ``softmax``).
        op: The TFLite operator (``CONV_2D``, ``MAX_POOL_2D``, ...).
        sqnr_db: Signal-to-quantization-noise ratio of its output, in dB (higher is better).
    """

    name: str
    op: str
    sqnr_db: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def per_layer_sqnr(quantized: Path, reference: Path, images: np.ndarray) -> list[LayerError]:
    """Each layer's SQNR in ``quantized`` against ``reference``, in the order the network runs.

    Args:
        quantized: A full-integer ``.tflite`` model.
        reference: The float ``.tflite`` model exported from the same Keras model.
        images: uint8 (N, 28, 28) test digits, 0–255 (a few hundred are plenty).

    Returns:
        One entry per layer, first to last.

    Raises:
        ModelError: A model cannot be opened, or the two graphs do not run the same layers.
    """
    quantized_outputs = _layer_outputs(quantized, images)
    reference_outputs = _layer_outputs(reference, images)
    if [op for op, _, _ in quantized_outputs] != [op for op, _, _ in reference_outputs]:
        raise ModelError(f"{quantized.name} and {reference.name} do not run the same layers; re-export both")
    errors = []
    for (op, name, q), (_, _, f) in zip(quantized_outputs, reference_outputs, strict=True):
        signal = float(np.sum(np.square(f, dtype=np.float64)))
        noise = max(float(np.sum(np.square(f - q, dtype=np.float64))), _NOISE_FLOOR * max(signal, 1e-30))
        errors.append(LayerError(name=name, op=op, sqnr_db=10.0 * math.log10(max(signal, 1e-30) / noise)))
    return errors


def _layer_outputs(path: Path, images: np.ndarray) -> list[tuple[str, str, np.ndarray]]:
    """(op, layer name, float32 output) for every operator of the network, in order."""
    interpreter = open_with_every_tensor(path, batch=len(images))
    details = interpreter.get_input_details()[0]
    interpreter.set_tensor(details["index"], model_input(images, details))
    interpreter.invoke()
    tensors = {detail["index"]: detail for detail in interpreter.get_tensor_details()}
    outputs = []
    for op in network_ops(interpreter):
        output = tensors[int(op["outputs"][0])]
        outputs.append((op["op_name"], _layer_name(output["name"], op["op_name"]), dequantized(interpreter, output)))
    return outputs


def _layer_name(tensor_name: str, op: str) -> str:
    """``conv1_1/Relu;conv1_1/BiasAdd;...`` → ``conv1``; the softmax's ``Identity`` → ``softmax``."""
    if op == "SOFTMAX":
        return "softmax"
    if op == "RESHAPE":
        return "flatten"
    first = tensor_name.split(";")[0].split("/")[0]
    return first[: -len("_1")] if first.endswith("_1") else first
