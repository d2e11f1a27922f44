"""Read the digits in a frame or photo: find the ink, read every way of splitting it in one batch, keep the likeliest."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from runtime import opencv
from runtime.config import FindOptions
from runtime.errors import InputError
from runtime.model import DigitModel
from runtime.preprocess import find_ink, to_gray
from runtime.segment import build_lattice

# Below this softmax probability a candidate is "not a digit" (a pen cap, a smudge); it is also
# the cost of leaving a digit-sized piece out (see runtime.segment).
DEFAULT_MIN_CONFIDENCE = 0.5
# The same for a model that learnt non-digits as "every class alike" (its metadata says so): a
# smudge or a piece of a digit rarely reads above 0.3 with it, while a real digit drawn oddly
# often reads between 0.3 and 0.5 (at 0.5 such a model dropped it: "39846" read "3846"). Measured
# on the tuning pages with the seed-0 default model: multi-digit 81.5% → 82.7%; a reference-recipe
# model, which never saw a non-digit, lost 1.2 points there at 0.3 and keeps 0.5.
NON_DIGIT_AWARE_MIN_CONFIDENCE = 0.3

MAX_IMAGE_FILE_BYTES = 256 * 2**20
MIN_IMAGE_SIDE = 8


@dataclass(frozen=True)
class Digit:
    """One digit read: its class, how sure the model is, and where it stands.

    Attributes:
        image: uint8 (28, 28), the digit as the model read it (MNIST-style); not in the JSON.
    """

    label: int
    name: str
    confidence: float
    box: tuple[int, int, int, int]
    image: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """``{"label", "name", "confidence", "box": [x, y, w, h]}``, the box in image pixels."""
        return {"label": self.label, "name": self.name, "confidence": round(self.confidence, 4), "box": list(self.box)}


@dataclass(frozen=True)
class Reading:
    """What a frame says.

    Attributes:
        digits: Accepted digits, left to right.
        rejected: Candidates found but below the confidence threshold.
        timings_ms: Milliseconds spent finding digits and running the model.
    """

    digits: tuple[Digit, ...]
    rejected: int = 0
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def number(self) -> str | None:
        """The digits' names joined, when they stand on one line; else None."""
        return "".join(digit.name for digit in self.digits) if self.digits and on_one_line(self.digits) else None

    def to_json(self) -> dict[str, Any]:
        """``{"number": str | None, "digits": [...]}``: what `predict --json`, `--jsonl` and the web view say."""
        return {"number": self.number, "digits": [digit.to_json() for digit in self.digits]}


def default_min_confidence(model: DigitModel) -> float:
    """How sure a reading must be to count as a digit with ``model``: lower if it learnt non-digits."""
    metadata = getattr(model, "metadata", None)  # stand-in models (tests, benchmarks) have none
    learnt = metadata is not None and metadata.learnt_non_digits is True
    return NON_DIGIT_AWARE_MIN_CONFIDENCE if learnt else DEFAULT_MIN_CONFIDENCE


def read_digits(
    image: np.ndarray,
    model: DigitModel,
    *,
    options: FindOptions = FindOptions(),
    min_confidence: float | None = None,
) -> Reading:
    """Find and classify every digit in ``image``.

    Args:
        image: A frame or photo (see :func:`runtime.preprocess.to_gray`).
        model: A loaded model (:func:`runtime.load_model`).
        options: How digits are found.
        min_confidence: Candidates whose top probability is lower are rejected; None: the
            model's own (:func:`default_min_confidence`).

    Returns:
        The digits left to right, and the number they form on one line.
    """
    if min_confidence is None:
        min_confidence = default_min_confidence(model)
    started = time.perf_counter()
    page = find_ink(image, options)
    lattice = build_lattice(page, max_aspect=options.max_aspect, min_density=options.min_density)
    found = time.perf_counter()
    if not lattice.hypotheses:
        return Reading((), 0, {"find_ms": (found - started) * 1e3, "infer_ms": 0.0})
    images = lattice.images()
    probabilities = model.predict(images)
    chosen, rejected = lattice.best(probabilities, min_confidence)
    unsure = lattice.unsure_regions(chosen)
    if unsure:
        # A second look where the model could not read a region surely whole: cut it and read again.
        second = build_lattice(
            page, max_aspect=options.max_aspect, min_density=options.min_density, also_cut=unsure, first_look=lattice
        )
        if second.hypotheses:
            second_images = second.images()
            second_probabilities = _read_new_only(model, second_images, images, probabilities)
            chosen, rejected = second.best(second_probabilities, min_confidence)
    inferred = time.perf_counter()
    digits = tuple(
        Digit(label, model.class_names[label], confidence, hypothesis.box, hypothesis.image)
        for hypothesis, label, confidence in sorted(chosen, key=lambda item: item[0].box[0])
    )
    return Reading(
        digits,
        rejected,
        {"find_ms": (found - started) * 1e3, "infer_ms": (inferred - found) * 1e3},
    )


