"""The runtime's options: how digits are found in a frame. Frozen, checked when built."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.errors import ConfigError


class Polarity(str, enum.Enum):
    """Which way round ink and paper are."""

    AUTO = "auto"  # decided per frame from its brightness
    DARK_ON_LIGHT = "dark-on-light"  # pen on paper
    LIGHT_ON_DARK = "light-on-dark"  # chalk on a board, MNIST itself


@dataclass(frozen=True)
class FindOptions:
    """How :func:`find_digits` decides what is a digit.

    Attributes:
        polarity: Ink on paper (default), or light on dark, or decide per frame.
        min_contrast: Smallest ink strength (see :func:`ink_map`; 0–255) that counts as sure ink
            on ruled or squared paper.
        plain_min_contrast: The same on plain paper (no ruling found), where only a pen makes
            long faint strokes: a fine pen's, blurred by the camera, may be that faint all along.
            A grainy page raises it to four times its grain (a shadow's mottle is not ink), up
            to ``min_contrast``.
        min_height: Smallest digit height as a fraction of the frame's shorter side.
        max_height: Largest digit height as a fraction of the frame's shorter side.
        max_aspect: Widest width/height ratio of a digit.
        min_density: Smallest share of ink in a digit's box (a fine pen's "5" fills about 4%).
        max_density: Largest share of ink in the box of a digit wider than a third of its height
            (solid blobs are not digits; a straight "1" may fill its narrow box).
        working_size: Frames are read at most this many pixels on the longer side.
    """

    polarity: Polarity = Polarity.DARK_ON_LIGHT
    min_contrast: int = 56
    plain_min_contrast: int = 24
    min_height: float = 0.06
    max_height: float = 0.9
    max_aspect: float = 2.2
    min_density: float = 0.03
    max_density: float = 0.9
    working_size: int = 640

    def __post_init__(self) -> None:
        if not 0 <= self.min_contrast <= 255:
            raise ConfigError(f"min_contrast must be in 0..255, got {self.min_contrast}")
        if not 0 <= self.plain_min_contrast <= 255:
            raise ConfigError(f"plain_min_contrast must be in 0..255, got {self.plain_min_contrast}")
        if not 0.0 < self.min_height < self.max_height <= 1.0:  # also false for NaN
            raise ConfigError(f"digit heights must satisfy 0 < min_height < max_height <= 1, got {self.min_height}, {self.max_height}")
        if not self.max_aspect > 0.0:
            raise ConfigError(f"max_aspect must be positive, got {self.max_aspect}")
        if not 0.0 <= self.min_density < self.max_density <= 1.0:
            raise ConfigError(f"ink densities must satisfy 0 <= min_density < max_density <= 1, got {self.min_density}, {self.max_density}")
        if self.working_size < 64:
            raise ConfigError(f"working_size must be at least 64 pixels, got {self.working_size}")
