"""What each layer of the network makes of one digit: the step-by-step picture's numbers.

The reference network is small enough to run in numpy from its weights: two 3×3
convolutions with ReLU, each followed by 2×2 max pooling, a dense ReLU layer and a dense
softmax layer. :func:`forward` does that for float weights (from a ``.keras`` file or any
``.tflite``); :func:`tflite_activations` reads an exported model's own intermediate tensors,
so an int8 model shows what its integer arithmetic computed. Neither needs TensorFlow.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.contract import PIXEL_SCALE
from core.errors import ModelError

# Operators that only change the number format (or stand for a delegated graph) are no layer.
_FORMAT_OPS = frozenset({"QUANTIZE", "DEQUANTIZE", "DELEGATE"})
STAGES = ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "probabilities")


@dataclass(frozen=True)
class Weights:
    """The reference network's parameters as float32 arrays.

    Attributes:
        conv1, conv2: Kernels (3, 3, in_channels, out_channels) and biases (out_channels,).
        dense, output: Matrices (inputs, outputs) and biases (outputs,).
    """

    conv1: tuple[np.ndarray, np.ndarray]
    conv2: tuple[np.ndarray, np.ndarray]
    dense: tuple[np.ndarray, np.ndarray]
    output: tuple[np.ndarray, np.ndarray]


class NumpyNetwork:
    """Reads digits with :func:`forward`: a model for :func:`runtime.reader.read_digits` without an interpreter."""

    def __init__(self, weights: Weights, class_names: tuple[str, ...]) -> None:
        self.weights, self.class_names = weights, class_names

    def predict(self, images: np.ndarray) -> np.ndarray:
        batch = np.asarray(images).reshape(-1, 28, 28)
        return np.stack([forward(self.weights, image)["probabilities"] for image in batch])


def forward(weights: Weights, image: np.ndarray) -> dict[str, np.ndarray]:
    """Every stage's output for one digit.

    Args:
        weights: The network's parameters.
        image: uint8 (28, 28), 0–255, white ink on black.

    Returns:
        ``conv1`` (26, 26, 32) before ReLU, ``relu1``, ``pool1`` (13, 13, 32), ``conv2`` (11, 11, 64),
        ``relu2``, ``pool2`` (5, 5, 64), and ``probabilities`` (10,), all float32.
    """
    x = image.astype(np.float32)[..., None] * PIXEL_SCALE
    stages = {"conv1": _conv3x3(x, *weights.conv1)}
    stages["relu1"] = np.maximum(stages["conv1"], 0)
    stages["pool1"] = _max_pool(stages["relu1"])
    stages["conv2"] = _conv3x3(stages["pool1"], *weights.conv2)
    stages["relu2"] = np.maximum(stages["conv2"], 0)
    stages["pool2"] = _max_pool(stages["relu2"])
    hidden = np.maximum(stages["pool2"].reshape(-1) @ weights.dense[0] + weights.dense[1], 0)
    logits = hidden @ weights.output[0] + weights.output[1]
    exp = np.exp(logits - logits.max())
    stages["probabilities"] = (exp / exp.sum()).astype(np.float32)
    return stages


def tflite_activations(path: Path, image: np.ndarray) -> dict[str, np.ndarray]:
    """Every stage's output for one digit, as the ``.tflite`` model computes it.

    The model's own tensors give the stages after each ReLU (fused into the convolution),
    each pooling and the probabilities, dequantized for an int8 model; the convolutions
    before their ReLU are not tensors of the model and are computed from its dequantized
    weights and its own input to them.

    Args:
        path: A ``.tflite`` file exported by cnnkit.
        image: uint8 (28, 28), 0–255.

    Raises:
        ModelError: The file cannot be opened or is not the reference network.
    """
    interpreter = open_with_every_tensor(path, batch=1)
    details = interpreter.get_input_details()[0]
    interpreter.set_tensor(details["index"], model_input(image[None], details))
    interpreter.invoke()
    tensors = {detail["index"]: detail for detail in interpreter.get_tensor_details()}

    def value(index: int) -> np.ndarray:
        return dequantized(interpreter, tensors[index])

    ops = network_ops(interpreter)
    if [op["op_name"] for op in ops][:4] != ["CONV_2D", "MAX_POOL_2D", "CONV_2D", "MAX_POOL_2D"]:
        raise ModelError(f"{path} is not the reference network (it starts {[op['op_name'] for op in ops][:4]})")
    conv1, pool1, conv2, pool2 = ops[:4]
    stages = {}
    for name, op in (("1", conv1), ("2", conv2)):
        source, kernel, bias = (int(i) for i in op["inputs"][:3])
        weights = value(kernel).transpose(1, 2, 3, 0)  # TFLite keeps (out, 3, 3, in)
        stages[f"conv{name}"] = _conv3x3(value(source)[0], weights, value(bias))
        stages[f"relu{name}"] = value(int(op["outputs"][0]))[0]
    stages["pool1"] = value(int(pool1["outputs"][0]))[0]
    stages["pool2"] = value(int(pool2["outputs"][0]))[0]
    stages["probabilities"] = value(interpreter.get_output_details()[0]["index"])[0]
    return stages


def network_ops(interpreter) -> list[dict]:
    """The interpreter's operators that are layers of the network, in run order (not QUANTIZE and the like)."""
    return [op for op in interpreter._get_ops_details() if op["op_name"] not in _FORMAT_OPS]  # the one API that lists ops


