"""Epochs of redrawn training digits, drawn by worker processes while the network trains.

Redrawing is Python-heavy (a few OpenCV calls per image). In threads beside TensorFlow
(Keras' PyDataset workers) it held the interpreter lock that TensorFlow's step loop
needs, and the default recipe took about 1.7× as long a step as the arithmetic asks.
Here worker processes draw whole epochs ahead of use, and Keras trains on plain arrays.

Imports no TensorFlow: the workers load only NumPy, OpenCV and :mod:`toolkit.augment`.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np

from core.contract import NUM_CLASSES
from toolkit.augment import augment, cut_from_touching, non_digits

NON_DIGIT_SHARE = 8  # a batch has one non-digit for every this many digits
TOUCHING_SHARE = 8  # one digit in this many is cropped from a neighbour it touches

_held: tuple[np.ndarray, np.ndarray] | None = None  # a worker's copy of the training set


def images_per_batch(batch_size: int) -> int:
    """How many images a full batch of ``batch_size`` digits holds once its non-digits are added."""
    return batch_size + max(1, batch_size // NON_DIGIT_SHARE)


def draw_batch(
    images: np.ndarray, targets: np.ndarray, order: np.ndarray, batch_size: int, seed: int, epoch: int, index: int
) -> tuple[np.ndarray, np.ndarray]:
    """One training batch, redrawn: its digits varied, some cut from touching neighbours, and non-digits.

    Every random choice comes from (seed, epoch, index), so a batch is the same however
    and wherever it is drawn.

    Args:
        images: uint8 (N, 28, 28) training digits, white on black.
        targets: float32 (N, 10) one-hot labels.
        order: int (N,) the epoch's shuffled order of the training set.
        batch_size: Digits per batch (the last batch may hold fewer).
        seed, epoch, index: The run's seed, the epoch and the batch's index in it.

    Returns:
        uint8 (B + B // 8, 28, 28) images and float32 (B + B // 8, 10) targets, where B is the
        batch's digit count; the non-digits come last, each with the uniform target (every
        class equally likely), which is how the page reader learns to tell a good split from a bad one.
    """
    chosen = order[index * batch_size : (index + 1) * batch_size]
    rng = np.random.default_rng((seed, epoch, index))
    digits = augment(images[chosen], rng)
    touching = max(1, len(chosen) // TOUCHING_SHARE)
    digits[-touching:] = cut_from_touching(digits[-touching:], digits[:touching], rng)
    others = non_digits(digits[: max(1, len(chosen) // NON_DIGIT_SHARE)], rng)
    unsure = np.full((len(others), NUM_CLASSES), 1.0 / NUM_CLASSES, np.float32)
    return np.concatenate([digits, others]), np.concatenate([targets[chosen], unsure])


def epoch_order(count: int, seed: int, epoch: int) -> np.ndarray:
    """The shuffled order of ``count`` training images in ``epoch`` (the same for a seed, run after run)."""
    return np.random.default_rng((seed, epoch)).permutation(count)


def redrawn_epochs(
    images: np.ndarray, targets: np.ndarray, batch_size: int, seed: int, epochs: int, workers: int = 2
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield each epoch's redrawn batches, one after another, as two arrays in training order.

    The next epoch is drawn by ``workers`` processes while the caller trains on this one.
    Batch ``i`` of an epoch is rows ``i * images_per_batch(batch_size)`` onwards, exactly
    :func:`draw_batch`'s output, so the result does not depend on ``workers``.

    Args:
        images: uint8 (N, 28, 28) training digits, white on black.
        targets: float32 (N, 10) one-hot labels.
        batch_size: Digits per batch.
        seed: The run's seed.
        epochs: How many epochs to yield.
        workers: Processes drawing; each holds a copy of ``images``.

    Yields:
        uint8 (M, 28, 28) images and float32 (M, 10) targets, M = N + the non-digits.
    """
    batches = -(-len(images) // batch_size)
    parts = np.array_split(np.arange(batches), max(1, min(workers, batches)))
    pool = ProcessPoolExecutor(
        max_workers=len(parts),
        # Never fork a process that runs TensorFlow's threads; a fresh interpreter loads only what drawing needs.
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_hold,
        initargs=(images, targets),
    )

    def submit(epoch: int) -> list[Future]:
        return [pool.submit(_draw_part, batch_size, seed, epoch, int(part[0]), int(part[-1]) + 1) for part in parts]

    try:
        pending = {0: submit(0)}
        for epoch in range(epochs):
            if epoch + 1 < epochs:
                pending[epoch + 1] = submit(epoch + 1)
            drawn = [future.result() for future in pending.pop(epoch)]
            yield np.concatenate([d[0] for d in drawn]), np.concatenate([d[1] for d in drawn])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _hold(images: np.ndarray, targets: np.ndarray) -> None:
    global _held
    # Ctrl-C is the parent's to handle: it stops the pool; a worker's own traceback would only add noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _held = (images, targets)


def _draw_part(batch_size: int, seed: int, epoch: int, first: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    images, targets = _held
    order = epoch_order(len(images), seed, epoch)
    drawn = [draw_batch(images, targets, order, batch_size, seed, epoch, index) for index in range(first, stop)]
    return np.concatenate([d[0] for d in drawn]), np.concatenate([d[1] for d in drawn])
