"""`cnnkit verify` and `cnnkit bench` on the small run: the gate passes, and it can fail."""

import json
import shutil

import numpy as np
import pytest
from helpers import write_idx_folder
from typer.testing import CliRunner

pytest.importorskip("tensorflow")

import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402

from toolkit.cli import app  # noqa: E402
from toolkit.config import (
    BenchConfig,  # noqa: E402
    VerifyConfig,  # noqa: E402
)
from toolkit.verify import verify_models  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def data_dir(small_run, tmp_path_factory):
    dataset, _ = small_run
    arrays = {key: getattr(dataset, key) for key in ("x_train", "y_train", "x_test", "y_test")}
    return write_idx_folder(tmp_path_factory.mktemp("data"), arrays)


@pytest.fixture()
def run_copy(small_run, tmp_path):
    """A private copy of the small run, for tests that add or damage files."""
    _, folder = small_run
    copy = tmp_path / "run"
    shutil.copytree(folder, copy)
    return copy


def _damage_onnx(path, out):
    """Zero the first convolution's weights but keep the metadata: a badly broken model of the same source."""
    model = onnx.load(path)
    biggest = max(model.graph.initializer, key=lambda t: np.prod(t.dims) if len(t.dims) == 4 else 0)
    biggest.CopyFrom(numpy_helper.from_array(np.zeros_like(numpy_helper.to_array(biggest)), biggest.name))
    onnx.save(model, out)
    shutil.copy(path.with_name(path.name + ".json"), out.with_name(out.name + ".json"))


def test_verify_passes_every_exported_model(small_run, data_dir, tmp_path):
    _, folder = small_run
    report_path = tmp_path / "report.json"
    result = runner.invoke(
        app, ["verify", "--model", str(folder / "model.keras"), "--data", str(data_dir), "--min-accuracy", "0.9",
              "--max-drop", "2", "--json", str(report_path)],
    )
    assert result.exit_code == 0, result.output
    assert "verified" in result.output
    report = json.loads(report_path.read_text())
    assert report["passed"] is True and len(report["models"]) == 6
    assert {m["quantization"] for m in report["models"]} == {"none", "float16", "dynamic", "int8"}
    for entry in report["models"]:
        assert {"path", "format", "quantization", "accuracy", "delta_pp", "delta_ci_pp", "agreement", "changed", "max_abs_diff", "passed"} <= set(entry)
        low, high = entry["delta_ci_pp"]
        assert low <= entry["delta_pp"] <= high
        assert entry["changed"] == len(entry["changed_indices"])
    fp32 = next(m for m in report["models"] if m["path"].endswith("model_fp32.tflite"))
    assert fp32["agreement"] == 1.0 and fp32["max_abs_diff"] <= 1e-5


def test_verify_gate_fails_on_a_damaged_model(small_run, run_copy):
    dataset, _ = small_run
    _damage_onnx(run_copy / "model_fp32.onnx", run_copy / "model_broken.onnx")
    config = VerifyConfig(run_copy / "model.keras", (run_copy / "model_fp32.onnx", run_copy / "model_broken.onnx"), min_accuracy=0.0)
    report = verify_models(config, dataset)
    good, broken = report.models
    assert good.passed and not broken.passed
    assert broken.delta_pp < -10 and "accuracy drops" in broken.problem
    assert not report.passed


def test_verify_cli_exits_1_and_names_the_failing_model(run_copy, data_dir):
    _damage_onnx(run_copy / "model_fp32.onnx", run_copy / "model_broken.onnx")
    result = runner.invoke(app, ["verify", "--model", str(run_copy / "model.keras"), "--data", str(data_dir), "--min-accuracy", "0"])
    assert result.exit_code == 1
    error_line = result.output.strip().splitlines()[-1]
    assert error_line.startswith("error:") and "model_broken.onnx: accuracy drops" in error_line
    assert "model_int8.tflite" not in error_line


def test_verify_fails_when_keras_itself_is_below_the_floor(small_run, tmp_path):
    dataset, folder = small_run
    # Test labels shifted by one: the model is right on almost none of them.
    arrays = {key: getattr(dataset, key) for key in ("x_train", "y_train", "x_test")}
    arrays["y_test"] = ((dataset.y_test.astype(int) + 1) % 10).astype(np.uint8)
    wrong = write_idx_folder(tmp_path, arrays)
    result = runner.invoke(app, ["verify", "--model", str(folder / "model.keras"), "--data", str(wrong),
                                 str(folder / "model_fp32.tflite"), "--min-accuracy", "0.5"])
    assert result.exit_code == 1 and "Keras model accuracy" in result.output


