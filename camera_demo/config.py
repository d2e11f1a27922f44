"""The camera demo's options, declared once: the frozen config and the command line built from it.

Both ``python -m camera_demo`` and ``cnnkit camera`` parse their arguments with
:func:`parse_camera_args`, so an option, its help and its check live in one place.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

from camera_demo.server import parse_address
from core.errors import ConfigError
from core.outputs import check_output, json_lines_with_key


def _option(help_text: str, **argparse_options: object) -> dict:
    return {"help": help_text, **argparse_options}


@dataclass(frozen=True)
class CameraConfig:
    """One run of the demo. Each field is a command-line option (``max_frames`` → ``--max-frames``).

    Attributes:
        model: An exported ``.tflite`` or ``.onnx``.
        source: Webcam index, ``picamera2``, a video file, or a folder/glob of images.
        headless: No window.
        jsonl: Where to write one JSON object per frame (``-`` for standard output).
        serve: HOST:PORT (or PORT, on 127.0.0.1) for the web view; None for none.
        max_frames: Stop after this many frames.
        threads: Threads for inference and for OpenCV's work on each frame (finding digits).
        width, height: Requested camera size.
        force: Replace a ``jsonl`` file that is not a frame log of the demo's.
        loop: Play a file source over and over.
        realtime: Pace a file source at its own frame rate.
    """

    model: Path = field(metadata=_option("exported .tflite or .onnx model", type=Path, metavar="PATH"))
    source: str = field(default="0", metadata=_option("webcam index, 'picamera2', a video file, or a folder/glob of images (default 0)"))
    headless: bool = field(default=False, metadata=_option("no window", action="store_true"))
    jsonl: str | None = field(default=None, metadata=_option("one JSON object per frame to this file, '-' for standard output", metavar="PATH"))
    serve: str | None = field(default=None, metadata=_option("web view of the live picture at HOST:PORT (PORT alone binds 127.0.0.1)", metavar="HOST:PORT"))
    max_frames: int | None = field(default=None, metadata=_option("stop after this many frames", type=int, metavar="N"))
    threads: int = field(default=1, metadata=_option("threads for inference and for finding digits (default 1)", type=int, metavar="N"))
    width: int | None = field(default=None, metadata=_option("requested camera width, with --height", type=int, metavar="PX"))
    height: int | None = field(default=None, metadata=_option("requested camera height, with --width", type=int, metavar="PX"))
    force: bool = field(default=False, metadata=_option("replace a --jsonl file that is not a cnnkit frame log", action="store_true"))
    loop: bool = field(default=False, metadata=_option("play a video or image folder over and over (to watch it with --serve)", action="store_true"))
    realtime: bool = field(default=False, metadata=_option(
        "show a video at its own frame rate (an image folder at one image a second) instead of as fast as it is read",
        action="store_true"))

    def __post_init__(self) -> None:
        if self.max_frames is not None and self.max_frames < 1:
            raise ConfigError(f"--max-frames must be at least 1, got {self.max_frames}")
        if self.threads < 1:
            raise ConfigError(f"--threads must be at least 1, got {self.threads}")
        if (self.width is None) != (self.height is None):
            raise ConfigError("give --width and --height together")
        if self.width is not None and self.height is not None and (self.width < 1 or self.height < 1):
            raise ConfigError(f"--width and --height must be positive, got {self.width}×{self.height}")
        if self.serve is not None:
            parse_address(self.serve)
        if (self.loop or self.realtime) and (self.source.isdigit() or self.source == "picamera2"):
            raise ConfigError("--loop and --realtime are for a video file or an image folder, not a camera")
        if self.jsonl not in (None, "-"):
            inputs = [self.model, Path(self.source)]
            check_output(Path(self.jsonl), option="--jsonl", inputs=inputs, is_ours=json_lines_with_key("frame"),
                         kind="frame log", force=self.force)


def camera_parser(prog: str, *, model_required: bool = True) -> argparse.ArgumentParser:
    """An argparse parser with one option per :class:`CameraConfig` field."""
    parser = argparse.ArgumentParser(
        prog=prog, description="Read handwritten digits live from a camera, the Pi camera, a video or images; q, Esc or Ctrl-C quits."
    )
    for spec in fields(CameraConfig):
        options = dict(spec.metadata)
        options["default"] = None if spec.default is MISSING else spec.default
        if spec.name == "model":
            options["required"] = model_required
            if not model_required:
                options["help"] += " (default: the newest runs/*/model_int8.tflite)"
        parser.add_argument("--" + spec.name.replace("_", "-"), dest=spec.name, **options)
    return parser


def parse_camera_args(
    argv: Sequence[str], prog: str, *, default_model: Callable[[], Path] | None = None
) -> CameraConfig:
    """Parse a command line into a checked config.

    Args:
        argv: The arguments after the command.
        prog: The command's name, for usage and help.
        default_model: Called for the model when ``--model`` is not given; None makes it required.

    Raises:
        SystemExit: Usage errors (exit 2) and ``--help`` (exit 0), as argparse does.
        CameraError: A value out of range.
    """
    args = vars(camera_parser(prog, model_required=default_model is None).parse_args(list(argv)))
    if args["model"] is None and default_model is not None:
        args["model"] = default_model()
    return CameraConfig(**args)
