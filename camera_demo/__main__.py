"""`python -m camera_demo`: the same demo as `cnnkit camera`, without the CLI's dependencies."""

from __future__ import annotations

import sys

from camera_demo.config import parse_camera_args
from camera_demo.loop import run
from core.errors import CnnkitError, ConfigError


def main(argv: list[str] | None = None) -> int:
    """Run the demo; one line and exit 1 on a problem cnnkit can name."""
    try:
        summary = run(parse_camera_args(sys.argv[1:] if argv is None else argv, "python -m camera_demo"))
    except CnnkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ConfigError) else 1
    print(summary.describe(), file=sys.stderr)
    if summary.ended_early:
        print(f"error: {summary.ended_early}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    from core.native_noise import quiet_unless_debugging

    with quiet_unless_debugging():  # LiteRT's "Created TensorFlow Lite XNNPACK delegate" note is not the demo's output
        code = main()
    sys.exit(code)
