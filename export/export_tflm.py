"""Full-integer TFLite → a TensorFlow Lite Micro project folder: C++ model array, header, example, README.

The folder holds what a user drops into an Arduino, ESP-IDF or Pico SDK project: the
model as an aligned ``const unsigned char`` array, the metadata as C++ constants,
the tensor arena TFLM needs (measured with TFLM's own allocator), the op resolvers to
register, and a minimal program that reads one digit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from export import export_tflite
from export.artifact import Artifact, TrainingDigits
from export.config import ExportConfig, Variant
from export.source import SourceModel
from runtime.tflite_flatbuffer import read_tflite_ops
from runtime.tflm_backend import ARENA_ALIGNMENT, measure_arena

# Builtin op → the MicroMutableOpResolver method that registers it.
RESOLVER_METHODS = {
    "CONV_2D": "AddConv2D",
    "DEPTHWISE_CONV_2D": "AddDepthwiseConv2D",
    "MAX_POOL_2D": "AddMaxPool2D",
    "AVERAGE_POOL_2D": "AddAveragePool2D",
    "RESHAPE": "AddReshape",
    "FULLY_CONNECTED": "AddFullyConnected",
    "SOFTMAX": "AddSoftmax",
    "QUANTIZE": "AddQuantize",
    "DEQUANTIZE": "AddDequantize",
    "SHAPE": "AddShape",
    "STRIDED_SLICE": "AddStridedSlice",
    "PACK": "AddPack",
    "RELU": "AddRelu",
}
# Room for what the reference kernels did not ask for: optimised kernels (CMSIS-NN, ESP-NN)
# request scratch buffers, and ports differ in bookkeeping. The example checks and says so.
ARENA_MARGIN = 0.25


@dataclass(frozen=True)
class TflmProject:
    """The files of a TFLM project folder and what was measured for them.

    Attributes:
        files: File name → content, for one folder.
        flash_bytes: Size of the model array (what the board's flash holds for the model).
        arena_measured_bytes: Smallest arena in which TFLM's reference kernels run the model.
        arena_bytes: The arena the example declares: measured, plus TFLM's 16-byte alignment
            slack and a 25% margin, rounded up to a KiB.
        resolver_methods: The ``MicroMutableOpResolver`` methods to call, one per op the model uses.
    """

    files: dict[str, bytes]
    flash_bytes: int
    arena_measured_bytes: int
    arena_bytes: int
    resolver_methods: tuple[str, ...]


def recommended_arena(measured: int) -> int:
    """Measured arena + alignment slack + margin, rounded up to a multiple of 1 KiB."""
    return math.ceil((measured + ARENA_ALIGNMENT) * (1 + ARENA_MARGIN) / 1024) * 1024


def model_ops(content: bytes) -> tuple[str, ...]:
    """The builtin ops the model uses, each once, in the order the graph first runs them.

    Raises:
        ValueError: The model has an op this export does not know how to register (e.g. a custom op).
    """
    ops = tuple(dict.fromkeys(read_tflite_ops(content)))
    unknown = [op for op in ops if op not in RESOLVER_METHODS]
    if unknown:
        raise ValueError(f"the model uses {', '.join(unknown)}, which this TFLM export does not know how to register")
    return ops


def export(source: SourceModel, variant: Variant, digits: TrainingDigits, config: ExportConfig, model_file: str) -> Artifact:
    """The full-integer ``.tflite`` and its TFLM project files, with the arena measured."""
    model = export_tflite.export(source, variant, digits, config, model_file)
    project = tflm_project(
        model.files[model_file],
        model.metadata.to_dict(),
        c_name=config.c_name,
        sample_digit=digits.sample,
        sample_label=source.class_names[digits.sample_label],
    )
    return Artifact(model_file, project.files, model.metadata, facts=project)


def tflm_project(
    content: bytes, metadata: dict[str, Any], *, c_name: str, sample_digit: np.ndarray, sample_label: str
) -> TflmProject:
    """Make the TFLM project for one full-integer ``.tflite``: its files and its measured needs.

    Args:
        content: The ``.tflite`` bytes, metadata embedded.
        metadata: The cnnkit record of the model (see ``export.metadata``).
        c_name: Names the array (``g_<c_name>_data``), the files and the C++ namespace.
        sample_digit: uint8 (28, 28) training digit the example program reads.
        sample_label: Its class name.

    Raises:
        ValueError: An op without a known resolver method.
        ModelError: TFLite Micro cannot run the model; InterpreterMissing: no tflite-micro.
    """
    ops = model_ops(content)
    methods = tuple(RESOLVER_METHODS[op] for op in ops)
    measured = measure_arena(content)
    arena = recommended_arena(measured)
    texts = {
        f"{c_name}_data.h": _header(c_name, metadata, len(content), measured, arena),
        f"{c_name}_data.cc": _source(c_name, content),
        f"{c_name}_example.cc": _example(c_name, methods, sample_digit, sample_label, metadata),
        "README.md": _readme(c_name, metadata, len(content), measured, arena, methods),
    }
    return TflmProject(
        files={f"{c_name}.tflite": content, **{name: text.encode("utf-8") for name, text in texts.items()}},
        flash_bytes=len(content),
        arena_measured_bytes=measured,
        arena_bytes=arena,
        resolver_methods=methods,
    )


def _c_string(text: str) -> str:
    # Non-ASCII as UTF-8 hex escapes, each closed by "" so a following hex digit is not swallowed.
    parts = []
    for byte in text.encode("utf-8"):
        if chr(byte) in '\\"':
            parts.append("\\" + chr(byte))
        elif 32 <= byte < 127:
            parts.append(chr(byte))
        else:
            parts.append(f'\\x{byte:02x}""')
    return '"' + "".join(parts) + '"'


def _float(value: float) -> str:
    return f"{value!r}f" if "e" in repr(value) or "." in repr(value) else f"{value!r}.0f"


def _header(c_name: str, metadata: dict[str, Any], length: int, measured: int, arena: int) -> str:
    guard = f"CNNKIT_{c_name.upper()}_DATA_H_"
    inp, out = metadata["input"], metadata["output"]
    names = ", ".join(_c_string(name) for name in metadata["class_names"])
    accuracy = metadata.get("keras_test_accuracy")
    return f"""// {c_name}: cnnkit's digit network, every op int8, for TensorFlow Lite Micro.
// Generated by cnnkit {metadata.get("cnnkit_version")} from a .keras with SHA-256
// {metadata.get("source_sha256")}. Re-export instead of editing.
#ifndef {guard}
#define {guard}

#include <cstddef>
#include <cstdint>

// The .tflite flatbuffer, 16-byte aligned as TFLM requires. Keep it const: it stays in flash.
extern const unsigned char g_{c_name}_data[];
extern const unsigned int g_{c_name}_data_len;

namespace {c_name} {{

// Preprocessing contract {metadata["contract"]}: one 28x28x1 digit, white ink on black like MNIST.
constexpr int kContractVersion = {metadata["contract"]};
constexpr int kInputHeight = 28;
constexpr int kInputWidth = 28;
constexpr int kInputChannels = 1;
constexpr int kInputSize = kInputHeight * kInputWidth * kInputChannels;
constexpr int kNumClasses = {len(metadata["class_names"])};

// Input tensor: {inp["dtype"]}, real = scale * (q - zero_point); a 0-255 pixel goes in as it is.
constexpr float kInputScale = {_float(float(inp["scale"]))};
constexpr int kInputZeroPoint = {int(inp["zero_point"])};
// Output tensor: {out["dtype"]} softmax probabilities, real = scale * (q - zero_point).
constexpr float kOutputScale = {_float(float(out["scale"]))};
constexpr int kOutputZeroPoint = {int(out["zero_point"])};

inline constexpr const char* kClassNames[kNumClasses] = {{{names}}};

constexpr const char* kSourceSha256 = {_c_string(str(metadata.get("source_sha256")))};
// The Keras model's accuracy on MNIST's 10,000 test digits (-1: not recorded).
constexpr float kKerasTestAccuracy = {_float(float(accuracy)) if accuracy is not None else "-1.0f"};

constexpr std::size_t kModelBytes = {length};
// Measured with TFLM's reference kernels on a 64-bit host: {measured} bytes. The arena below adds
// TFLM's 16-byte alignment slack and 25% for optimised kernels' scratch buffers.
constexpr std::size_t kTensorArenaMeasured = {measured};
constexpr std::size_t kTensorArenaSize = {arena};

}}  // namespace {c_name}

#endif  // {guard}
"""


def _source(c_name: str, content: bytes) -> str:
    rows = [", ".join(f"0x{byte:02x}" for byte in content[start : start + 16]) for start in range(0, len(content), 16)]
    body = ",\n    ".join(rows)
    return f"""// Generated by cnnkit: the {c_name} model as a C++ array. Re-export instead of editing.
#include "{c_name}_data.h"

alignas(16) const unsigned char g_{c_name}_data[] = {{
    {body}}};

const unsigned int g_{c_name}_data_len = {len(content)};
"""


def _example(c_name: str, methods: tuple[str, ...], digit: np.ndarray, label: str, metadata: dict[str, Any]) -> str:
    pixels = ",\n    ".join(", ".join(f"{int(v):3d}" for v in row) for row in np.asarray(digit, dtype=np.uint8).reshape(28, 28))
    registrations = "\n".join(f"  if (resolver.{method}() != kTfLiteOk) return -1;" for method in methods)
    input_field = "uint8" if metadata["input"]["dtype"] == "uint8" else "int8"
    input_cast = "" if input_field == "uint8" else "static_cast<int8_t>(static_cast<int>(kSampleDigit[i]) - 128)"
    assign = f"input->data.{input_field}[i] = {input_cast or 'kSampleDigit[i]'};"
    label_index = list(metadata["class_names"]).index(label)
    return f"""// A minimal TensorFlow Lite Micro program: read one 28x28 digit with {c_name}.
// Call RunDigitExample() from Arduino's setup(), ESP-IDF's app_main() or a Pico SDK main().
// Compile with -DCNNKIT_EXAMPLE_MAIN for a main() of its own (a host build of TFLM).
#include <cstdint>

#include "{c_name}_data.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_log.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/schema/schema_generated.h"

namespace {{

// The arena must outlive the interpreter; 16-byte alignment avoids wasting its first bytes.
alignas(16) uint8_t tensor_arena[{c_name}::kTensorArenaSize];

// A training digit labelled "{label}", 0-255, white ink on black. Replace it with a camera crop
// made MNIST-style: gray, the digit centred by its centre of mass in 28x28.
constexpr int kSampleLabel = {label_index};
const uint8_t kSampleDigit[{c_name}::kInputSize] = {{
    {pixels}}};

}}  // namespace

// Returns the class index read from kSampleDigit, or -1 on an error (logged).
int RunDigitExample() {{
  const tflite::Model* model = tflite::GetModel(g_{c_name}_data);
  if (model->version() != TFLITE_SCHEMA_VERSION) {{
    MicroPrintf("model schema %d, TFLM expects %d", static_cast<int>(model->version()), TFLITE_SCHEMA_VERSION);
    return -1;
  }}

  // Exactly the ops the model uses: registering fewer fails, more costs flash.
  static tflite::MicroMutableOpResolver<{len(methods)}> resolver;
{registrations}

  static tflite::MicroInterpreter interpreter(model, resolver, tensor_arena, sizeof(tensor_arena));
  if (interpreter.AllocateTensors() != kTfLiteOk) {{
    MicroPrintf("tensor arena of %d bytes too small; raise {c_name}::kTensorArenaSize",
                static_cast<int>(sizeof(tensor_arena)));
    return -1;
  }}
  MicroPrintf("arena used: %d of %d bytes", static_cast<int>(interpreter.arena_used_bytes()),
              static_cast<int>(sizeof(tensor_arena)));

  TfLiteTensor* input = interpreter.input(0);
  for (int i = 0; i < {c_name}::kInputSize; ++i) {{
    {assign}
  }}
  if (interpreter.Invoke() != kTfLiteOk) {{
    MicroPrintf("invoke failed");
    return -1;
  }}

  const TfLiteTensor* output = interpreter.output(0);
  int best = 0;
  for (int c = 1; c < {c_name}::kNumClasses; ++c) {{
    if (output->data.int8[c] > output->data.int8[best]) best = c;
  }}
  // Probability in whole percent (MicroPrintf may not format floats on every port).
  const int percent = static_cast<int>(
      100.0f * {c_name}::kOutputScale * (output->data.int8[best] - {c_name}::kOutputZeroPoint) + 0.5f);
  MicroPrintf("read %s (%d%%), labelled %s", {c_name}::kClassNames[best], percent,
              {c_name}::kClassNames[kSampleLabel]);
  return best;
}}

#ifdef CNNKIT_EXAMPLE_MAIN
int main() {{ return RunDigitExample() == kSampleLabel ? 0 : 1; }}
#endif
"""


def _readme(c_name: str, metadata: dict[str, Any], length: int, measured: int, arena: int, methods: tuple[str, ...]) -> str:
    accuracy = metadata.get("keras_test_accuracy")
    accuracy_text = f"{accuracy:.2%}" if accuracy is not None else "not recorded"
    return f"""# {c_name} for TensorFlow Lite Micro

cnnkit's digit network with every op int8, ready for a microcontroller. Generated by
`cnnkit export --format tflm`; re-export rather than edit.

| file | what it is |
|---|---|
| `{c_name}.tflite` | the model (LiteRT and `cnnkit verify --backend tflm` read it too) |
| `{c_name}_data.cc` / `.h` | the model as `g_{c_name}_data` (16-byte aligned, in flash) and its length; the header holds the metadata as constants in `namespace {c_name}` |
| `{c_name}_example.cc` | `RunDigitExample()`: resolver, interpreter, arena, one invoke on a 28×28 digit, argmax |

- **Flash**: {length:,} bytes for the model, plus TFLM and the kernels.
- **RAM**: a tensor arena of {arena:,} bytes (`kTensorArenaSize`). TFLM's reference kernels
  needed {measured:,} bytes, measured on a 64-bit host (a 32-bit board needs a little less);
  the rest is 16-byte alignment slack and a 25% margin for optimised kernels' scratch buffers.
  The example prints the arena it really used.
- **Ops to register** ({len(methods)}): {", ".join(f"`{m}`" for m in methods)}.
- **Input**: uint8 28×28×1, 0–255 (scale {metadata["input"]["scale"]:.6g}, zero point
  {metadata["input"]["zero_point"]}), white ink on black, the digit centred like MNIST.
  **Output**: int8 probabilities (scale {metadata["output"]["scale"]:.6g}, zero point
  {metadata["output"]["zero_point"]}) over classes {", ".join(metadata["class_names"])}.
- Keras test accuracy: {accuracy_text}. Prove the TFLM build reads as well:
  `cnnkit verify --backend tflm {c_name}.tflite --model <the .keras>`.

## Use it in a project

Copy the three C++ files into your project and call `RunDigitExample()` once; then replace
`kSampleDigit` with your camera's crop.

- **Arduino** (Nano 33 BLE, ESP32 boards): install a TFLM library for your board (e.g.
  *Chirale_TensorFLowLite* for Arm boards, *TensorFlowLite_ESP32* for ESP32), put the files
  beside your `.ino`, and call `RunDigitExample()` in `setup()` after `Serial.begin()`.
- **ESP-IDF** (ESP32, ESP32-S3, ESP32-CAM): `idf.py add-dependency "espressif/esp-tflite-micro"`,
  put the files in `main/` (add them to its `CMakeLists.txt`), call it from `app_main()`. ESP-NN
  kernels are used automatically.
- **Raspberry Pi Pico SDK**: add the `pico-tflmicro` library, list the files in
  `add_executable`, link `pico-tflmicro`, call it from `main()` after `stdio_init_all()`.

This code was not built for a board by cnnkit (no board toolchain here). cnnkit's tests
compile it with the host's `g++ -std=c++17 -Wall -Werror` against declarations of the TFLM
API it calls, and run the `.tflite` through the TFLM interpreter on the test digits.
"""
