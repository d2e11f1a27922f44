"""Every export variant, loaded by the runtime and compared with Keras on the same images."""

import json

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import keras  # noqa: E402
import onnx  # noqa: E402

from core.errors import ConfigError  # noqa: E402
from export.calibration import calibration_images  # noqa: E402
from export.config import ExportConfig, ExportFormat, Quantization, Variant, variants_for  # noqa: E402
from runtime import load_model  # noqa: E402
from runtime.metadata import sidecar_path  # noqa: E402
from runtime.tflite_flatbuffer import read_tflite_metadata, read_tflite_ops  # noqa: E402
from toolkit.data import to_model_input  # noqa: E402

ALL_FILES = [
    "model_fp32.tflite",
    "model_fp16.tflite",
    "model_dynamic.tflite",
    "model_int8.tflite",
    "model_fp32.onnx",
    "model_int8.onnx",
]


@pytest.fixture(scope="module")
def keras_probabilities(small_run):
    dataset, folder = small_run
    model = keras.models.load_model(folder / "model.keras")
    return model.predict(to_model_input(dataset.x_test), verbose=0)


def test_format_all_writes_every_variant_with_a_sidecar(small_run):
    _, folder = small_run
    for name in ALL_FILES:
        assert (folder / name).stat().st_size > 10_000
        sidecar = json.loads(sidecar_path(folder / name).read_text())
        assert sidecar["contract"] == 1 and sidecar["class_names"] == list("0123456789")


@pytest.mark.parametrize(("name", "tolerance"), [("model_fp32.tflite", 1e-5), ("model_fp32.onnx", 1e-5), ("model_fp16.tflite", 5e-3)])
def test_float_models_match_keras(small_run, keras_probabilities, name, tolerance):
    dataset, folder = small_run
    probabilities = load_model(folder / name).predict(dataset.x_test)
    assert np.max(np.abs(probabilities - keras_probabilities)) <= tolerance


@pytest.mark.parametrize("name", ["model_dynamic.tflite", "model_int8.tflite", "model_int8.onnx"])
def test_quantized_models_agree_with_keras(small_run, keras_probabilities, name):
    dataset, folder = small_run
    probabilities = load_model(folder / name).predict(dataset.x_test)
    agreement = np.mean(probabilities.argmax(1) == keras_probabilities.argmax(1))
    assert agreement >= 0.98, agreement
    assert np.max(np.abs(probabilities - keras_probabilities)) < 0.2


def test_int8_tflite_is_integer_throughout_with_uint8_pixels_in(small_run):
    from ai_edge_litert.interpreter import Interpreter

    _, folder = small_run
    interpreter = Interpreter(model_path=str(folder / "model_int8.tflite"))
    interpreter.allocate_tensors()
    detail = interpreter.get_input_details()[0]
    assert detail["dtype"] == np.uint8
    scale, zero_point = detail["quantization"]
    assert scale == pytest.approx(1 / 255) and zero_point == 0
    assert interpreter.get_output_details()[0]["dtype"] == np.int8
    dtypes = {np.dtype(t["dtype"]).name for t in interpreter.get_tensor_details()}
    assert "float32" not in dtypes, dtypes


def test_metadata_is_inside_the_files_and_matches_the_sidecar(small_run):
    _, folder = small_run
    import hashlib

    source_sha = hashlib.sha256((folder / "model.keras").read_bytes()).hexdigest()
    tflite = json.loads(read_tflite_metadata((folder / "model_int8.tflite").read_bytes())["cnnkit"])
    assert tflite == json.loads(sidecar_path(folder / "model_int8.tflite").read_text())
    assert tflite["source_sha256"] == source_sha
    assert tflite["input"]["dtype"] == "uint8" and tflite["input"]["zero_point"] == 0
    assert tflite["keras_test_accuracy"] == json.loads((folder / "metrics.json").read_text())["test_accuracy"]
    # The default recipe redraws its digits and adds non-digits: the page reader may trust lower readings.
    assert tflite["learnt_non_digits"] is True
    model = onnx.load(folder / "model_int8.onnx")
    onnx_meta = json.loads({p.key: p.value for p in model.metadata_props}["cnnkit"])
    assert onnx_meta["quantization"] == "int8" and onnx_meta["source_sha256"] == source_sha


