"""The reference write-up's step-by-step picture for any image: from pixels to a decision.

:func:`explain_image` finds the digit in a photo (or takes a 28×28 image as it is), runs it
through the network stage by stage (:mod:`runtime.activations`), and :func:`draw` lays the
stages out in one picture with a line of plain words each. From a ``.tflite`` model the
stages are the model's own tensors, so the picture is made on a Raspberry Pi without
TensorFlow; from a ``.keras`` file they come from its weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.contract import DEFAULT_CLASS_NAMES
from core.errors import ModelError
from runtime.activations import NumpyNetwork, Weights, forward, tflite_activations
from runtime.errors import InputError

_WHITE = (255, 255, 255)
_INK = (40, 40, 40)
_FONT_SCALE = 0.5


@dataclass(frozen=True, eq=False)
class Explanation:
    """One digit's way through the network.

    Attributes:
        photo: The image as given, BGR uint8.
        box: (x, y, w, h) of the explained digit in the photo.
        digit: uint8 (28, 28), the digit as the model sees it.
        stages: Each stage's output (see :data:`runtime.activations.STAGES`).
        class_names: The model's classes.
        model_path: The model that read it.
    """

    photo: np.ndarray
    box: tuple[int, int, int, int]
    digit: np.ndarray
    stages: dict[str, np.ndarray]
    class_names: tuple[str, ...]
    model_path: Path

    @property
    def label(self) -> int:
        return int(np.argmax(self.stages["probabilities"]))


def explain_image(image_path: Path, model_path: Path) -> Explanation:
    """Find the digit in an image and follow it through the network.

    A photo holding several digits explains the largest one.

    Args:
        image_path: A photo of handwriting, or a 28×28 MNIST-style digit.
        model_path: A ``.keras`` file or an exported ``.tflite`` model.

    Raises:
        InputError: The image cannot be read or holds no digit.
        ModelError: The model cannot be loaded, or is an ONNX model (its layers are not shown).
    """
    from runtime import load_model
    from runtime.opencv import cv2
    from runtime.reader import read_image_file

    if model_path.suffix == ".keras":
        model = NumpyNetwork(keras_weights(model_path), DEFAULT_CLASS_NAMES)
    elif model_path.suffix == ".tflite":
        model = load_model(model_path, num_threads=1)
    else:
        raise ModelError(f"explain shows the layers of a .keras or .tflite model, not {model_path.name}")
    reading = read_image_file(image_path, model)
    if not reading.digits:
        raise InputError(f"no digit found in {image_path}")
    digit = max(reading.digits, key=lambda d: d.box[2] * d.box[3])
    stages = forward(model.weights, digit.image) if isinstance(model, NumpyNetwork) else tflite_activations(model_path, digit.image)
    photo = cv2().imdecode(np.fromfile(image_path, np.uint8), cv2().IMREAD_COLOR)
    return Explanation(photo, digit.box, digit.image, stages, tuple(model.class_names), model_path)


def keras_weights(path: Path) -> Weights:
    """The reference network's weights from a ``.keras`` file (needs TensorFlow)."""
    from export.source import load_source_model

    model = load_source_model(path).model
    layers = [layer for layer in model.layers if layer.get_weights()]
    if len(layers) != 4:
        raise ModelError(f"{path} is not the reference network ({len(layers)} layers with weights, expected 4)")
    pairs = [tuple(np.asarray(w, np.float32) for w in layer.get_weights()) for layer in layers]
    return Weights(*pairs)


def draw(explanation: Explanation) -> np.ndarray:
    """The step-by-step picture: BGR uint8, about 1200 pixels wide."""
    from runtime.opencv import cv2

    cv = cv2()
    stages, names = explanation.stages, explanation.class_names
    label, probabilities = explanation.label, stages["probabilities"]
    rows = [
        _row("1. The image, with the digit found in it", _photo_panel(cv, explanation)),
        _row("2. The digit as the network sees it: grey, cropped, 20 px in a 28x28 field, centred by its mass",
             _upscale(cv, explanation.digit, 8, "gray")),
        _row("3. First convolution: 32 filters of 3x3 answer to edges and stroke directions (red +, blue -)",
             _grid(cv, stages["conv1"], 8, 2, "signed")),
        _row("4. ReLU keeps only the positive answers", _grid(cv, stages["relu1"], 8, 2, "positive")),
        _row("5. Max pooling keeps the strongest answer of each 2x2 block: half the size",
             _grid(cv, stages["pool1"], 8, 4, "positive")),
        _row("6. Second convolution: 64 filters combine strokes into parts of digits",
             _grid(cv, stages["conv2"], 16, 4, "signed")),
        _row("7. ReLU again", _grid(cv, stages["relu2"], 16, 4, "positive")),
        _row("8. Pooling again: 64 maps of 5x5, the 1,600 numbers the dense layers read",
             _grid(cv, stages["pool2"], 16, 6, "positive")),
        _row(f"9. Two dense layers turn them into ten probabilities: it reads \"{names[label]}\" "
             f"({np.floor(probabilities[label] * 1000) / 10:.1f}% sure)", _bars(cv, probabilities, names)),
    ]
    width = max(row.shape[1] for row in rows) + 40
    canvas = np.full((sum(row.shape[0] for row in rows) + 70, width, 3), 255, np.uint8)
    cv.putText(canvas, f"How {explanation.model_path.name} reads a digit", (20, 38), cv.FONT_HERSHEY_SIMPLEX, 0.8,
               _INK, 2, cv.LINE_AA)
    top = 60
    for row in rows:
        canvas[top : top + row.shape[0], 20 : 20 + row.shape[1]] = row
        top += row.shape[0]
    return canvas


