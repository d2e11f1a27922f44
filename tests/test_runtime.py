"""The runtime without TensorFlow: input checks, the backend registry, metadata, errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

from core.contract import ModelMetadata
from runtime import InputError, ModelError, as_model_batch, backend_names, load_model
from runtime.backend import open_backend
from runtime.metadata import resolve_metadata, sidecar_path
from runtime.tflite_flatbuffer import read_tflite_metadata


@pytest.mark.parametrize(
    ("images", "shape", "dtype"),
    [
        (np.zeros((28, 28), np.uint8), (1, 28, 28, 1), np.uint8),
        (np.zeros((5, 28, 28), np.uint8), (5, 28, 28, 1), np.uint8),
        (np.ones((2, 28, 28, 1), np.float64), (2, 28, 28, 1), np.float32),
        (np.full((3, 28, 28), 0.5, np.float16), (3, 28, 28, 1), np.float32),
    ],
)
def test_as_model_batch_accepts_digits(images, shape, dtype):
    batch = as_model_batch(images)
    assert batch.shape == shape and batch.dtype == dtype and batch.flags.c_contiguous


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.zeros((28, 27), np.uint8), "shape"),
        (np.zeros((2, 28, 28, 3), np.uint8), "shape"),
        (np.zeros((0, 28, 28), np.uint8), "empty"),
        (np.zeros((1, 28, 28), np.int32), "uint8 .* or float"),
        (np.zeros((1, 28, 28), bool), "uint8 .* or float"),
        (np.full((1, 28, 28), 2.0), r"\[0, 1\]"),
        (np.full((1, 28, 28), np.nan), r"\[0, 1\]"),
        (np.full((1, 28, 28), -0.1, np.float32), r"\[0, 1\]"),
    ],
)
def test_as_model_batch_rejects_what_no_model_reads(images, message):
    with pytest.raises(InputError, match=message):
        as_model_batch(images)


def test_registry_names_and_suffix_errors(tmp_path):
    assert backend_names() == ["litert", "tflite-runtime", "tf-lite", "onnxruntime", "tflm"]
    other = tmp_path / "model.pt"
    other.write_bytes(b"x")
    with pytest.raises(ModelError, match=r"reads .onnx and .tflite models, not '.pt'"):
        load_model(other)
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "missing.tflite")
    model = tmp_path / "model.tflite"
    model.write_bytes(b"x")
    with pytest.raises(ModelError, match="unknown backend 'coreml'"):
        open_backend(model, backend="coreml")
    with pytest.raises(ModelError, match="backend 'onnxruntime' reads .onnx files"):
        open_backend(model, backend="onnxruntime")


def test_tflite_runtime_on_numpy_2_is_refused_with_the_reason(tmp_path, monkeypatch):
    import importlib.metadata

    model = tmp_path / "model.tflite"
    model.write_bytes(b"x")
    monkeypatch.setattr(np, "__version__", "2.1.0")
    real_version = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata, "version", lambda name: "2.14.0" if name == "tflite-runtime" else real_version(name)
    )
    with pytest.raises(ModelError, match="built for numpy 1 and crashes with numpy 2.1.0.*ai-edge-litert"):
        open_backend(model, backend="tflite-runtime")


def test_no_interpreter_names_what_to_install(tmp_path, monkeypatch):
    import runtime.tflite_backend as tflite_backend
    from runtime.backend import InterpreterMissing

    def missing(path, threads):
        raise InterpreterMissing("not installed")

    for name in ("open_litert", "open_tflite_runtime", "open_tf_lite"):
        monkeypatch.setattr(tflite_backend, name, missing)
    model = tmp_path / "model.tflite"
    model.write_bytes(b"x")
    with pytest.raises(ModelError, match=r"no interpreter for model.tflite .*litert: not installed.*cnnkit\[runtime\]"):
        load_model(model)


def test_metadata_contract_is_checked(tmp_path):
    assert ModelMetadata.from_dict({"contract": 1}, "m").class_names == tuple("0123456789")
    with pytest.raises(ModelError, match="contract 99.*upgrade cnnkit or re-export"):
        ModelMetadata.from_dict({"contract": 99}, "m")
    with pytest.raises(ModelError, match="contract None"):
        ModelMetadata.from_dict({}, "m")
    with pytest.raises(ModelError, match="names 2 classes"):
        ModelMetadata.from_dict({"contract": 1, "class_names": ["a", "b"]}, "m")


def test_metadata_falls_back_to_the_sidecar(tmp_path):
    model = tmp_path / "m.onnx"
    with pytest.raises(ModelError, match="carries no cnnkit metadata and has no m.onnx.json"):
        resolve_metadata(model, None)
    sidecar_path(model).write_text(json.dumps({"contract": 1, "format": "onnx"}))
    assert resolve_metadata(model, None).format == "onnx"
    sidecar_path(model).write_text("{not json")
    with pytest.raises(ModelError, match="unreadable cnnkit metadata"):
        resolve_metadata(model, None)


def test_flatbuffer_reader_rejects_garbage():
    with pytest.raises(ModelError, match="not a TFLite model"):
        read_tflite_metadata(b"hello world, this is text")
    with pytest.raises(ModelError, match="truncated or not a TFLite model"):
        read_tflite_metadata(b"\xff\xff\x00\x00TFL3" + b"\x00" * 8)


def test_importing_runtime_loads_no_heavy_package():
    code = (
        "import sys, runtime, runtime.tflite_backend, runtime.onnx_backend;"
        "print(sorted(m for m in ('tensorflow', 'keras', 'typer', 'cv2', 'onnxruntime', 'ai_edge_litert')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_predicting_with_exported_models_loads_no_tensorflow(small_run):
    _, folder = small_run
    code = f"""
import sys, numpy as np, runtime
for name in ("model_int8.tflite", "model_fp32.tflite", "model_int8.onnx"):
    model = runtime.load_model({str(folder)!r} + "/" + name)
    assert model.predict(np.zeros((3, 28, 28), np.uint8)).shape == (3, 10)
print(sorted(m for m in ("tensorflow", "keras", "typer", "cv2") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
