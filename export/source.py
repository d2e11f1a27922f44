"""The trained Keras model an export starts from, and what is known about it.

Imports TensorFlow: use it only inside commands that export.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import keras
import tensorflow as tf

from core.contract import DEFAULT_CLASS_NAMES, INPUT_NAME, INPUT_SHAPE, NUM_CLASSES
from core.errors import ModelError
from export.keras_file import check_keras_file

INPUT_SPEC = tf.TensorSpec((None, *INPUT_SHAPE), tf.float32, name=INPUT_NAME)


@dataclass(frozen=True, eq=False)
class SourceModel:
    """A loaded ``.keras`` model with its checksum and the facts its run recorded.

    Attributes:
        model: The Keras model: float32 (N, 28, 28, 1) in [0, 1] → (N, 10) probabilities.
        path: The ``.keras`` file.
        sha256: SHA-256 of the file's bytes.
        class_names: From the run's ``metrics.json``, else "0".."9".
        keras_test_accuracy: From the run's ``metrics.json``, else None.
        learnt_non_digits: Whether its recipe trained it on non-digits (every recipe that
            redraws its digits does, see toolkit.epochs), from ``metrics.json``, else None.
    """

    model: keras.Model
    path: Path
    sha256: str
    class_names: tuple[str, ...]
    keras_test_accuracy: float | None
    learnt_non_digits: bool | None = None

    def serving_function(self) -> tf.types.experimental.PolymorphicFunction:
        """The model as a ``tf.function`` with a named input and a dynamic batch.

        Both converters start from it: TFLite's from its concrete function, tf2onnx's
        ``from_function`` directly (its ``from_keras`` fails on Keras 3 models).
        """
        layers = self.model.layers

        @tf.function(input_signature=[INPUT_SPEC])
        def serve(image: tf.Tensor) -> tf.Tensor:
            return _run_layers(layers, image)

        return serve


def _run_layers(layers: list[keras.layers.Layer], image: tf.Tensor) -> tf.Tensor:
    """Run the layers for inference, with the flatten as a reshape to a constant shape.

    Keras's ``Flatten`` computes its target shape from the input's dynamic batch
    (``SHAPE → STRIDED_SLICE → PACK → RESHAPE`` in the converted graph). Those shape
    ops run outside LiteRT's XNNPACK delegate and split it in two; a constant
    ``(-1, 1600)`` leaves one delegated partition and needs fewer ops on a
    microcontroller. Dropout is the identity at inference and is left out.
    """
    tensor = image
    for layer in layers:
        if isinstance(layer, keras.layers.Dropout):
            continue
        if isinstance(layer, keras.layers.Flatten):
            tensor = tf.reshape(tensor, (-1, math.prod(int(d) for d in tensor.shape[1:])))
        else:
            tensor = layer(tensor, training=False)
    return tensor


def load_source_model(path: Path) -> SourceModel:
    """Load a ``.keras`` file written by `cnnkit train` and check it is the digit network.

    Raises:
        ModelError: The file is missing, unreadable, or a model of another shape.
    """
    check_keras_file(path)
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # noqa: BLE001 (Keras raises zipfile, OS, value and type errors alike)
        detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"{path} is not a readable Keras model ({detail})") from None
    input_shape = tuple(getattr(model, "input_shape", ()) or ())
    output_shape = tuple(getattr(model, "output_shape", ()) or ())
    if input_shape[1:] != INPUT_SHAPE or output_shape[1:] != (NUM_CLASSES,):
        raise ModelError(
            f"{path} reads {input_shape} and writes {output_shape}; cnnkit's network reads (N, 28, 28, 1) and writes (N, 10)"
        )
    layout = _layer_layout(model)
    if layout != REFERENCE_LAYOUT:
        raise ModelError(f"{path} is not cnnkit's digit network (its layers are {', '.join(layout) or 'none'})")
    class_names, accuracy, non_digits = _run_facts(path.with_name("metrics.json"))
    return SourceModel(
        model=model,
        path=path,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        class_names=class_names,
        keras_test_accuracy=accuracy,
        learnt_non_digits=non_digits,
    )


# The reference network, layer by layer: what an export may assume (see toolkit/model.py).
REFERENCE_LAYOUT = (
    "Conv2D(32, 3x3, relu)",
    "MaxPooling2D(2x2)",
    "Conv2D(64, 3x3, relu)",
    "MaxPooling2D(2x2)",
    "Flatten",
    "Dense(128, relu)",
    "Dropout",
    "Dense(10, softmax)",
)


def _layer_layout(model: keras.Model) -> tuple[str, ...]:
    def describe(layer: keras.layers.Layer) -> str:
        config = layer.get_config()
        kind = type(layer).__name__
        if isinstance(layer, keras.layers.Conv2D):
            size = "x".join(str(k) for k in config["kernel_size"])
            return f"{kind}({config['filters']}, {size}, {config['activation']})"
        if isinstance(layer, keras.layers.MaxPooling2D):
            return f"{kind}({'x'.join(str(k) for k in config['pool_size'])})"
        if isinstance(layer, keras.layers.Dense):
            return f"{kind}({config['units']}, {config['activation']})"
        return kind

    return tuple(describe(layer) for layer in getattr(model, "layers", []))


def _run_facts(metrics_path: Path) -> tuple[tuple[str, ...], float | None, bool | None]:
    # metrics.json is optional (a model may come from elsewhere); a broken one is ignored, not fatal.
    try:
        metrics = json.loads(metrics_path.read_text())
        names = tuple(metrics["dataset"]["class_names"])
        augment = metrics.get("recipe", {}).get("augment")
        return (
            names if len(names) == NUM_CLASSES else DEFAULT_CLASS_NAMES,
            float(metrics["test_accuracy"]),
            augment if isinstance(augment, bool) else None,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return DEFAULT_CLASS_NAMES, None, None