def _row(caption: str, panel: np.ndarray) -> np.ndarray:
    from runtime.opencv import cv2

    cv = cv2()
    height = panel.shape[0] + 40
    row = np.full((height, max(panel.shape[1], 1100), 3), 255, np.uint8)
    cv.putText(row, caption, (0, 18), cv.FONT_HERSHEY_SIMPLEX, _FONT_SCALE, _INK, 1, cv.LINE_AA)
    row[28 : 28 + panel.shape[0], : panel.shape[1]] = panel
    return row


def _photo_panel(cv, explanation: Explanation) -> np.ndarray:
    """The image 220 pixels tall with the digit's box; a 28×28 digit is the box itself (none drawn)."""
    photo = explanation.photo
    scale = 220 / photo.shape[0]
    small = cv.resize(photo, (max(1, round(photo.shape[1] * scale)), 220),
                      interpolation=cv.INTER_NEAREST if scale > 1 else cv.INTER_AREA)
    x, y, w, h = (round(value * scale) for value in explanation.box)
    if (w, h) != (small.shape[1], small.shape[0]):
        cv.rectangle(small, (x, y), (x + w, y + h), (0, 160, 0), 2)
    return small


def _upscale(cv, image: np.ndarray, factor: int, mode: str) -> np.ndarray:
    big = cv.resize(image, None, fx=factor, fy=factor, interpolation=cv.INTER_NEAREST)
    return cv.cvtColor(big, cv.COLOR_GRAY2BGR) if mode == "gray" else big


def _grid(cv, maps: np.ndarray, columns: int, factor: int, mode: str) -> np.ndarray:
    """Feature maps (H, W, C) side by side, one colour scale for all of them."""
    height, width, count = maps.shape
    rows = -(-count // columns)
    gap = 3
    canvas = np.full((rows * (height * factor + gap), columns * (width * factor + gap), 3), 255, np.uint8)
    limit = float(np.percentile(np.abs(maps), 99.5)) or 1.0
    for index in range(count):
        tile = np.clip(maps[..., index] / limit, -1.0, 1.0)
        if mode == "signed":
            positive, negative = np.clip(tile, 0, 1), np.clip(-tile, 0, 1)
            # White at zero, red for positive answers, blue for negative ones (BGR).
            colour = np.stack([1 - positive, 1 - positive - negative, 1 - negative], axis=-1)
            tile_bgr = (np.clip(colour, 0, 1) * 255).astype(np.uint8)
        else:
            tile_bgr = cv.applyColorMap((tile * 255).astype(np.uint8), cv.COLORMAP_VIRIDIS)
        tile_bgr = cv.resize(tile_bgr, None, fx=factor, fy=factor, interpolation=cv.INTER_NEAREST)
        r, c = divmod(index, columns)
        y, x = r * (height * factor + gap), c * (width * factor + gap)
        canvas[y : y + height * factor, x : x + width * factor] = tile_bgr
    return canvas


def _bars(cv, probabilities: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    width, bar_height, gap, label_width = 500, 18, 6, 40
    canvas = np.full((len(probabilities) * (bar_height + gap), label_width + width + 80, 3), 255, np.uint8)
    best = int(np.argmax(probabilities))
    for index, value in enumerate(probabilities):
        y = index * (bar_height + gap)
        cv.putText(canvas, str(names[index]), (4, y + bar_height - 4), cv.FONT_HERSHEY_SIMPLEX, _FONT_SCALE, _INK, 1, cv.LINE_AA)
        length = int(round(float(value) * width))
        colour = (60, 150, 40) if index == best else (170, 170, 170)
        cv.rectangle(canvas, (label_width, y), (label_width + max(length, 1), y + bar_height), colour, -1)
        cv.putText(canvas, f"{np.floor(float(value) * 1000) / 10:.1f}%", (label_width + max(length, 1) + 6, y + bar_height - 4),
                   cv.FONT_HERSHEY_SIMPLEX, _FONT_SCALE, _INK, 1, cv.LINE_AA)
    return canvas
