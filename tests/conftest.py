import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.runs import MODEL_FILE

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The real MNIST: $CNNKIT_DATA (CI points it at ../shared), else the user's cache, else a download."""
    value = os.environ.get("CNNKIT_DATA")
    if value:
        if not Path(value).exists():
            pytest.fail(f"CNNKIT_DATA={value} does not exist")
        return Path(value)
    from core.errors import DownloadError
    from toolkit.data import default_cache_dir
    from toolkit.download import download_files

    # Session fixtures are set up before the per-test cache isolation below, so this is the real cache.
    cache = default_cache_dir()
    try:
        download_files(cache)
    except DownloadError as exc:
        pytest.skip(f"real MNIST not available ({exc}); set CNNKIT_DATA to a folder with the four IDX files")
    return cache


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # No test may read or fill the user's real cache.
    monkeypatch.setenv("CNNKIT_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory):
    """A small model trained quickly on learnable synthetic digits, and every variant exported from it.

    Returns (dataset, folder); the folder holds model.keras, metrics.json and the six exported models.
    """
    pytest.importorskip("tensorflow")
    from helpers import learnable_arrays

    from export.api import export_model
    from export.config import ExportConfig, ExportFormat, variants_for
    from toolkit.config import Recipe, TrainConfig
    from toolkit.data import Dataset
    from toolkit.train import train

    dataset = Dataset(
        **learnable_arrays(), class_names=tuple("0123456789"), sha256="s" * 64, source=Path("synthetic"), is_mnist=False
    )
    folder = tmp_path_factory.mktemp("small_run")
    config = TrainConfig.from_recipe(Recipe.DEFAULT, folder, seed=0, epochs=2, batch_size=32)
    result = train(config, dataset)
    export_model(
        ExportConfig(result.model_path, variants_for(ExportFormat.ALL, None), folder, calibration_samples=100),
        dataset.x_train,
        dataset.y_train,
    )
    return dataset, folder


CNNKIT = Path(sys.executable).with_name("cnnkit")


@pytest.fixture(scope="session")
def trained_run(mnist_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("e2e") / "run"
    completed = subprocess.run(
        [str(CNNKIT), "train", "--data", str(mnist_dir), "--out", str(out), "--seed", "0"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "test accuracy" in completed.stdout.splitlines()[-1]
    assert_no_library_noise(completed)
    return out


@pytest.fixture(scope="session")
def verify_report(trained_run, mnist_dir) -> dict:
    exported = subprocess.run(
        [str(CNNKIT), "export", "--model", str(trained_run / MODEL_FILE), "--format", "all", "--data", str(mnist_dir)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert exported.returncode == 0, exported.stderr[-3000:]
    assert_no_library_noise(exported)
    report_path = trained_run / "verify.json"
    verified = subprocess.run(
        [str(CNNKIT), "verify", "--model", str(trained_run / MODEL_FILE), "--data", str(mnist_dir), "--json", str(report_path),
         "--per-layer"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr[-3000:]
    assert_no_library_noise(verified)
    return json.loads(report_path.read_text())


# What TensorFlow, absl, oneDNN, the CUDA stub, the converter and XNNPACK print when not kept quiet.
LIBRARY_NOISE = ("cudart_stub", "absl::InitializeLog", "XNNPACK delegate", "oneDNN", "fully_quantize:",
                 "I0000 ", "W0000 ", "rebuild TensorFlow", "cuda drivers", ":absl:")


def assert_no_library_noise(completed: subprocess.CompletedProcess) -> None:
    noisy = [line for line in (completed.stdout + completed.stderr).splitlines()
             if any(marker in line for marker in LIBRARY_NOISE)]
    assert not noisy, noisy[:5]
