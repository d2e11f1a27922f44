"""Prove that exported models read digits as well as the Keras model they came from.

Every exported model runs through ``runtime`` (the code a Raspberry Pi runs) on the
whole test split; nothing is skipped, quantized models included.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import CnnkitError
from runtime import load_model
from toolkit.config import VerifyConfig
from toolkit.data import Dataset, to_model_input
from toolkit.stats import paired_delta_interval

# Accuracy drops are compared in whole test images; this absorbs float rounding of the percentage.
_EPSILON_PP = 1e-9


class VerificationFailed(CnnkitError):
    """The Keras baseline or some exported model missed its gate."""


@dataclass(frozen=True)
class ModelCheck:
    """How one exported model compares with the Keras model on the test split."""

    path: str
    format: str
    quantization: str = "?"
    backend: str | None = None
    accuracy: float | None = None
    delta_pp: float | None = None
    delta_ci_pp: list[float] | None = None
    agreement: float | None = None
    changed: int | None = None
    changed_indices: list[int] = field(default_factory=list)
    changed_labels: list[list[int]] = field(default_factory=list)  # [Keras's, this model's] per changed image
    max_abs_diff: float | None = None
    per_class_accuracy: list[float] = field(default_factory=list)
    passed: bool = False
    problem: str | None = None
    arena_bytes: int | None = None
    layers: list[dict[str, Any]] | None = None
    layers_problem: str | None = None

    @property
    def distinguishable(self) -> bool | None:
        """Whether the change against Keras is told apart from zero (its 95% interval excludes 0)."""
        if self.delta_ci_pp is None:
            return None
        low, high = self.delta_ci_pp
        return low > 0.0 or high < 0.0


@dataclass(frozen=True)
class VerifyReport:
    """The baseline, every model's check, and whether all passed."""

    baseline_accuracy: float
    baseline_per_class_accuracy: list[float]
    baseline_passed: bool
    test_images: int
    max_drop_pp: float
    min_accuracy: float
    models: list[ModelCheck]

    @property
    def passed(self) -> bool:
        return self.baseline_passed and all(model.passed for model in self.models)

    def failures(self) -> list[str]:
        """One phrase per failing gate, naming the model."""
        problems = []
        if not self.baseline_passed:
            problems.append(f"Keras model accuracy {self.baseline_accuracy:.2%} < {self.min_accuracy:.2%}")
        for model in self.models:
            if not model.passed:
                name = Path(model.path).name
                # A loading error already names the file; say it once.
                problems.append(model.problem if name in (model.problem or "") else f"{name}: {model.problem}")
        return problems

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (the shape `cnnkit verify --json` writes)."""
        return {
            "baseline": {
                "accuracy": self.baseline_accuracy,
                "per_class_accuracy": self.baseline_per_class_accuracy,
                "passed": self.baseline_passed,
            },
            "test_images": self.test_images,
            "max_drop_pp": self.max_drop_pp,
            "min_accuracy": self.min_accuracy,
            "models": [asdict(model) for model in self.models],
            "passed": self.passed,
        }


def verify_models(config: VerifyConfig, dataset: Dataset) -> VerifyReport:
    """Run the Keras model and every exported model on the whole test split and compare.

    Args:
        config: The baseline, the models and the gates.
        dataset: Its test split is the yardstick (all of it).

    Returns:
        The report; check ``report.passed``.

    Raises:
        ModelError: The ``.keras`` baseline cannot be loaded.
    """
    from export.source import load_source_model

    source = load_source_model(config.model_path)
    labels = dataset.y_test.astype(np.int64)
    baseline = source.model.predict(to_model_input(dataset.x_test), batch_size=1000, verbose=0)
    baseline_predicted = baseline.argmax(axis=1)
    baseline_accuracy = float(np.mean(baseline_predicted == labels))
    checks = [_check_one(path, config, source.sha256, dataset.x_test, labels, baseline) for path in config.exported]
    if config.per_layer:
        checks = [_with_layer_errors(check, config, dataset.x_test[: config.per_layer_images]) for check in checks]
    return VerifyReport(
        baseline_accuracy=baseline_accuracy,
        baseline_per_class_accuracy=per_class_accuracy(labels, baseline_predicted),
        baseline_passed=baseline_accuracy >= config.min_accuracy,
        test_images=len(labels),
        max_drop_pp=config.max_drop_pp,
        min_accuracy=config.min_accuracy,
        models=checks,
    )


def per_class_accuracy(labels: np.ndarray, predicted: np.ndarray, num_classes: int = 10) -> list[float]:
    """Share of each class's images predicted right (NaN for a class with no images)."""
    return [
        float(np.mean(predicted[labels == cls] == cls)) if np.any(labels == cls) else float("nan")
        for cls in range(num_classes)
    ]


