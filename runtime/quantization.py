"""How a backend turns digits into a model's input tensor and its output into probabilities.

Quantized tensors map integers to reals as ``real = scale * (q - zero_point)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.contract import PIXEL_SCALE


@dataclass(frozen=True)
class TensorQuantization:
    """The dtype of a model's input or output tensor and its quantization (scale 0: a float tensor)."""

    dtype: np.dtype
    scale: float = 0.0
    zero_point: int = 0

    def quantize_digits(self, images: np.ndarray) -> np.ndarray:
        """uint8 0–255 or float32 [0, 1] digits → this (input) tensor's dtype.

        uint8 pixels go straight in when the tensor is uint8 with scale 1/255 and zero
        point 0; int8 with scale 1/255 and zero point −128 is the same bytes shifted by 128.
        """
        if images.dtype == np.uint8 and abs(self.scale - PIXEL_SCALE) < 1e-9:
            if self.dtype == np.uint8 and self.zero_point == 0:
                return images
            if self.dtype == np.int8 and self.zero_point == -128:
                return (images ^ np.uint8(0x80)).view(np.int8)
        real = images if images.dtype == np.float32 else images.astype(np.float32) * np.float32(PIXEL_SCALE)
        if self.dtype == np.float32:
            return real
        info = np.iinfo(self.dtype)
        quantized = np.round(real / np.float32(self.scale)) + self.zero_point
        return np.clip(quantized, info.min, info.max).astype(self.dtype)

    def dequantize(self, raw: np.ndarray) -> np.ndarray:
        """This (output) tensor's values → float32 reals."""
        if self.scale:
            return (raw.astype(np.float32) - self.zero_point) * np.float32(self.scale)
        return raw.astype(np.float32, copy=False)
