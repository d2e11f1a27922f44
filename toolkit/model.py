"""The reference network: a small CNN that reads 28×28 handwritten digits.

Imports Keras (and so TensorFlow) at module level: import this module only in code
that builds or trains a model, never from the CLI's top level or ``runtime/``.
"""

from __future__ import annotations

import keras
from keras import layers

from core.contract import INPUT_NAME, INPUT_SHAPE, NUM_CLASSES, OUTPUT_NAME

PARAMETER_COUNT = 225_034


def build_model() -> keras.Sequential:
    """Build the reference CNN, uncompiled.

    Input: float32 of shape (N, 28, 28, 1), values in [0, 1]. Output: float32 of
    shape (N, 10), softmax probabilities. 225,034 trainable parameters.

    Returns:
        Conv2D 32 3×3 ReLU, MaxPool 2×2, Conv2D 64 3×3 ReLU, MaxPool 2×2, Flatten,
        Dense 128 ReLU, Dropout 0.5, Dense 10 softmax.
    """
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE, name=INPUT_NAME),
            layers.Conv2D(32, (3, 3), activation="relu", name="conv1"),
            layers.MaxPooling2D((2, 2), name="pool1"),
            layers.Conv2D(64, (3, 3), activation="relu", name="conv2"),
            layers.MaxPooling2D((2, 2), name="pool2"),
            layers.Flatten(name="flatten"),
            layers.Dense(128, activation="relu", name="dense"),
            layers.Dropout(0.5, name="dropout"),
            layers.Dense(NUM_CLASSES, activation="softmax", name=OUTPUT_NAME),
        ],
        name="cnnkit_digits",
    )