def _with_layer_errors(check: ModelCheck, config: VerifyConfig, images: np.ndarray) -> ModelCheck:
    """The check with each layer's SQNR, for a full-integer ``.tflite`` (others are returned as they are)."""
    from toolkit.layer_error import per_layer_sqnr

    path = Path(check.path)
    if check.quantization != "int8" or path.suffix != ".tflite" or check.accuracy is None:
        return check
    floats = [p for p in config.exported if p.suffix == ".tflite" and p.name.endswith("fp32.tflite")]
    reference = floats[0] if floats else path.with_name("model_fp32.tflite")
    if not reference.is_file():
        return replace(check, layers_problem=f"no float .tflite beside {path.name} to compare with (export --format tflite)")
    try:
        layers = per_layer_sqnr(path, reference, images)
    except CnnkitError as exc:
        return replace(check, layers_problem=str(exc))
    return replace(check, layers=[layer.to_json() for layer in layers])


def _check_one(
    path: Path,
    config: VerifyConfig,
    source_sha256: str,
    images: np.ndarray,
    labels: np.ndarray,
    baseline: np.ndarray,
) -> ModelCheck:
    try:
        model = load_model(path, backend=config.backend, num_threads=config.num_threads)
        probabilities = model.predict(images)
    except CnnkitError as exc:
        return ModelCheck(path=str(path), format=path.suffix.lstrip("."), problem=str(exc))
    predicted = probabilities.argmax(axis=1)
    baseline_predicted = baseline.argmax(axis=1)
    changed = np.flatnonzero(predicted != baseline_predicted)
    right, baseline_right = predicted == labels, baseline_predicted == labels
    correct, baseline_correct = int(np.sum(right)), int(np.sum(baseline_right))
    delta_pp = 100.0 * (correct - baseline_correct) / len(labels)
    low, high = paired_delta_interval(int(np.sum(right & ~baseline_right)), int(np.sum(baseline_right & ~right)), len(labels))
    problem = None
    if model.metadata.source_sha256 not in (None, source_sha256):
        problem = f"exported from another .keras (SHA-256 {model.metadata.source_sha256[:12]}…), re-export it"
    elif -delta_pp > config.max_drop_pp + _EPSILON_PP:
        problem = f"accuracy drops {-delta_pp:.2f} pp > {config.max_drop_pp:g} pp"
    return ModelCheck(
        path=str(path),
        format=model.metadata.format or path.suffix.lstrip("."),
        quantization=model.metadata.quantization,
        backend=model.backend_name,
        accuracy=correct / len(labels),
        delta_pp=delta_pp,
        delta_ci_pp=[low, high],
        agreement=1.0 - len(changed) / len(labels),
        changed=len(changed),
        changed_indices=[int(i) for i in changed],
        changed_labels=[[int(baseline_predicted[i]), int(predicted[i])] for i in changed],
        max_abs_diff=float(np.max(np.abs(probabilities - baseline))),
        per_class_accuracy=per_class_accuracy(labels, predicted),
        passed=problem is None,
        problem=problem,
        arena_bytes=getattr(model.backend, "arena_bytes", None),
    )
