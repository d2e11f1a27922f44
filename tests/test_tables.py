"""The commands' tables fit an 80-column terminal without cutting numbers; the verify interval is right."""

import io
import math

import pytest
from rich.console import Console

from toolkit import tables
from toolkit.bench import BenchReport, BenchRow
from toolkit.stats import paired_delta_interval
from toolkit.verify import ModelCheck, VerifyReport


def _render(renderable, width=80) -> list[str]:
    console = Console(file=io.StringIO(), width=width, color_system=None, legacy_windows=False)
    console.print(renderable)
    return console.file.getvalue().splitlines()


def _check(name, delta_pp, interval, changed=3, backend="onnxruntime", passed=True):
    return ModelCheck(
        path=f"runs/2026-11-26_093012/{name}", format=name.rsplit(".", 1)[1], quantization="int8", backend=backend,
        accuracy=0.9931 + delta_pp / 100, delta_pp=delta_pp, delta_ci_pp=list(interval), agreement=0.9997,
        changed=changed, max_abs_diff=0.078, passed=passed, problem=None if passed else "accuracy drops 1.20 pp > 0.5 pp",
    )


def test_verify_table_fits_80_columns_and_marks_changes_told_apart_from_zero():
    report = VerifyReport(
        baseline_accuracy=0.9929, baseline_per_class_accuracy=[0.99] * 10, baseline_passed=True, test_images=10_000,
        max_drop_pp=0.5, min_accuracy=0.98,
        models=[
            _check("model_dynamic.tflite", +0.01, (-0.02, +0.04), backend="tflite"),
            _check("model_int8.onnx", -0.12, (-0.21, -0.03), changed=31),
            _check("model_fp16.tflite", -1.20, (-1.41, -0.99), changed=140, passed=False),
        ],
    )
    lines = _render(tables.verify_table(report, __import__("pathlib").Path("runs/x/model.keras")))
    text = "\n".join(lines)
    assert "…" not in text and max(len(line) for line in lines) <= 80, text
    assert "[-0.21, -0.03]" in text and "-0.12*" in text  # excludes zero: marked
    assert "+0.01*" not in text and "+0.01" in text  # includes zero: not marked
    assert "model_dynamic.tflite" in text and "FAIL" in text


def test_bench_table_fits_80_columns():
    row = dict(calls=1000, p50_us=185.3, p95_us=240.9, batch1_images_per_s=5400.0, large_batch_images_per_s=31_250.0,
               speedup_vs_keras_predict=120.0, speedup_vs_keras_call=38.5)
    report = BenchReport(
        cpu="AMD EPYC 7B13 64-Core Processor", cores=2, threads=1, large_batch=256,
        versions={"tensorflow": "2.21.0", "onnxruntime": "1.32.0", "ai-edge-litert": "2.3.0"},
        rows=[
            BenchRow(name="keras call", runner="keras", size_bytes=2_730_000, **row),
            BenchRow(name="model_dynamic.tflite", runner="tflite", size_bytes=235_744, delegated_ops=7, total_ops=9,
                     partitions=1, fallback_ops=("QUANTIZE", "SOFTMAX"), **row),
            BenchRow(name="tflm (reference kernels)", runner="tflm", size_bytes=235_744, **row),
        ],
    )
    lines = _render(tables.bench_table(report))
    text = "\n".join(lines)
    assert "…" not in text and max(len(line) for line in lines) <= 80, text
    assert "185.3" in text and "31,250" in text and "7/9 in 1" in text and "tflm (reference kernels)" in text


def test_paired_interval_matches_a_hand_computed_case():
    # 1 image gained, 4 lost of 10,000: n = 10,002, b = 1.5, c = 4.5 (half an image added to each cell),
    # Δ = -3 / 10,002 = -0.029994 pp; spread = 1.959964 × √(6 − 9/10,002) / 10,002 = 0.047996 pp.
    low, high = paired_delta_interval(1, 4, 10_000)
    assert math.isclose(low, -0.077990, abs_tol=1e-5) and math.isclose(high, 0.018002, abs_tol=1e-5)
    # No change at all still has an honest width; many more gains than losses exclude zero.
    assert paired_delta_interval(0, 0, 10_000)[0] < 0 < paired_delta_interval(0, 0, 10_000)[1]
    assert paired_delta_interval(30, 5, 10_000)[0] > 0


@pytest.mark.parametrize("counts", [(-1, 0, 10), (6, 5, 10), (0, 0, 0)])
def test_paired_interval_refuses_impossible_counts(counts):
    with pytest.raises(ValueError, match="impossible counts"):
        paired_delta_interval(*counts)