@pytest.mark.parametrize(("option", "value"), [("--min-accuracy", "1.01"), ("--max-drop", "nan"), ("--max-drop", "-1"), ("--threads", "0")])
def test_verify_refuses_out_of_range_gates_before_any_work(small_run, data_dir, option, value):
    _, folder = small_run
    result = runner.invoke(app, ["verify", "--model", str(folder / "model.keras"), "--data", str(data_dir), option, value])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith(f"error: {option} must be")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("truncated.tflite", "half", "truncated or not a TFLite model|not a loadable TFLite model"),
        ("text.onnx", b"this is not a model", "not a loadable ONNX model"),
    ],
)
def test_broken_exported_files_fail_with_one_clear_line(run_copy, data_dir, name, content, message):
    path = run_copy / name
    if content == "half":
        data = (run_copy / "model_int8.tflite").read_bytes()
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(content)
    result = runner.invoke(app, ["verify", "--model", str(run_copy / "model.keras"), "--data", str(data_dir), str(path), "--min-accuracy", "0"])
    assert result.exit_code == 1
    error_line = result.output.strip().splitlines()[-1]
    assert error_line.startswith("error:") and name in error_line
    import re

    assert re.search(message, error_line), error_line


def test_keras_model_of_another_shape_is_refused(tmp_path, data_dir):
    import keras

    other = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(10)])
    other.save(tmp_path / "other.keras")
    result = runner.invoke(app, ["export", "--model", str(tmp_path / "other.keras"), "--data", str(data_dir)])
    assert result.exit_code == 1
    assert "cnnkit's network reads (N, 28, 28, 1)" in result.output
    (tmp_path / "junk.keras").write_text("not a zip")
    result = runner.invoke(app, ["export", "--model", str(tmp_path / "junk.keras"), "--data", str(data_dir)])
    assert result.exit_code == 1 and "is not a complete .keras file" in result.output
    assert list(tmp_path.glob("*.tflite")) == []


def test_export_cli_writes_one_file_where_asked(small_run, data_dir, tmp_path):
    _, folder = small_run
    out = tmp_path / "digits.onnx"
    result = runner.invoke(app, ["export", "--model", str(folder / "model.keras"), "--format", "onnx", "--out", str(out), "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digits.onnx", "digits.onnx.json"]
    assert "digits.onnx" in result.output and "KiB" in result.output


def test_bench_reports_every_model_side_by_side(small_run, tmp_path):
    dataset, folder = small_run
    from toolkit.bench import bench_models

    exported = (folder / "model_int8.tflite", folder / "model_fp32.onnx")
    config = BenchConfig(folder / "model.keras", exported, num_threads=1, calls=20, keras_predict_calls=3, warmup=5, large_batch=32)
    report = bench_models(config, dataset.x_test)
    assert [row.name for row in report.rows] == ["keras predict", "keras call", "model_int8.tflite", "model_fp32.onnx"]
    for row in report.rows:
        assert 0 < row.p50_us <= row.p95_us
        assert row.batch1_images_per_s > 0 and row.large_batch_images_per_s > 0
    assert report.rows[0].speedup_vs_keras_predict == pytest.approx(1.0)
    assert report.rows[2].size_bytes == (folder / "model_int8.tflite").stat().st_size
    assert report.rows[2].runner == "litert" and report.rows[3].runner == "onnxruntime"
    assert report.versions["numpy"] == np.__version__
    json.dumps(report.to_json())


def test_cpu_model_names_the_cpu_not_its_revision(tmp_path):
    from toolkit.cpu import cpu_model

    x86 = tmp_path / "x86"
    x86.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel\t\t: 17\nmodel name\t: AMD EPYC 7B13\n")
    pi = tmp_path / "pi"
    pi.write_text("processor\t: 0\nBogoMIPS\t: 108.00\nHardware\t: BCM2835\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n")
    assert cpu_model(x86) == "AMD EPYC 7B13"
    assert cpu_model(pi) == "Raspberry Pi 4 Model B Rev 1.4"
    assert cpu_model(tmp_path / "missing")  # falls back to the platform's word


def test_int8_instructions_are_named_and_their_absence_is_explained(tmp_path):
    from toolkit.cpu import int8_instructions, int8_note

    def cpuinfo(name, text):
        path = tmp_path / name
        path.write_text(text)
        return path

    avx2 = cpuinfo("avx2", "model name\t: AMD EPYC\nflags\t\t: fpu sse4_2 avx avx2 fma\n")
    vnni = cpuinfo("vnni", "model name\t: Xeon\nflags\t\t: avx2 avx512f avx512_vnni\n")
    pi5 = cpuinfo("pi5", "processor\t: 0\nFeatures\t: fp asimd evtstrm aes crc32 atomics asimddp\nModel\t: Raspberry Pi 5\n")
    pi4 = cpuinfo("pi4", "processor\t: 0\nFeatures\t: fp asimd evtstrm crc32 cpuid\nModel\t: Raspberry Pi 4\n")
    assert int8_instructions(avx2) is None and "float32's rate" in int8_note(avx2)
    assert int8_instructions(vnni) == "AVX-512 VNNI" and "outpace float32" in int8_note(vnni)
    assert int8_instructions(pi5) == "Arm dot product (SDOT)"
    assert int8_instructions(pi4) is None and int8_instructions(tmp_path / "missing") is None
    assert "gains little" in int8_note(pi4)
