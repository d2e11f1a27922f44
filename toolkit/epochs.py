"""Epochs of redrawn training digits, drawn by worker processes while the network trains.

Redrawing is Python-heavy (a few OpenCV calls per image). In threads beside TensorFlow
(Keras' PyDataset workers) it held the interpreter lock that TensorFlow's step loop
needs: the default recipe took three times as long as the plain one, for 1.3 times the
images. Here worker processes, at the lowest priority, draw whole epochs ahead of use,
and Keras trains on plain arrays. On a two-core machine whose TensorFlow steps are fast
(AVX-512), the drawing's CPU is no longer hidden behind the steps: it is kept small
(about 10 ms a batch of 128 digits and 16 non-digits) and out of the steps' way.

Imports no TensorFlow: a worker loads only NumPy, OpenCV and the drawing code.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from core.contract import NUM_CLASSES
from toolkit.augment import augment, cut_from_touching, non_digits

NON_DIGIT_SHARE = 8  # a batch has one non-digit for every this many digits
TOUCHING_SHARE = 8  # one digit in this many is cropped from a neighbour it touches


def images_per_batch(batch_size: int) -> int:
    """How many images a full batch of ``batch_size`` digits holds once its non-digits are added."""
    return batch_size + _non_digit_count(batch_size)


def _non_digit_count(digits: int) -> int:
    """How many non-digits a batch of ``digits`` digits gets (at least one)."""
    return max(1, digits // NON_DIGIT_SHARE)


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
        uint8 (B + n, 28, 28) images and float32 (B + n, 10) targets, where B is the batch's
        digit count and n = max(1, B // NON_DIGIT_SHARE); the non-digits come last, each with
        the uniform target (every class equally likely), which is how the page reader learns to
        tell a good split from a bad one.
    """
    chosen = order[index * batch_size : (index + 1) * batch_size]
    rng = np.random.default_rng((seed, epoch, index))
    digits = augment(images[chosen], rng)
    touching = max(1, len(chosen) // TOUCHING_SHARE)
    digits[-touching:] = cut_from_touching(digits[-touching:], digits[:touching], rng)
    others = non_digits(digits[: _non_digit_count(len(chosen))], rng)
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

    Raises:
        RuntimeError: A drawing process failed or stopped (its message says why).
    """
    batches = -(-len(images) // batch_size)
    parts = np.array_split(np.arange(batches), max(1, min(workers, batches)))
    started: list[_Worker] = []
    try:
        for _ in parts:
            started.append(_Worker(images, targets))
        for asked in range(epochs + 1):
            # Collect epoch asked - 1, ask for epoch asked, then hand the collected one over:
            # the workers draw the next epoch while the caller trains on this one.
            drawn = [worker.answer() for worker in started] if asked else None
            if asked < epochs:
                for worker, part in zip(started, parts):
                    worker.ask((batch_size, seed, asked, int(part[0]), int(part[-1]) + 1))
            if drawn:
                yield _stacked(drawn)
    finally:
        for worker in started:
            worker.stop()


def _stacked(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """(images, targets) pairs, one after another, as one pair of arrays."""
    return np.concatenate([images for images, _ in parts]), np.concatenate([targets for _, targets in parts])


class _Worker:
    """One drawing process: ``python -m toolkit.epochs``, spoken to in pickles over its stdin and stdout.

    A plain subprocess rather than multiprocessing's: a spawned multiprocessing child imports
    the caller's main script again (a script without a ``__main__`` guard would train twice;
    one read from stdin cannot start at all), and a forked one would copy TensorFlow's threads.
    """

    def __init__(self, images: np.ndarray, targets: np.ndarray) -> None:
        root = str(Path(__file__).resolve().parents[1])  # where the toolkit package lies
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "toolkit.epochs"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )
        self.ask((images, targets))

    def ask(self, message: object) -> None:
        try:
            pickle.dump(message, self._process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._process.stdin.flush()
        except BrokenPipeError:
            raise RuntimeError(self._stopped()) from None

    def answer(self) -> tuple[np.ndarray, np.ndarray]:
        try:
            kind, value = pickle.load(self._process.stdout)
        except (EOFError, pickle.UnpicklingError):
            raise RuntimeError(self._stopped()) from None
        if kind == "error":
            raise RuntimeError(f"drawing the training images failed: {value}")
        return value

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            with contextlib.suppress(OSError):
                stream.close()

    def _stopped(self) -> str:
        return f"the process drawing the training images stopped (exit status {self._process.wait()})"


def _serve() -> None:
    """The worker's side: hold the training set, then draw each asked-for part of an epoch."""
    # Ctrl-C is the parent's to handle: it stops the workers; a worker's own traceback would only add noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The lowest priority: drawing should fill the cores' idle moments between TensorFlow's
    # steps rather than take a core from a step, whose threads then all wait for the slowest.
    # Alternated runs on a 2-core Xeon (default recipe, seed 0 then seed 1): 90 / 96 s of
    # training niced against 120 / 125 s not, then 124 / 121 s against 120 / 125 s: the
    # machine's swings hide any steady gain, but it never cost, and the epochs came in time.
    if hasattr(os, "nice"):
        os.nice(19)
    # One OpenCV thread: a 28×28 image is too small to share out; OpenCV's waiting threads spun
    # for as long as its work ran (15 s of CPU an epoch instead of 8 here, the same pictures).
    # Training's wall time hardly changed (TensorFlow's steps set the pace); the CPU is spared.
    import cv2

    cv2.setNumThreads(1)
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not break the pickles
    questions = sys.stdin.buffer
    images, targets = pickle.load(questions)
    while True:
        try:
            batch_size, seed, epoch, first, stop = pickle.load(questions)
        except EOFError:
            return
        try:
            order = epoch_order(len(images), seed, epoch)
            answer = ("drawn", _stacked([draw_batch(images, targets, order, batch_size, seed, epoch, i) for i in range(first, stop)]))
        except Exception as exc:  # reported to the parent, which raises it in training
            answer = ("error", f"{type(exc).__name__}: {exc}")
        pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


if __name__ == "__main__":
    _serve()
