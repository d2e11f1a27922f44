"""The whole first hour in one call: train, export every variant, verify, time, and write the report.

Each step is the library function its own command calls, with the run folder as the one
place everything goes: ``model.keras`` and ``metrics.json`` (train), the six exported
models (export), ``verify.json`` with per-layer errors (verify), ``bench.json`` (a short
bench), ``report.html``, and ``photo.png`` (a test digit on a camera-like page, for the
commands to try next). The report is written even when verification fails; it then says why.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.atomic import write_text_atomic
from toolkit.bench import BenchReport
from toolkit.config import BenchConfig, TrainConfig, VerifyConfig
from toolkit.data import Dataset
from toolkit.report import BENCH_FILE, VERIFY_FILE, build_report, camera_like_photo
from toolkit.train import TrainProgress
from toolkit.verify import VerifyReport

# A short bench: enough calls for stable medians, seconds instead of a minute.
BENCH_CALLS = 300
BENCH_KERAS_PREDICT_CALLS = 20
PHOTO_FILE = "photo.png"


@dataclass(frozen=True)
class PipelineResult:
    """Where the run is and what it showed."""

    run_dir: Path
    metrics: dict
    verify: VerifyReport
    bench: BenchReport
    report_path: Path
    exported: tuple[Path, ...]
    photo_path: Path  # a camera-like photo of a test digit, for the commands to try next


def run_pipeline(
    config: TrainConfig,
    dataset: Dataset,
    *,
    progress: TrainProgress | None = None,
    on_step: Callable[[str], None] = lambda step: None,
) -> PipelineResult:
    """Train, export every variant, verify on the whole test split, time briefly, write the report.

    Args:
        config: The training run (its ``out_dir`` is the run folder).
        dataset: MNIST or a dataset in its format.
        progress: Told about training batches and epochs.
        on_step: Called with the name of each step as it starts ("export", "verify", "bench", "report").

    Returns:
        The run; check ``result.verify.passed``.
    """
    from export.api import export_model
    from export.config import ExportConfig, ExportFormat, variants_for
    from toolkit.bench import bench_models
    from toolkit.train import train
    from toolkit.verify import verify_models

    trained = train(config, dataset, progress)
    on_step("export")
    export_config = ExportConfig(trained.model_path, variants_for(ExportFormat.ALL, None), out=trained.out_dir, seed=config.seed)
    exported = tuple(item.path for item in export_model(export_config, dataset.x_train, dataset.y_train))
    on_step("verify")
    verify = verify_models(VerifyConfig(trained.model_path, exported, per_layer=True), dataset)
    write_text_atomic(trained.out_dir / VERIFY_FILE, json.dumps(verify.to_json(), indent=2) + "\n")
    on_step("bench")
    bench_config = BenchConfig(trained.model_path, exported, 1, calls=BENCH_CALLS,
                               keras_predict_calls=BENCH_KERAS_PREDICT_CALLS, warmup=50)
    bench = bench_models(bench_config, dataset.x_test[: bench_config.large_batch])
    write_text_atomic(trained.out_dir / BENCH_FILE, json.dumps(bench.to_json(), indent=2) + "\n")
    on_step("report")
    report_path = build_report(trained.out_dir, dataset.x_test, dataset.y_test)
    photo_path = trained.out_dir / PHOTO_FILE
    from runtime.opencv import write_png

    write_png(photo_path, camera_like_photo(dataset.x_test[1]))
    return PipelineResult(trained.out_dir, trained.metrics, verify, bench, report_path, exported, photo_path)