def test_onnx_has_named_io_dynamic_batch_and_passes_the_checker(small_run):
    _, folder = small_run
    for name in ("model_fp32.onnx", "model_int8.onnx"):
        model = onnx.load(folder / name)
        onnx.checker.check_model(model)
        assert [i.name for i in model.graph.input] == ["image"]
        assert [o.name for o in model.graph.output] == ["probabilities"]
        assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    int8_ops = {node.op_type for node in onnx.load(folder / "model_int8.onnx").graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= int8_ops


def test_runtime_reads_any_batch_size(small_run):
    dataset, folder = small_run
    model = load_model(folder / "model_int8.tflite")
    all_at_once = model.predict(dataset.x_test)
    one_by_one = np.concatenate([model.predict(image) for image in dataset.x_test[:7]])
    np.testing.assert_array_equal(all_at_once[:7], one_by_one)
    floats = model.predict(dataset.x_test[:7].astype(np.float32) / 255)
    np.testing.assert_array_equal(floats, one_by_one)


def test_calibration_draws_training_images_evenly_and_reproducibly():
    labels = np.repeat(np.arange(10, dtype=np.uint8), 30)
    images = np.repeat(labels, 28 * 28).reshape(-1, 28, 28).astype(np.uint8)
    chosen = calibration_images(images, labels, 25, seed=1)
    assert chosen.shape == (25, 28, 28, 1) and chosen.dtype == np.float32
    classes = np.round(chosen[:, 0, 0, 0] * 255).astype(int)
    assert np.bincount(classes, minlength=10).tolist() == [3] * 5 + [2] * 5
    assert list(classes[:10]) == list(range(10)), "classes interleave"
    np.testing.assert_array_equal(chosen, calibration_images(images, labels, 25, seed=1))


def test_unsupported_combinations_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="onnx export supports --quantize none, int8, not float16"):
        variants_for(ExportFormat.ONNX, Quantization.FLOAT16)
    with pytest.raises(ConfigError, match="--format all writes every variant"):
        variants_for(ExportFormat.ALL, Quantization.INT8)
    assert variants_for(ExportFormat.TFLITE, None) == (Variant(ExportFormat.TFLITE, Quantization.INT8),)
    with pytest.raises(ConfigError, match="names one file"):
        ExportConfig(tmp_path / "m.keras", variants_for(ExportFormat.ALL, None), tmp_path / "x.onnx")
    with pytest.raises(ConfigError, match="does not end in .tflite"):
        ExportConfig(tmp_path / "m.keras", variants_for(ExportFormat.TFLITE, None), tmp_path / "x.onnx")


@pytest.mark.parametrize("name", ["model_fp32.tflite", "model_dynamic.tflite", "model_int8.tflite"])
def test_tflite_graphs_have_a_static_flatten_and_one_delegated_partition(small_run, name):
    # A converter upgrade that brings back the dynamic flatten (SHAPE → STRIDED_SLICE → PACK)
    # splits XNNPACK's partition in two; this says so loudly.
    _, folder = small_run
    ops = read_tflite_ops((folder / name).read_bytes())
    assert not {"SHAPE", "STRIDED_SLICE", "PACK"} & set(ops), ops
    assert ops.count("RESHAPE") == 1
    delegation = load_model(folder / name, num_threads=1).backend.delegation
    assert delegation.partitions == 1
    assert set(delegation.fallback) <= {"QUANTIZE", "SOFTMAX"}, delegation


def test_op_reader_agrees_with_tensorflows_schema(small_run):
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    _, folder = small_run
    content = (folder / "model_int8.tflite").read_bytes()
    model = flatbuffer_utils.read_model_from_bytearray(bytearray(content))
    names = {code: name for name, code in vars(schema.BuiltinOperator).items() if not name.startswith("_")}
    expected = tuple(
        names[max(model.operatorCodes[op.opcodeIndex].builtinCode, model.operatorCodes[op.opcodeIndex].deprecatedBuiltinCode)]
        for op in model.subgraphs[0].operators
    )
    assert read_tflite_ops(content) == expected


def test_a_keras_model_of_another_architecture_is_refused(tmp_path):
    from core.errors import ModelError
    from export.source import load_source_model

    # Same input and output shapes as the digit network, other layers.
    other = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    )
    path = tmp_path / "other.keras"
    other.save(path)
    with pytest.raises(ModelError, match="not cnnkit's digit network"):
        load_source_model(path)
