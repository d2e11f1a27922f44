"""Make the sample photo, digit and video that the README's first steps use.

MNIST test digits written on paper and photographed (``benchmarks/scenes.py``): a photo of
a four-digit number, one 28×28 digit, and a short video in which the page moves a little
and is then replaced by another number. Digits are chosen that the seed-0 model of the
default recipe reads right, so a first try shows the demo working; the benchmarks measure
the hard cases. Re-run it to remake the files (they are committed):

    CNNKIT_DATA=path/to/mnist python -m examples.make_samples
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from benchmarks.scenes import render_scene
from toolkit.data import load_mnist

HERE = Path(__file__).parent
# MNIST test images (index: label) for "2026" and "1957", clear and upright.
PHOTO_DIGITS = (1, 3, 35, 11)  # 2 0 2 6
SECOND_DIGITS = (2, 7, 15, 17)  # 1 9 5 7
FRAMES, FPS = 48, 12


def main() -> None:
    _, (x_test, y_test) = load_mnist()
    rng = np.random.default_rng(2026)
    photo = render_scene(x_test[list(PHOTO_DIGITS)], y_test[list(PHOTO_DIGITS)], rng)
    cv2.imwrite(str(HERE / "sample_photo.jpg"), photo.image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    cv2.imwrite(str(HERE / "sample_digit.png"), x_test[PHOTO_DIGITS[3]])
    second = render_scene(x_test[list(SECOND_DIGITS)], y_test[list(SECOND_DIGITS)], np.random.default_rng(1957))
    writer = cv2.VideoWriter(str(HERE / "sample_video.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (640, 480))
    for index in range(FRAMES):
        page = photo.image if index < FRAMES // 2 else second.image
        # A hand-held phone: the page drifts a few pixels and turns a little.
        angle, dx, dy = 1.5 * np.sin(index / 5), 6 * np.sin(index / 7), 4 * np.cos(index / 6)
        matrix = cv2.getRotationMatrix2D((320, 240), angle, 1.0)
        matrix[:, 2] += (dx, dy)
        writer.write(cv2.warpAffine(page, matrix, (640, 480), borderMode=cv2.BORDER_REPLICATE))
    writer.release()
    labels = ("".join(str(y_test[i]) for i in PHOTO_DIGITS), "".join(str(y_test[i]) for i in SECOND_DIGITS))
    for name in ("sample_photo.jpg", "sample_digit.png", "sample_video.mp4"):
        print(f"{name}: {(HERE / name).stat().st_size / 1024:.0f} KiB")
    print(f"the photo says {labels[0]}; the video says {labels[0]}, then {labels[1]}")


if __name__ == "__main__":
    main()
