"""TensorFlow Lite Micro: the exported project folder, its C++ code, and the model under TFLM's kernels."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("tflite_micro")

from core.errors import (
    ConfigError,  # noqa: E402
    ModelError,  # noqa: E402
)
from export.api import export_model  # noqa: E402
from export.config import ExportConfig, ExportFormat, variants_for  # noqa: E402
from export.export_tflm import RESOLVER_METHODS, recommended_arena  # noqa: E402
from runtime import load_model  # noqa: E402
from runtime.tflite_flatbuffer import read_tflite_ops  # noqa: E402
from runtime.tflm_backend import measure_arena, tflm_runtime  # noqa: E402

TFLM_API = Path(__file__).parent / "tflm_api"


@pytest.fixture(scope="module")
def tflm_export(small_run, tmp_path_factory):
    dataset, folder = small_run
    out = tmp_path_factory.mktemp("tflm") / "firmware"
    config = ExportConfig(folder / "model.keras", variants_for(ExportFormat.TFLM, None), out, calibration_samples=100, c_name="digits")
    (written,) = export_model(config, dataset.x_train, dataset.y_train)
    return dataset, out, written


def _header_constant(header: str, name: str) -> str:
    match = re.search(rf"\b{name} = ([^;]+);", header)
    assert match, name
    return match.group(1)


def test_project_folder_holds_the_model_its_array_and_its_metadata(tflm_export):
    _, out, written = tflm_export
    names = sorted(path.name for path in out.iterdir())
    assert names == sorted(
        ["digits.tflite", "digits.tflite.json", "digits_data.h", "digits_data.cc", "digits_example.cc", "README.md"]
    )
    content = (out / "digits.tflite").read_bytes()
    source = (out / "digits_data.cc").read_text()
    assert "alignas(16) const unsigned char g_digits_data[]" in source
    array = bytes(int(value, 16) for value in re.findall(r"0x([0-9a-f]{2})", source))
    assert array == content, "the C array is not the .tflite byte for byte"
    assert f"g_digits_data_len = {len(content)};" in source

    header = (out / "digits_data.h").read_text()
    metadata = json.loads((out / "digits.tflite.json").read_text())
    assert int(_header_constant(header, "kContractVersion")) == metadata["contract"] == 1
    assert float(_header_constant(header, "kInputScale").rstrip("f")) == pytest.approx(metadata["input"]["scale"])
    assert int(_header_constant(header, "kInputZeroPoint")) == metadata["input"]["zero_point"]
    assert float(_header_constant(header, "kOutputScale").rstrip("f")) == pytest.approx(metadata["output"]["scale"])
    assert int(_header_constant(header, "kOutputZeroPoint")) == metadata["output"]["zero_point"]
    assert _header_constant(header, "kSourceSha256").strip('"') == metadata["source_sha256"]
    names_text = _header_constant(header, r"kClassNames\[kNumClasses\]")
    assert re.findall(r'"([^"]*)"', names_text) == metadata["class_names"]
    assert int(_header_constant(header, "kTensorArenaSize")) == written.facts.arena_bytes
    assert written.facts.flash_bytes == len(content)


def test_resolver_registers_exactly_the_ops_the_model_uses(tflm_export):
    _, out, written = tflm_export
    ops = list(dict.fromkeys(read_tflite_ops((out / "digits.tflite").read_bytes())))
    assert list(written.facts.resolver_methods) == [RESOLVER_METHODS[op] for op in ops]
    example = (out / "digits_example.cc").read_text()
    registered = re.findall(r"resolver\.(Add\w+)\(\)", example)
    assert registered == list(written.facts.resolver_methods)
    assert f"MicroMutableOpResolver<{len(registered)}>" in example
    # The static flatten leaves no shape arithmetic for a microcontroller to register.
    assert not {"SHAPE", "STRIDED_SLICE", "PACK"} & set(ops)


def test_arena_is_the_smallest_that_runs_and_the_declared_one_has_margin(tflm_export):
    _, out, written = tflm_export
    content = (out / "digits.tflite").read_bytes()
    runtime = tflm_runtime()
    measured = written.facts.arena_measured_bytes
    runtime.Interpreter.from_bytes(content, arena_size=measured).invoke()
    with pytest.raises(RuntimeError):
        runtime.Interpreter.from_bytes(content, arena_size=measured - 64)
    assert written.facts.arena_bytes == recommended_arena(measured) >= measured + 16
    assert written.facts.arena_bytes % 1024 == 0
    assert measure_arena(content) == measured


@pytest.mark.skipif(shutil.which("g++") is None, reason="no host C++ compiler (g++) to compile the generated code")
@pytest.mark.parametrize("name", ["digits_data.cc", "digits_example.cc"])
def test_generated_code_compiles_with_the_host_compiler(tflm_export, tmp_path, name):
    _, out, _ = tflm_export
    command = ["g++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-DCNNKIT_EXAMPLE_MAIN", f"-I{TFLM_API}", "-c"]
    completed = subprocess.run(
        [*command, str(out / name), "-o", str(tmp_path / "out.o")], capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr[-3000:]


def test_tflm_reads_like_litert(tflm_export):
    dataset, out, _ = tflm_export
    digits = dataset.x_test[:300]
    tflm = load_model(out / "digits.tflite", backend="tflm")
    litert = load_model(out / "digits.tflite", backend="litert")
    assert tflm.backend_name == "tflm" and tflm.backend.arena_bytes > 0
    micro, reference = tflm.predict(digits), litert.predict(digits)
    assert micro.shape == (len(digits), 10) and micro.dtype == np.float32
    assert np.mean(micro.argmax(1) == reference.argmax(1)) >= 0.99
    assert np.mean(np.abs(micro - reference)) < 0.01


def test_tflm_is_used_only_when_named(tflm_export, small_run):
    _, out, _ = tflm_export
    _, folder = small_run
    assert load_model(out / "digits.tflite").backend_name == "litert"
    with pytest.raises(ModelError, match="reads .tflite files"):
        load_model(folder / "model_fp32.onnx", backend="tflm")


@pytest.mark.parametrize(
    ("c_name", "out", "message"),
    [("9lives", "firmware", "cannot name a C\\+\\+ array"), ("ok", "model.tflite", "must name a folder")],
)
def test_tflm_config_refuses_bad_names_and_file_outputs(small_run, c_name, out, message):
    _, folder = small_run
    with pytest.raises(ConfigError, match=message):
        ExportConfig(folder / "model.keras", variants_for(ExportFormat.TFLM, None), folder / out, c_name=c_name)
