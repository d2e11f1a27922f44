"""An emulated Raspberry Pi OS (Bookworm, arm64) Python, for running cnnkit as a Pi would.

Built from Debian bookworm's arm64 ``python3.11`` packages (``apt-get download`` +
``dpkg -x``) and the aarch64 wheels of exactly what ``pip install 'cnnkit[pi]'`` asks
for (read from pyproject.toml), plus onnxruntime for the ``.onnx`` check; never
TensorFlow. cnnkit itself is installed from a wheel built from this checkout, so
the packaging is tested too. Run with ``qemu-aarch64-static -cpu cortex-a72`` inside
a private mount namespace where a Raspberry-Pi-4-like ``/proc/cpuinfo`` and CPU tree
are bind-mounted: the CPU-detection code inside LiteRT's XNNPACK and onnxruntime
crashes on the x86 host's files.

Raspberry Pi OS's apt ``python3-simplejpeg`` (which picamera2 imports) is stood in for
by simplejpeg 1.7.2, built like it for numpy 1, in a folder that plays the system
site-packages a ``--system-site-packages`` venv sees after its own.

The ``pi-desktop`` profile's OpenCV (with a Qt window) is fetched beside it, with
the X11 and OpenGL libraries of Raspberry Pi OS's desktop in their own folder, so a
test can import it with and without them. Everything but cnnkit's own wheel is
cached between runs (``$CNNKIT_PI_CACHE``, else ``~/.cache/cnnkit/pi-bookworm-arm64``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import tomllib

PROJECT = Path(__file__).resolve().parent.parent

# Raspberry Pi OS Lite: the interpreter and what it links against.
DEBS = (
    "python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libc6 libexpat1 zlib1g libssl3 libffi8 "
    "libbz2-1.0 liblzma5 libsqlite3-0 libuuid1 libgcc-s1 libstdc++6 libncursesw6 libtinfo6 libreadline8 libcrypt1 "
    "libnsl2 libtirpc3 libdb5.3 libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libcom-err2 libkeyutils1 "
    "libgomp1"
).split()
# What the desktop image adds that opencv-python's Qt build links against (X11, OpenGL, GLib).
DESKTOP_DEBS = (
    "libgl1 libglvnd0 libglx0 libx11-6 libxcb1 libxau6 libxdmcp6 libbsd0 libmd0 libice6 libsm6 libxext6 "
    "libglib2.0-0 libmount1 libselinux1 libpcre2-8-0 libblkid1"
).split()
# Built for numpy 1, as the apt python3-simplejpeg of Raspberry Pi OS Bookworm is (numpy 1.24).
SYSTEM_SIMPLEJPEG = "simplejpeg==1.7.2"
# Bookworm has glibc 2.36: every manylinux tag up to it fits (pip does not infer older tags from newer ones).
PLATFORMS = ["manylinux2014_aarch64"] + [f"manylinux_2_{minor}_aarch64" for minor in range(17, 37)]

_CPUINFO = "".join(
    f"processor\t: {cpu}\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\n"
    f"CPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd08\nCPU revision\t: 3\n\n"
    for cpu in range(4)
) + "Hardware\t: BCM2835\nRevision\t: c03114\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n"


class Unavailable(Exception):
    """This machine cannot emulate a Pi; the message says why."""


@dataclass(frozen=True)
class Requirements:
    """What the Pi profiles install, as pyproject.toml states it."""

    pi: tuple[str, ...]  # the base dependencies and the `pi` extra
    onnx: tuple[str, ...]  # onnxruntime, for checking .onnx models too (the `camera` profile has it)
    desktop_opencv: tuple[str, ...]  # the OpenCV of the `pi-desktop` extra


def requirements() -> Requirements:
    """Read the Pi profiles from pyproject.toml, so the test follows the extras."""
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return Requirements(
        pi=tuple(project["dependencies"] + extras["pi"]),
        onnx=tuple(r for r in extras["runtime"] if r.startswith("onnxruntime")),
        desktop_opencv=tuple(r for r in extras["pi-desktop"] if r.startswith("opencv")),
    )


def cache_dir() -> Path:
    return Path(os.environ.get("CNNKIT_PI_CACHE") or Path.home() / ".cache" / "cnnkit" / "pi-bookworm-arm64")


def check_host() -> None:
    """Raise Unavailable unless qemu, unshare with mount namespaces, and Debian's tools are here."""
    for tool in ("qemu-aarch64-static", "unshare", "apt-get", "dpkg"):
        if shutil.which(tool) is None:
            raise Unavailable(f"{tool} is not installed (Debian: qemu-user-static, util-linux, apt, dpkg)")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        raise Unavailable(f"unshare -m does not work here ({probe.stderr.strip() or probe.returncode})")
    arches = subprocess.run(["dpkg", "--print-foreign-architectures"], capture_output=True, text=True).stdout.split()
    if "arm64" not in arches:
        raise Unavailable("dpkg has no arm64 architecture (dpkg --add-architecture arm64 && apt-get update)")


