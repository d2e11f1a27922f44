"""How sure a measured change in accuracy is: intervals for paired predictions."""

from __future__ import annotations

import math

# The normal quantile of a two-sided 95% interval.
Z_95 = 1.959963984540054


def paired_delta_interval(gained: int, lost: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """95% interval of the change in accuracy between two models read on the same images, in pp.

    Only the discordant images carry information: ``gained`` (the new model right, the old
    one wrong) and ``lost`` (the other way round). The interval is Agresti and Min's
    adjusted Wald interval for a difference of paired proportions (2005): half an image
    is added to each of the four cells, which keeps its coverage near 95% even when only a
    handful of images changed (the plain Wald interval collapses to a point at zero changes).

    Args:
        gained: Images only the new model reads right.
        lost: Images only the old model reads right.
        total: All images read by both.
        z: The normal quantile (1.96 for 95%).

    Returns:
        (low, high) in percentage points, clipped to [-100, 100].

    Raises:
        ValueError: Negative counts, or more discordant images than images.
    """
    if min(gained, lost) < 0 or gained + lost > total or total <= 0:
        raise ValueError(f"impossible counts: gained {gained}, lost {lost}, total {total}")
    n = total + 2.0
    b, c = gained + 0.5, lost + 0.5
    delta = (b - c) / n
    spread = z * math.sqrt(max(0.0, (b + c) - (b - c) ** 2 / n)) / n
    return max(-100.0, 100.0 * (delta - spread)), min(100.0, 100.0 * (delta + spread))
