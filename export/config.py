"""What `cnnkit export` can produce: formats, quantizations and the frozen config of one run."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path

from core.errors import ConfigError
from core.options import check_seed


class ExportFormat(str, enum.Enum):
    TFLITE = "tflite"
    ONNX = "onnx"
    TFLM = "tflm"  # a TensorFlow Lite Micro project folder around the int8 .tflite
    ALL = "all"  # every TFLite and ONNX variant (not the TFLM folder)


class Quantization(str, enum.Enum):
    NONE = "none"  # float32 weights and activations
    FLOAT16 = "float16"  # float16 weights, float32 compute
    DYNAMIC = "dynamic"  # int8 weights, activations quantized on the fly
    INT8 = "int8"  # every op int8, calibrated on training images


class CalibrationMethod(str, enum.Enum):
    """onnxruntime's calibration methods for static int8 quantization."""

    MINMAX = "minmax"
    ENTROPY = "entropy"
    PERCENTILE = "percentile"


# Which quantizations each format supports, and the file-name tag of each variant.
SUPPORTED: dict[ExportFormat, tuple[Quantization, ...]] = {
    ExportFormat.TFLITE: (Quantization.NONE, Quantization.FLOAT16, Quantization.DYNAMIC, Quantization.INT8),
    ExportFormat.ONNX: (Quantization.NONE, Quantization.INT8),
    ExportFormat.TFLM: (Quantization.INT8,),
}
DEFAULT_QUANTIZATION = {
    ExportFormat.TFLITE: Quantization.INT8,
    ExportFormat.ONNX: Quantization.NONE,
    ExportFormat.TFLM: Quantization.INT8,
}
# Names the TFLM array, files and C++ namespace.
C_NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
FILE_TAG = {Quantization.NONE: "fp32", Quantization.FLOAT16: "fp16", Quantization.DYNAMIC: "dynamic", Quantization.INT8: "int8"}


@dataclass(frozen=True)
class Variant:
    """One file to write: a format and a quantization."""

    format: ExportFormat
    quantization: Quantization

    def file_name(self, stem: str) -> str:
        suffix = "tflite" if self.format is ExportFormat.TFLM else self.format.value
        return f"{stem}_{FILE_TAG[self.quantization]}.{suffix}"


@dataclass(frozen=True)
class ExportConfig:
    """One `cnnkit export` run.

    Attributes:
        model_path: The trained ``.keras`` file.
        variants: The files to write.
        out: A folder for the files, or (with a single variant) the file itself; for
            ``tflm``, the project folder.
        calibration_samples: Training images used to calibrate int8 models.
        calibration_method: For ONNX int8.
        per_channel: Per-channel weight scales for ONNX int8.
        seed: Picks the calibration images.
        c_name: For ``tflm``: names the C++ array, files and namespace.
    """

    model_path: Path
    variants: tuple[Variant, ...]
    out: Path
    calibration_samples: int = 500
    calibration_method: CalibrationMethod = CalibrationMethod.MINMAX
    per_channel: bool = True
    seed: int = 0
    c_name: str = "model_int8"

    def __post_init__(self) -> None:
        check_seed(self.seed)
        if not C_NAME_PATTERN.fullmatch(self.c_name):
            raise ConfigError(f"--c-name {self.c_name!r} cannot name a C++ array: letters, digits and _, not a digit first")
        is_tflm = [variant.format is ExportFormat.TFLM for variant in self.variants]
        if any(is_tflm) and (len(self.variants) > 1 or self.out.suffix in {".tflite", ".onnx"}):
            raise ConfigError(f"--format tflm writes a project folder; --out {self.out} must name a folder")
        if self.calibration_samples < 10:
            raise ConfigError(f"calibration needs at least 10 images (one per class), got {self.calibration_samples}")
        if self.out.suffix in {".tflite", ".onnx"}:
            if len(self.variants) > 1:
                raise ConfigError(f"--out {self.out} names one file, but {len(self.variants)} models are exported; give a folder")
            if self.out.suffix != f".{self.variants[0].format.value}":
                raise ConfigError(f"--out {self.out} does not end in .{self.variants[0].format.value}")


def variants_for(fmt: ExportFormat, quantization: Quantization | None) -> tuple[Variant, ...]:
    """The variants an export of ``fmt`` writes: every one for ``all``, else one.

    Raises:
        ConfigError: The format does not support the quantization.
    """
    if fmt is ExportFormat.ALL:
        if quantization is not None:
            raise ConfigError("--quantize applies to one format; --format all writes every variant")
        return tuple(Variant(f, q) for f in (ExportFormat.TFLITE, ExportFormat.ONNX) for q in SUPPORTED[f])
    chosen = quantization or DEFAULT_QUANTIZATION[fmt]
    if chosen not in SUPPORTED[fmt]:
        names = ", ".join(q.value for q in SUPPORTED[fmt])
        raise ConfigError(f"{fmt.value} export supports --quantize {names}, not {chosen.value}")
    return (Variant(fmt, chosen),)
