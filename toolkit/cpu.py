"""What the CPU is, and whether it has instructions that make int8 inference faster than float32.

int8 only beats float32 where the CPU multiplies int8 pairs faster than float pairs. x86
CPUs with AVX2 alone do not: XNNPACK's and onnxruntime's int8 kernels there widen to 16
bits and multiply-add 16 pairs an instruction, as a float32 FMA does. AVX-VNNI and
AVX-512 VNNI do 32 or 64. Arm's NEON without a dot product widens to 16 bits as well; its
dot product (SDOT, e.g. a Raspberry Pi 5's Cortex-A76) does 16 where its float FMA does 4.
"""

from __future__ import annotations

import platform
from pathlib import Path

_CPUINFO = Path("/proc/cpuinfo")

# cpuinfo flag → what a person calls it, fastest first.
_X86_INT8 = (("amx_int8", "AMX-INT8"), ("avx512_vnni", "AVX-512 VNNI"), ("avx_vnni", "AVX-VNNI"))
_ARM_INT8 = (("i8mm", "Arm I8MM"), ("asimddp", "Arm dot product (SDOT)"))


def _fields(cpuinfo: Path) -> dict[str, str]:
    fields: dict[str, str] = {}
    try:
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip().lower(), value.strip())
    except OSError:
        pass
    return fields


def cpu_model(cpuinfo: Path = _CPUINFO) -> str:
    """The CPU's name: x86's "model name", else a Raspberry Pi's "Model" or "Hardware" line."""
    fields = _fields(cpuinfo)
    for key in ("model name", "model", "hardware"):
        # x86 also has a numeric "model" (the CPU revision): only a name will do.
        if fields.get(key) and not fields[key].isdigit():
            return fields[key]
    return platform.processor() or platform.machine()


def int8_instructions(cpuinfo: Path = _CPUINFO) -> str | None:
    """The CPU's int8 dot-product instructions by name (e.g. "AVX-512 VNNI"), or None when it has none.

    Read from the "flags" (x86) or "Features" (Arm) line of ``cpuinfo``; None also when that
    cannot be read.
    """
    return _int8_in(_fields(cpuinfo))


def int8_note(cpuinfo: Path = _CPUINFO) -> str:
    """One sentence on what int8 models can gain on this CPU, for bench's caption."""
    fields = _fields(cpuinfo)
    found = _int8_in(fields)
    if found is not None:
        # Measured on a Xeon with AMX-INT8: int8 TFLite 90 µs a digit against float32's 93 µs,
        # 1.2× its images a second in batches: the instructions help, a call's fixed cost hides most of it.
        return (f"int8: this CPU has {found}: int8 multiply-adds can outpace float32's here, but on a "
                "model this small each call's fixed cost can hide the gain (compare the rows).")
    if "avx2" in fields.get("flags", "").split():
        return ("int8: this CPU has AVX2 but no VNNI: int8 multiply-adds run at float32's rate, "
                "so int8 models are smaller here, not faster (float32 or dynamic-range is the one to deploy).")
    if "asimd" in fields.get("features", "").split():
        return ("int8: this CPU has NEON but no dot product (like a Raspberry Pi 4's Cortex-A72): int8 "
                "kernels widen to 16 bits, so int8 gains little speed over float32; it is 4× smaller.")
    return "int8: no int8 dot-product instructions were found on this CPU."


def _int8_in(fields: dict[str, str]) -> str | None:
    flags = set(fields.get("flags", "").split())
    features = set(fields.get("features", "").split())
    for flag, name in _X86_INT8:
        if flag in flags:
            return name
    for feature, name in _ARM_INT8:
        if feature in features:
            return name
    return None
