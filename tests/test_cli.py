import json
import subprocess
import sys

import pytest
from helpers import synthetic_arrays, write_idx_folder
from typer.testing import CliRunner

from core import __version__
from toolkit.cli import app

runner = CliRunner()


def test_version_and_help():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"cnnkit {__version__}"
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "train" in result.output


def test_cli_import_does_not_load_tensorflow():
    code = "import sys, toolkit.cli; print(sorted(m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_parsing_a_command_does_not_load_pydantic(tmp_path):
    # typer 0.29 validates every option through pydantic, which costs ~0.25 s of a one-image
    # `cnnkit predict` (issue 12's 0.6 s budget); pyproject pins typer below it. A missing
    # image file is refused after its options were parsed, before any model is loaded.
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom toolkit.cli import app\n"
        f"r = CliRunner().invoke(app, ['predict', {str(tmp_path / 'missing.png')!r}, '--model', "
        f"{str(tmp_path / 'missing.tflite')!r}, '--min-confidence', '0.4', '--threads', '1'])\n"
        "print(r.exit_code, 'pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["1", "False"]


def test_project_error_is_one_red_line_and_exit_1(tmp_path):
    result = runner.invoke(app, ["train", "--data", str(tmp_path / "missing")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "does not exist" in lines[0]


def test_bad_option_value_is_one_line_too(tmp_path):
    result = runner.invoke(app, ["train", "--data", str(tmp_path), "--validation-split", "1.5"])
    assert result.exit_code == 2  # a refused option value
    assert "validation split must be in [0, 1)" in result.output


def test_debug_variable_shows_the_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNKIT_DEBUG", "1")
    result = runner.invoke(app, ["train", "--data", str(tmp_path / "missing")])
    assert result.exit_code == 1
    from core.errors import DataError

    assert isinstance(result.exception, DataError)


def test_unknown_recipe_is_rejected_by_the_parser():
    result = runner.invoke(app, ["train", "--recipe", "fast"])
    assert result.exit_code == 2


def test_train_command_end_to_end_on_small_data(tmp_path):
    pytest.importorskip("tensorflow")
    data = write_idx_folder(tmp_path / "data", synthetic_arrays(n_train=200, n_test=40))
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["train", "--data", str(data), "--out", str(out), "--epochs", "1", "--batch-size", "50", "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    assert "custom dataset" in result.output
    assert "epoch 1/1" in result.output
    summary = result.output.strip().splitlines()[-1]
    assert summary.startswith("test accuracy") and str(out) in summary
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["seed"] == 7 and metrics["recipe"]["batch_size"] == 50
    assert metrics["dataset"]["train_images"] == 200


def test_error_text_with_brackets_is_printed_as_is(tmp_path):
    folder = tmp_path / "data[v2]"
    result = runner.invoke(app, ["train", "--data", str(folder)])
    assert result.exit_code == 1 and "data[v2] does not exist" in result.output


def test_confidence_never_rounds_up_to_a_certainty():
    from toolkit.tables import confidence_text

    assert confidence_text(0.99609375) == "99.6%"  # the int8 model's ceiling, 255/256
    assert confidence_text(0.9999) == "99.9%"
    assert confidence_text(1.0) == "100.0%"
    assert confidence_text(0.5) == "50.0%"


def test_help_texts_name_no_python_types_and_describe_every_camera_option():
    import re

    from typer.testing import CliRunner

    from toolkit.cli import app

    for command in ("train", "export", "verify", "bench", "predict", "explain", "doctor"):
        result = CliRunner().invoke(app, [command, "--help"], terminal_width=120)
        assert result.exit_code == 0, result.output
        assert "<bool>" not in result.output and "<list" not in result.output and "list[" not in result.output, command
    from camera_demo.config import camera_parser

    parser = camera_parser("python -m camera_demo")
    undescribed = [action.option_strings for action in parser._actions if not (action.help or "").strip()]
    assert not undescribed
    assert re.search(r"--loop\s+play a video", parser.format_help())