def _read_new_only(model: DigitModel, images: np.ndarray, known: np.ndarray, known_probabilities: np.ndarray) -> np.ndarray:
    """The model's output for ``images``, running it only on those not among ``known``.

    The second look rebuilds every hypothesis, but only the cut regions' ones are new.
    """
    seen = {image.tobytes(): row for image, row in zip(known, known_probabilities, strict=True)}
    rows = [seen.get(image.tobytes()) for image in images]
    new = [index for index, row in enumerate(rows) if row is None]
    if new:
        for index, row in zip(new, model.predict(images[new]), strict=True):
            rows[index] = row
    return np.stack(rows)


def on_one_line(digits: tuple[Digit, ...]) -> bool:
    """True when every digit's vertical centre lies within the others' height band."""
    centres = [y + h / 2 for _, y, _, h in (digit.box for digit in digits)]
    heights = [digit.box[3] for digit in digits]
    return max(centres) - min(centres) <= 0.5 * float(np.median(heights))


def read_image_file(path: str | Path, model: DigitModel, *, min_confidence: float | None = None) -> Reading:
    """Read the digits in an image file: a 28×28 MNIST-style digit, or a photo of handwriting.

    A 28×28 image is taken as one digit, white on black as in MNIST (a light
    background is inverted first); it is reported even when the model is unsure.
    Any other size is a photo or frame, read with :func:`read_digits`.

    Raises:
        InputError: The file is missing, a folder, empty, unreadable, over 256 MiB or 100
            megapixels, not an image OpenCV can decode, or under 8 pixels on a side.
    """
    cv2 = opencv.cv2()
    path = Path(path)
    try:
        if path.is_dir():
            raise InputError(f"{path} is a folder, not an image")
        if not path.is_file():
            raise InputError(f"{path} does not exist")
        size = path.stat().st_size
        if size == 0:
            raise InputError(f"{path} is empty")
        if size > MAX_IMAGE_FILE_BYTES:
            raise InputError(f"{path} is {size / 2**20:,.0f} MiB; cnnkit reads image files up to {MAX_IMAGE_FILE_BYTES // 2**20} MiB")
        encoded = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise InputError(f"{path} cannot be read ({exc.strerror or exc})") from None
    try:
        image = cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)
    except cv2.error:
        image = None
    if image is None:
        raise InputError(
            f"{path} is not an image OpenCV can read (or has more than {opencv.MAX_IMAGE_PIXELS // 10**6} megapixels)"
        )
    if min(image.shape[:2]) < MIN_IMAGE_SIDE:
        raise InputError(f"{path} is {image.shape[1]}×{image.shape[0]} pixels; a side under {MIN_IMAGE_SIDE} holds no digit")
    if image.shape[:2] != (28, 28):
        return read_digits(image, model, min_confidence=min_confidence)
    gray = to_gray(image)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if border.mean() > 127:
        gray = 255 - gray
    started = time.perf_counter()
    probabilities = model.predict(gray)[0]
    label = int(probabilities.argmax())
    digit = Digit(label, model.class_names[label], float(probabilities[label]), (0, 0, 28, 28), gray)
    return Reading((digit,), 0, {"find_ms": 0.0, "infer_ms": (time.perf_counter() - started) * 1e3})
