"""report.html: one self-contained file that reads well, rebuilt from a run's files."""

import base64
import json
import re
import shutil
import subprocess

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from toolkit.cli import app


@pytest.fixture(scope="module")
def run_with_reports(small_run, tmp_path_factory):
    """The small run's folder with verify.json (per-layer errors) and a short bench.json beside its models."""
    from toolkit.bench import bench_models
    from toolkit.config import BenchConfig, VerifyConfig
    from toolkit.runs import exported_beside
    from toolkit.verify import verify_models

    dataset, folder = small_run
    run = tmp_path_factory.mktemp("report") / "run"
    shutil.copytree(folder, run)
    exported = tuple(exported_beside(run / "model.keras"))
    verify = verify_models(VerifyConfig(run / "model.keras", exported, max_drop_pp=100, min_accuracy=0, per_layer=True,
                                        per_layer_images=50), dataset)
    (run / "verify.json").write_text(json.dumps(verify.to_json()))
    bench = bench_models(BenchConfig(run / "model.keras", exported, 1, calls=20, keras_predict_calls=2, warmup=2, large_batch=16),
                         dataset.x_test[:16])
    (run / "bench.json").write_text(json.dumps(bench.to_json()))
    return dataset, run


def _images(page: str) -> list[str]:
    return re.findall(r'<img src="([^"]*)"', page)


def test_report_is_one_self_contained_file_with_every_section(run_with_reports):
    from toolkit.report import build_report

    dataset, run = run_with_reports
    page = build_report(run, dataset.x_test, dataset.y_test).read_text()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "<script" not in page and "<link" not in page and "@import" not in page and "url(" not in page
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert sources and all(source.startswith("data:image/png;base64,") for source in sources), sources[:3]
    for source in _images(page):  # every picture decodes: no broken image
        picture = cv2.imdecode(np.frombuffer(base64.b64decode(source.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
        assert picture is not None and picture.size > 0
    for heading in ("Model card", "Training", "Exported models against Keras", "95% interval", "Accuracy per class",
                    "Quantization error per layer", "Speed", "How the network reads a digit"):
        assert heading in page, heading
    assert "225,034" in page and "conv1" in page and "SHA-256" in page
    assert len(_images(page)) >= 4 + 2  # four training pictures and two step-by-step pictures
    assert "<svg" in page and "latency per digit" in page


def test_a_failed_verification_is_said_in_red(run_with_reports, tmp_path):
    from toolkit.report import build_report

    dataset, run = run_with_reports
    failed = tmp_path / "run"
    shutil.copytree(run, failed)
    verify = json.loads((failed / "verify.json").read_text())
    verify["passed"] = False
    verify["models"][0] |= {"passed": False, "problem": "accuracy drops 1.20 pp > 0.1 pp"}
    (failed / "verify.json").write_text(json.dumps(verify))
    page = build_report(failed, dataset.x_test, dataset.y_test).read_text()
    assert 'class="verdict fail"' in page and "Verification failed" in page and "accuracy drops 1.20 pp" in page


def test_report_command_rebuilds_from_the_files_and_refuses_a_folder_that_is_no_run(run_with_reports, tmp_path, mnist_dir):
    _, run = run_with_reports
    (run / "report.html").unlink(missing_ok=True)
    result = CliRunner().invoke(app, ["report", str(run), "--data", str(mnist_dir)])
    assert result.exit_code == 0, result.output
    assert (run / "report.html").stat().st_size > 100_000
    result = CliRunner().invoke(app, ["report", str(tmp_path), "--data", str(mnist_dir)])
    assert result.exit_code == 1 and "not a complete run" in result.output


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_report_renders_in_headless_chromium(run_with_reports, tmp_path):
    from toolkit.report import build_report

    dataset, run = run_with_reports
    page = build_report(run, dataset.x_test, dataset.y_test)
    shot = tmp_path / "report.png"
    for width in (1280, 390):  # a laptop and a phone
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={width},3000", f"--screenshot={shot}",
             f"file://{page}"],
            capture_output=True, timeout=120, check=False,
        )
        picture = cv2.imread(str(shot))
        assert picture is not None and picture.shape[1] == width
        assert picture.std() > 20  # text, tables and pictures, not a blank or an error page
        shot.unlink()
