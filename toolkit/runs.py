"""Find training runs and the models exported beside them."""

from __future__ import annotations

from pathlib import Path

from core.errors import ModelError

RUNS_DIR = Path("runs")
MODEL_FILE = "model.keras"
METRICS_FILE = "metrics.json"  # written last: its presence marks a run complete
EXPORT_SUFFIXES = (".tflite", ".onnx")


def is_run_folder(folder: Path) -> bool:
    """A folder `cnnkit train` may write into: empty, or a run of its own (it holds a model or metrics)."""
    return folder.is_dir() and (not any(folder.iterdir()) or (folder / MODEL_FILE).exists() or (folder / METRICS_FILE).exists())


def incomplete_runs(runs_dir: Path = RUNS_DIR) -> list[Path]:
    """Run folders with a ``model.keras`` but no ``metrics.json``: training stopped before the end."""
    return sorted(path.parent for path in runs_dir.glob(f"*/{MODEL_FILE}") if not (path.parent / METRICS_FILE).exists())


def latest_model(runs_dir: Path = RUNS_DIR) -> Path:
    """The most recently written complete ``runs/*/model.keras`` (incomplete runs are skipped).

    Raises:
        ModelError: There is none; the message says how to make or name one.
    """
    candidates = sorted(
        (path for path in runs_dir.glob(f"*/{MODEL_FILE}") if (path.parent / METRICS_FILE).exists()),
        key=lambda path: path.stat().st_mtime,
    )
    if not candidates:
        skipped = incomplete_runs(runs_dir)
        detail = f" ({len(skipped)} incomplete: training stopped early)" if skipped else ""
        raise ModelError(f"no complete trained model under {runs_dir}/{detail}; run `cnnkit train` or pass --model PATH")
    return candidates[-1]


def exported_beside(model_path: Path, *, backend: str | None = None) -> list[Path]:
    """Every exported model in the folder of ``model_path``, sorted by name.

    Args:
        model_path: The ``.keras`` file.
        backend: Only the models this backend runs: for ``"tflm"``, the full-integer
            ``*_int8.tflite`` models (a microcontroller runs nothing else); for another
            name, the files of its suffix.
    """
    from runtime.backend import REGISTRY

    paths = sorted(path for path in model_path.parent.iterdir() if path.suffix in EXPORT_SUFFIXES)
    if backend is None:
        return paths
    if backend == "tflm":
        return [path for path in paths if path.name.endswith("_int8.tflite")]
    suffixes = {entry.suffix for entry in REGISTRY if entry.name == backend}
    return [path for path in paths if path.suffix in suffixes]


def latest_exported(runs_dir: Path = RUNS_DIR, name: str = "model_int8.tflite") -> Path:
    """The most recently written ``runs/*/<name>`` (by default the full-integer TFLite model).

    Raises:
        ModelError: There is none.
    """
    candidates = sorted(runs_dir.glob(f"*/{name}"), key=lambda path: path.stat().st_mtime)
    if not candidates:
        raise ModelError(f"no {name} under {runs_dir}/; run `cnnkit export` or pass --model PATH")
    return candidates[-1]