def build() -> Path:
    """Build (or reuse) the sysroot, the wheels and the fake CPU files; return the cache folder."""
    check_host()
    root = cache_dir()
    stamp = root / "stamp"
    wanted_wheels = requirements()
    inputs = (DEBS, DESKTOP_DEBS, wanted_wheels, SYSTEM_SIMPLEJPEG, PLATFORMS, _CPUINFO)
    wanted = hashlib.sha256(repr(inputs).encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return root
    shutil.rmtree(root, ignore_errors=True)
    _unpack_debs(DEBS, root / "debs", root / "sysroot")
    _unpack_debs(DESKTOP_DEBS, root / "desktop-debs", root / "desktop")
    install_aarch64_wheels([*wanted_wheels.pi, *wanted_wheels.onnx], root / "site")
    install_aarch64_wheels([*wanted_wheels.desktop_opencv, "--no-deps"], root / "site-desktop")
    install_aarch64_wheels([SYSTEM_SIMPLEJPEG, "--no-deps"], root / "system-site")
    _write_fake_cpu(root / "fake")
    # What a venv's python is on a Pi: a path that runs the interpreter, so sys.executable can start
    # child interpreters (cnnkit doctor probes in them). The host's shell runs it; qemu runs Python.
    wrapper = root / "sysroot" / "usr" / "bin" / "pi-python"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'exec qemu-aarch64-static -cpu cortex-a72 -L {root / "sysroot"} -0 {wrapper} '
        f'{root / "sysroot" / "usr/bin/python3.11"} "$@"\n'
    )
    wrapper.chmod(0o755)
    stamp.write_text(wanted)
    return root


def build_wheel(into: Path) -> Path:
    """Build cnnkit's wheel from this checkout into the folder ``into``; return its path."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(into), str(PROJECT)],
        capture_output=True,
        text=True,
    )
    if built.returncode != 0:
        raise AssertionError(f"cnnkit's wheel does not build: {built.stderr[-2000:]}")
    (wheel,) = into.glob("cnnkit-*.whl")
    return wheel


def install_aarch64_wheels(wanted: list[str], target: Path) -> None:
    """``pip install --target`` the aarch64 CPython 3.11 wheels of ``wanted`` (requirements and pip options).

    Raises:
        Unavailable: pip could not fetch them (no registry, or no aarch64 wheel).
    """
    platforms = [arg for platform in PLATFORMS for arg in ("--platform", platform)]
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--target", str(target), *platforms, "--only-binary=:all:",
         "--python-version", "3.11", "--implementation", "cp", *wanted],
        capture_output=True,
        text=True,
    )
    if pip.returncode != 0:
        raise Unavailable(f"aarch64 wheels could not be fetched: {pip.stderr.strip().splitlines()[-1:]}")


def install_project(target: Path) -> Path:
    """Build cnnkit's wheel from this checkout and install it (no dependencies) into ``target``."""
    wheel = build_wheel(target.parent / "cnnkit-wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    return target


def run_python(
    root: Path,
    args: list[str],
    *,
    project: Path,
    desktop_opencv: bool = False,
    desktop_libraries: bool = False,
    system_packages: Path | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess:
    """Run the emulated Pi's Python with ``args``.

    Args:
        root: What :func:`build` returned.
        args: Arguments of ``python3``.
        project: Where cnnkit is installed (see :func:`install_project`).
        desktop_opencv: Import the ``pi-desktop`` OpenCV (Qt window) instead of the headless one.
        desktop_libraries: Add the desktop image's X11/OpenGL libraries (Raspberry Pi OS Lite has none).
        system_packages: A folder that plays the system site-packages (after the venv's, as
            ``--system-site-packages`` orders them); the stand-in simplejpeg is added to it.
        timeout: Seconds before the run is stopped.
    """
    script = (
        f"mount --bind {root / 'fake' / 'cpuinfo'} /proc/cpuinfo && "
        f"mount --bind {root / 'fake' / 'cpu'} /sys/devices/system/cpu && "
        f'exec {root / "sysroot" / "usr/bin/pi-python"} "$@"'
    )
    path = [project, root / "site"]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
    }
    if desktop_opencv:
        path.insert(1, root / "site-desktop")
    if desktop_libraries:
        env["LD_LIBRARY_PATH"] = f"{root / 'desktop' / 'usr/lib/aarch64-linux-gnu'}:{root / 'desktop' / 'lib/aarch64-linux-gnu'}"
    if system_packages is not None:
        path += [system_packages, root / "system-site"]
    env["PYTHONPATH"] = ":".join(map(str, path))
    return subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "pi-python", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def _unpack_debs(names: list[str], debs: Path, into: Path) -> None:
    debs.mkdir(parents=True)
    download = subprocess.run(
        ["apt-get", "download", "-qq", *(f"{name}:arm64" for name in names)], cwd=debs, capture_output=True, text=True
    )
    if download.returncode != 0:
        raise Unavailable(f"apt-get download failed: {download.stderr.strip().splitlines()[-1:]}")
    for deb in debs.glob("*.deb"):
        subprocess.run(["dpkg", "-x", str(deb), str(into)], check=True)


def _write_fake_cpu(fake: Path) -> None:
    (fake / "cpu").mkdir(parents=True)
    (fake / "cpuinfo").write_text(_CPUINFO)
    for name in ("possible", "present", "online"):
        (fake / "cpu" / name).write_text("0-3\n")
    (fake / "cpu" / "kernel_max").write_text("3\n")
    for cpu in range(4):
        topology = fake / "cpu" / f"cpu{cpu}" / "topology"
        topology.mkdir(parents=True)
        for name, value in (("core_id", cpu), ("physical_package_id", 0), ("core_siblings_list", "0-3"),
                            ("thread_siblings_list", cpu), ("package_cpus_list", "0-3"), ("core_cpus_list", cpu)):
            (topology / name).write_text(f"{value}\n")
        frequency = fake / "cpu" / f"cpu{cpu}" / "cpufreq"
        frequency.mkdir()
        (frequency / "cpuinfo_max_freq").write_text("1800000\n")
        (frequency / "cpuinfo_min_freq").write_text("600000\n")
        (fake / "cpu" / f"cpu{cpu}" / "online").write_text("1\n")
