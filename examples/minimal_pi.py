"""The whole camera loop on one screen: open the camera, read the digits, draw them, show them.

    python examples/minimal_pi.py MODEL [SOURCE] [--headless]

MODEL is an exported model (e.g. runs/quickstart/model_int8.tflite). SOURCE is a camera
index (default 0), ``picamera2`` for the Raspberry Pi camera, or a video file. Each frame's
number is printed; q quits the window. Only cnnkit's ``runtime/`` is used, no TensorFlow:
on a Pi, ``pip install 'cnnkit[pi-desktop]'`` (``cnnkit camera`` is the full demo).
"""

import sys

import cv2

from runtime import load_model
from runtime.reader import read_digits


def frames(source):
    """Yield BGR frames from a camera index, the Pi camera or a video file, until it ends."""
    if source == "picamera2":
        from picamera2 import Picamera2

        camera = Picamera2()
        camera.configure(camera.create_preview_configuration(main={"format": "RGB888", "size": (640, 480)}))
        camera.start()
        while True:
            yield camera.capture_array()
    capture = cv2.VideoCapture(int(source) if source.isdigit() else source)
    while (grabbed := capture.read())[0]:
        yield grabbed[1]
    capture.release()


def draw(frame, reading):
    """The frame with a box and a name for each digit, and the number at the top left."""
    for digit in reading.digits:
        x, y, w, h = digit.box
        cv2.rectangle(frame, (x, y), (x + w, y + h), (0, 200, 0), 2)
        cv2.putText(frame, digit.name, (x, max(20, y - 8)), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (0, 200, 0), 2)
    cv2.putText(frame, reading.number or "-", (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (0, 0, 255), 3)
    return frame


def main(model_path, source="0", headless=False):
    model = load_model(model_path, num_threads=1)
    for frame in frames(source):
        reading = read_digits(frame, model)
        print(reading.number or "-", flush=True)
        if not headless:
            cv2.imshow("cnnkit digits (q quits)", draw(frame, reading))
            if cv2.waitKey(1) & 0xFF == ord("q"):
                break


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--headless"]
    main(*arguments[:2], headless="--headless" in sys.argv)
