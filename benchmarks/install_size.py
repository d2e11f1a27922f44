"""Installed size of each cnnkit profile: what a Raspberry Pi installs against a training machine.

For each extra, a fresh virtual environment on this machine (`pip install '.[extra]'`),
measured on disk, plus the aarch64 wheels of the same extra (what a 64-bit Raspberry Pi
OS downloads and installs) unpacked into a folder. Reports the size, the package count,
and whether TensorFlow came along. pip's cache makes repeated runs quick.

Usage:
    python -m benchmarks.install_size [--extras pi pi-desktop camera all] [--no-aarch64]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

# The emulated-Pi test's helpers fetch aarch64 wheels and build cnnkit's wheel the same way.
from benchmarks.pi_emulation import build_wheel, install_aarch64_wheels

PROJECT = Path(__file__).resolve().parent.parent


def pip(python: Path, *args: str) -> None:
    """Run pip quietly; on failure, show what it said and stop."""
    completed = subprocess.run([str(python), "-m", "pip", *args], capture_output=True, text=True)
    if completed.returncode != 0:
        sys.exit(f"pip {' '.join(args[:2])} failed:\n{completed.stderr[-3000:]}")


def folder_bytes(folder: Path) -> int:
    """Bytes of every regular file below ``folder`` (links not followed)."""
    return sum(path.lstat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def distributions(site: Path) -> list[str]:
    return sorted(path.name.split("-")[0].lower() for path in site.glob("*.dist-info"))


def host_profile(extra: str, work: Path) -> tuple[int, list[str]]:
    """Install ``.[extra]`` into a new venv; return its size and its distributions."""
    env_dir = work / f"venv-{extra}"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    pip(python, "install", "-q", f"{PROJECT}[{extra}]")
    (site,) = env_dir.glob("lib/python3*/site-packages")
    return folder_bytes(env_dir), distributions(site)


def aarch64_profile(extra: str, wheel: Path, work: Path) -> tuple[int, list[str]]:
    """Install the aarch64 wheels (Bookworm, CPython 3.11) of ``cnnkit[extra]``; return their size and distributions."""
    target = work / f"aarch64-{extra}"
    install_aarch64_wheels([f"cnnkit[{extra}] @ {wheel.as_uri()}"], target)
    return folder_bytes(target), distributions(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extras", nargs="+", default=["pi", "pi-desktop", "camera", "all"])
    parser.add_argument("--no-aarch64", action="store_true", help="measure this machine's profiles only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        wheel = build_wheel(work)
        rows = []
        for extra in args.extras:
            measured = [("this machine", *host_profile(extra, work))]
            if not args.no_aarch64 and extra != "all":  # TensorFlow has aarch64 wheels, but no Pi should install it
                measured.append(("aarch64", *aarch64_profile(extra, wheel, work)))
            for where, size, packages in measured:
                rows.append((extra, where, size, packages))
                print(f"{extra:<11} {where:<13} {size / 1e6:8.0f} MB  {len(packages):3d} packages  "
                      f"tensorflow: {'yes' if 'tensorflow' in packages else 'no'}", flush=True)
        print()
        for extra, where, _, packages in rows:
            print(f"{extra} ({where}): {' '.join(packages)}")


if __name__ == "__main__":
    main()
