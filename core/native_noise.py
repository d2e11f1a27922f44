"""Keep the chatter native libraries print to standard error out of the command line's output.

TensorFlow, absl, oneDNN, the TFLite converter and LiteRT's XNNPACK delegate write
start-up notes from C++ straight to file descriptor 2, where no Python setting reaches.
:func:`filtered_stderr` points the descriptor at a pipe for the duration and forwards every
line that is not a known note: warnings and errors (ours, Python's, the libraries' real
ones) still reach the terminal, in order and as they happen.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Notes the libraries print on every run. Anything else passes through.
NOISE = re.compile(
    "|".join(
        (
            r"^[IW]\d{4} \d\d:\d\d:[\d.]+\s+\d+ \S+:\d+\]",  # absl INFO and WARNING lines
            r"^E\d{4} .*(cuda|cuDNN|cuFFT|cuBLAS|factory for plugin)",  # absl errors of absent GPU libraries
            r"^WARNING: All log messages before absl::InitializeLog\(\) is called",
            r"^(INFO|WARNING):absl:",  # TensorFlow's Python-side notes (the converter's deprecation notice)
            r"^INFO: Created TensorFlow Lite XNNPACK delegate",
            r"^INFO: Initialized TensorFlow Lite runtime",
            r"oneDNN custom operations are on",
            r"This TensorFlow binary is optimized to use available CPU instructions",
            r"To enable the following instructions: .* rebuild TensorFlow",
            r"^fully_quantize: \d+, inference_type: \d+",  # the TFLite converter's quantizer
            r"Estimated count of arithmetic ops",
            r"^\S*cudart_stub\.cc",
        )
    )
)


DEBUG_ENV = "CNNKIT_DEBUG"


def debug_requested() -> bool:
    """CNNKIT_DEBUG=1 (or true, yes, on) asks for everything: tracebacks and the libraries' notes."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


@contextmanager
def quiet_unless_debugging() -> Iterator[None]:
    """:func:`filtered_stderr`, unless :func:`debug_requested`: then everything passes untouched."""
    if debug_requested():
        yield
        return
    with filtered_stderr():
        yield


def is_noise(line: str) -> bool:
    """True for a line that is one of the libraries' routine notes."""
    return bool(NOISE.search(line))


@contextmanager
def filtered_stderr() -> Iterator[None]:
    """Forward what is written to descriptor 2 line by line, dropping the libraries' notes."""
    try:
        sys.stderr.flush()
        terminal = os.dup(2)
        read_end, write_end = os.pipe()
    except (OSError, ValueError, AttributeError):  # no descriptor 2 (a GUI launcher): nothing to filter
        yield
        return
    forwarder = threading.Thread(target=_forward, args=(read_end, terminal), name="stderr-filter", daemon=True)
    forwarder.start()
    os.dup2(write_end, 2)
    os.close(write_end)
    try:
        yield
    finally:
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(terminal, 2)  # closes the pipe's last write end: the forwarder sees the end and stops
        forwarder.join(timeout=5)
        os.close(terminal)


def _forward(read_end: int, terminal: int) -> None:
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        pending = b""
        while chunk := pipe.read(65536):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            kept = [line for line in lines if not is_noise(line.decode("utf-8", "replace"))]
            if kept:
                os.write(terminal, b"".join(line + b"\n" for line in kept))
            if pending and not pending.startswith((b"I0", b"W0", b"E0", b"INFO:", b"WARNING:", b"fully_")):
                # A partial line that cannot be a note (a prompt, a progress bar): show it now.
                os.write(terminal, pending)
                pending = b""
        if pending and not is_noise(pending.decode("utf-8", "replace")):
            os.write(terminal, pending)
