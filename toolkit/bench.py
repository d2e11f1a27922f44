"""Measure Keras and every exported model side by side, in one process, on one machine.

Batch-1 latency is measured per call after a warm-up (p50 and p95); throughput at
batch 1 and at a larger batch. Exported models run through ``runtime`` with the
digits as uint8 pixels, exactly as the camera demo calls them.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from runtime import load_model
from runtime.tflite_backend import Delegation
from toolkit.config import BenchConfig
from toolkit.cpu import cpu_model, int8_instructions, int8_note
from toolkit.data import to_model_input

_MIN_THROUGHPUT_SECONDS = 1.0
TFLM_CALLS = 100
TFLM_BATCH = 32


@dataclass(frozen=True)
class BenchRow:
    """Timings of one model (or one way of calling Keras)."""

    name: str
    runner: str
    size_bytes: int
    calls: int
    p50_us: float
    p95_us: float
    batch1_images_per_s: float
    large_batch_images_per_s: float
    speedup_vs_keras_predict: float
    speedup_vs_keras_call: float
    delegated_ops: int | None = None
    total_ops: int | None = None
    partitions: int | None = None
    fallback_ops: tuple[str, ...] = ()


@dataclass(frozen=True)
class BenchReport:
    """Where the numbers were measured and the numbers."""

    cpu: str
    cores: int
    threads: int
    large_batch: int
    versions: dict[str, str | None]
    rows: list[BenchRow]
    int8_instructions: str | None = None  # the CPU's int8 dot-product instructions (toolkit.cpu)
    int8_note: str = ""  # what int8 can gain on this CPU, in one sentence

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "rows": [asdict(row) for row in self.rows]}


@dataclass(frozen=True)
class _Timing:
    """The raw measurements of one model, before they become a row."""

    name: str
    runner: str
    size_bytes: int
    latencies: np.ndarray  # seconds per batch-1 call
    throughput: float  # images per second at the large batch
    delegation: Delegation | None = None

    @property
    def p50(self) -> float:
        return float(np.median(self.latencies))

    def row(self, keras_predict_p50: float, keras_call_p50: float) -> BenchRow:
        delegation = self.delegation
        return BenchRow(
            name=self.name,
            runner=self.runner,
            size_bytes=self.size_bytes,
            calls=len(self.latencies),
            p50_us=self.p50 * 1e6,
            p95_us=float(np.percentile(self.latencies, 95)) * 1e6,
            batch1_images_per_s=1.0 / float(np.mean(self.latencies)),
            large_batch_images_per_s=self.throughput,
            speedup_vs_keras_predict=keras_predict_p50 / self.p50,
            speedup_vs_keras_call=keras_call_p50 / self.p50,
            delegated_ops=delegation.delegated if delegation else None,
            total_ops=delegation.ops if delegation else None,
            partitions=delegation.partitions if delegation else None,
            fallback_ops=delegation.fallback if delegation else (),
        )


def bench_models(config: BenchConfig, digits: np.ndarray) -> BenchReport:
    """Time the Keras model and every exported model.

    Args:
        config: What to time and how often.
        digits: uint8 (N, 28, 28) test digits, N ≥ ``config.large_batch``.

    Raises:
        ModelError: A model cannot be loaded.
    """
    from export.source import load_source_model

    keras_threads = _limit_tensorflow_threads(config.num_threads)
    source = load_source_model(config.model_path)
    one = digits[:1]
    batch = digits[: config.large_batch]
    one_float, batch_float = to_model_input(one), to_model_input(batch)

    keras_model = source.model
    keras_size = config.model_path.stat().st_size
    timings = [
        _Timing(
            name="keras predict",
            runner=f"tensorflow ({keras_threads})",
            size_bytes=keras_size,
            latencies=_latencies(
                lambda: keras_model.predict(one_float, verbose=0), config.keras_predict_calls, config.warmup // 10
            ),
            throughput=_throughput(lambda: keras_model.predict(batch_float, verbose=0), len(batch)),
        ),
        _Timing(
            name="keras call",
            runner=f"tensorflow ({keras_threads})",
            size_bytes=keras_size,
            latencies=_latencies(lambda: keras_model(one_float, training=False), config.calls, config.warmup),
            throughput=_throughput(lambda: keras_model(batch_float, training=False), len(batch)),
        ),
    ]
    for path in config.exported:
        model = load_model(path, num_threads=config.num_threads)
        timings.append(
            _Timing(
                name=path.name,
                runner=model.backend_name,
                size_bytes=path.stat().st_size,
                latencies=_latencies(lambda model=model: model.predict(one), config.calls, config.warmup),
                throughput=_throughput(lambda model=model: model.predict(batch), len(batch)),
                delegation=getattr(model.backend, "delegation", None),
            )
        )
    for path in [path for path in config.exported if config.tflm and path.name.endswith("_int8.tflite")]:
        # TFLite Micro's reference kernels take milliseconds a digit here: fewer calls, a small batch.
        model = load_model(path, backend="tflm")
        small = batch[:TFLM_BATCH]
        timings.append(
            _Timing(
                name=path.name,
                runner="tflm (reference kernels)",
                size_bytes=path.stat().st_size,
                latencies=_latencies(lambda model=model: model.predict(one), min(config.calls, TFLM_CALLS), 5),
                throughput=_throughput(lambda model=model, small=small: model.predict(small), len(small)),
            )
        )
    predict_p50, call_p50 = timings[0].p50, timings[1].p50
    rows = [timing.row(predict_p50, call_p50) for timing in timings]
    return BenchReport(
        cpu=cpu_model(),
        int8_instructions=int8_instructions(),
        int8_note=int8_note(),
        cores=os.cpu_count() or 0,
        threads=config.num_threads,
        large_batch=config.large_batch,
        versions=_versions(),
        rows=rows,
    )


def _latencies(call: Callable[[], object], calls: int, warmup: int) -> np.ndarray:
    for _ in range(warmup):
        call()
    seconds = np.empty(calls)
    for index in range(calls):
        started = time.perf_counter()
        call()
        seconds[index] = time.perf_counter() - started
    return seconds


def _throughput(call: Callable[[], object], batch_size: int) -> float:
    call()
    calls, started = 0, time.perf_counter()
    while calls < 3 or time.perf_counter() - started < _MIN_THROUGHPUT_SECONDS:
        call()
        calls += 1
    return batch_size * calls / (time.perf_counter() - started)


def _limit_tensorflow_threads(threads: int) -> str:
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        # TensorFlow was already running in this process (as in tests); say what it uses instead.
        used = tf.config.threading.get_intra_op_parallelism_threads()
        return f"{used or 'all'} threads, already initialized"
    return f"{threads} thread{'s' if threads > 1 else ''}"


def _versions() -> dict[str, str | None]:
    versions = {"python": platform.python_version()}
    for package in ("numpy", "tensorflow", "keras", "ai-edge-litert", "tflite-runtime", "onnxruntime"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return versions
