"""An emulated Raspberry Pi OS (Bookworm, arm64) Python, for running cnnkit's runtime as a Pi would.

Built from Debian bookworm's arm64 ``python3.11`` packages (``apt-get download`` +
``dpkg -x``) and the runtime's aarch64 wheels (``pip install --target --platform``),
never TensorFlow. Run with ``qemu-aarch64-static -cpu cortex-a72`` inside a private
mount namespace where a Raspberry-Pi-4-like ``/proc/cpuinfo`` and CPU tree are
bind-mounted: the CPU-detection code inside LiteRT's XNNPACK and onnxruntime crashes
on the x86 host's files. Everything is cached between runs (``$CNNKIT_PI_CACHE``,
else ``~/.cache/cnnkit/pi-bookworm-arm64``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

DEBS = (
    "python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libc6 libexpat1 zlib1g libssl3 libffi8 "
    "libbz2-1.0 liblzma5 libsqlite3-0 libuuid1 libgcc-s1 libstdc++6 libncursesw6 libtinfo6 libreadline8 libcrypt1 "
    "libnsl2 libtirpc3 libdb5.3 libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libcom-err2 libkeyutils1 "
    "libgomp1"
).split()
# What `cnnkit[pi]` and the CLI need, with the headless OpenCV build (a Pi desktop would use opencv-python).
WHEELS = ("numpy>=1.24", "ai-edge-litert>=2.3", "onnxruntime>=1.32", "opencv-python-headless>=4.8", "typer>=0.12")
# Bookworm has glibc 2.36: every manylinux tag up to it fits (pip does not infer older tags from newer ones).
PLATFORMS = ["manylinux2014_aarch64"] + [f"manylinux_2_{minor}_aarch64" for minor in range(17, 37)]

_CPUINFO = "".join(
    f"processor\t: {cpu}\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\n"
    f"CPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd08\nCPU revision\t: 3\n\n"
    for cpu in range(4)
) + "Hardware\t: BCM2835\nRevision\t: c03114\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n"


class Unavailable(Exception):
    """This machine cannot emulate a Pi; the message says why."""


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
    wanted = hashlib.sha256(repr((DEBS, WHEELS, PLATFORMS, _CPUINFO)).encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return root
    shutil.rmtree(root, ignore_errors=True)
    debs, sysroot, site = root / "debs", root / "sysroot", root / "site"
    debs.mkdir(parents=True)
    download = subprocess.run(
        ["apt-get", "download", "-qq", *(f"{name}:arm64" for name in DEBS)], cwd=debs, capture_output=True, text=True
    )
    if download.returncode != 0:
        raise Unavailable(f"apt-get download failed: {download.stderr.strip().splitlines()[-1:]}")
    for deb in debs.glob("*.deb"):
        subprocess.run(["dpkg", "-x", str(deb), str(sysroot)], check=True)
    platforms = [arg for platform in PLATFORMS for arg in ("--platform", platform)]
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--target", str(site), *platforms, "--only-binary=:all:",
         "--python-version", "3.11", "--implementation", "cp", *WHEELS],
        capture_output=True,
        text=True,
    )
    if pip.returncode != 0:
        raise Unavailable(f"aarch64 wheels could not be fetched: {pip.stderr.strip().splitlines()[-1:]}")
    fake = root / "fake"
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
    stamp.write_text(wanted)
    return root


def run_python(root: Path, args: list[str], *, project: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the emulated Pi's python3.11 with ``args``, cnnkit's source and the aarch64 wheels on its path."""
    script = (
        f"mount --bind {root / 'fake' / 'cpuinfo'} /proc/cpuinfo && "
        f"mount --bind {root / 'fake' / 'cpu'} /sys/devices/system/cpu && "
        f'exec qemu-aarch64-static -cpu cortex-a72 -L {root / "sysroot"} {root / "sysroot" / "usr/bin/python3.11"} "$@"'
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "PYTHONPATH": f"{root / 'site'}:{project}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
    }
    return subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "pi-python", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
