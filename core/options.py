"""Checks of option values that several packages' configs share."""

from __future__ import annotations

from core.errors import ConfigError

MAX_SEED = 2**32 - 1  # numpy's and TensorFlow's seeds are 32-bit


def check_seed(seed: int) -> int:
    """``seed`` if it is in 0..2³²−1.

    Raises:
        ConfigError: It is not.
    """
    if not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"--seed must be in 0..{MAX_SEED}, got {seed}")
    return seed