def dequantized(interpreter, detail: dict) -> np.ndarray:
    """A tensor's values as float32: as they are for a float tensor, else with its (per-channel) scale and zero point."""
    array = interpreter.get_tensor(detail["index"])
    parameters = detail["quantization_parameters"]
    scales, zero_points = parameters["scales"], parameters["zero_points"]
    if array.dtype == np.float32 or not len(scales):
        return array.astype(np.float32)
    shape = [-1] + [1] * (array.ndim - 1) if len(scales) > 1 else [1]
    return (array.astype(np.float32) - zero_points.reshape(shape)) * scales.reshape(shape).astype(np.float32)


def open_with_every_tensor(path: Path, batch: int):
    """A LiteRT interpreter on the default kernels that keeps every intermediate tensor, for ``batch`` digits.

    Raises:
        ModelError: No interpreter is installed, or the file is not a loadable model.
    """
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter, OpResolverType  # type: ignore[no-redef]
        except ImportError:
            raise ModelError("reading a .tflite model's layers needs ai-edge-litert (pip install 'cnnkit[runtime]')") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "for debugging purposes only": which this is
            interpreter = Interpreter(
                model_path=str(path), num_threads=1, experimental_preserve_all_tensors=True,
                # A delegate fuses the graph into one node and keeps none of its tensors.
                experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
            )
        details = interpreter.get_input_details()[0]
        interpreter.resize_tensor_input(details["index"], [batch, 28, 28, 1])
        interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        raise ModelError(f"{path} is not a loadable TFLite model ({str(exc).strip().splitlines()[0]})") from None
    return interpreter


def model_input(images: np.ndarray, details: dict) -> np.ndarray:
    """uint8 (N, 28, 28) digits as the model's input tensor wants them (float [0, 1], or quantized)."""
    pixels = images.reshape(len(images), 28, 28, 1)
    if details["dtype"] == np.float32:
        return pixels.astype(np.float32) * PIXEL_SCALE
    scale, zero_point = details["quantization"]
    info = np.iinfo(details["dtype"])
    return np.clip(np.round(pixels * PIXEL_SCALE / scale + zero_point), info.min, info.max).astype(details["dtype"])


def _conv3x3(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """'valid' 3×3 convolution (cross-correlation, as Keras and TFLite compute it) of (H, W, C)."""
    height, width, channels = x.shape
    patches = np.stack([x[i : i + height - 2, j : j + width - 2] for i in range(3) for j in range(3)], axis=2)
    return (np.einsum("hwpc,pck->hwk", patches, kernel.reshape(9, channels, -1)) + bias).astype(np.float32)


def _max_pool(x: np.ndarray) -> np.ndarray:
    height, width = x.shape[0] // 2, x.shape[1] // 2
    return x[: 2 * height, : 2 * width].reshape(height, 2, width, 2, -1).max(axis=(1, 3))
