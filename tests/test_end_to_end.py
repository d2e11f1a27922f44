"""The slow end-to-end test: the real `cnnkit train`, default recipe, real MNIST."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from toolkit.train import METRICS_FILE, MODEL_FILE, PICTURES  # noqa: E402

CNNKIT = Path(sys.executable).with_name("cnnkit")


@pytest.mark.slow
def test_default_recipe_reaches_99_percent_on_real_mnist(trained_run):
    metrics = json.loads((trained_run / METRICS_FILE).read_text())
    assert metrics["test_accuracy"] >= 0.99, metrics["test_accuracy"]
    assert metrics["dataset"]["is_mnist"] is True
    assert metrics["recipe"]["name"] == "default"
    assert len(metrics["history"]["val_accuracy"]) == metrics["recipe"]["epochs"]
    assert np.array(metrics["confusion_matrix"]).trace() == round(metrics["test_accuracy"] * 10000)


@pytest.mark.slow
def test_every_artifact_exists_and_loads(trained_run, mnist_dir):
    import keras

    from toolkit.data import load_mnist, to_model_input

    model = keras.models.load_model(trained_run / MODEL_FILE)
    _, (x_test, y_test) = load_mnist(mnist_dir)
    predicted = np.argmax(model.predict(to_model_input(x_test), batch_size=1000, verbose=0), axis=1)
    metrics = json.loads((trained_run / METRICS_FILE).read_text())
    assert np.mean(predicted == y_test) == pytest.approx(metrics["test_accuracy"], abs=1e-4)
    import matplotlib.image

    for picture in PICTURES:
        pixels = matplotlib.image.imread(trained_run / picture)
        assert pixels.shape[0] > 200 and pixels.shape[1] > 200, picture
        assert pixels.std() > 0.05, f"{picture} looks blank"


@pytest.mark.slow
def test_every_exported_model_passes_verify_on_the_real_test_set(verify_report):
    assert verify_report["passed"] is True
    assert len(verify_report["models"]) == 6
    assert all(model["passed"] for model in verify_report["models"])


@pytest.mark.slow
def test_exported_models_meet_their_accuracy_targets(verify_report):
    models = {Path(model["path"]).name: model for model in verify_report["models"]}
    int8 = models["model_int8.tflite"]
    assert int8["delta_pp"] >= -0.05 and int8["agreement"] >= 0.998, int8
    for name in ("model_fp32.tflite", "model_fp32.onnx"):
        assert models[name]["agreement"] == 1.0 and models[name]["max_abs_diff"] <= 1e-5, models[name]
    assert models["model_int8.onnx"]["delta_pp"] >= -0.1, models["model_int8.onnx"]


@pytest.mark.slow
def test_int8_model_reads_as_well_under_tflite_micro(trained_run, verify_report, mnist_dir):
    pytest.importorskip("tflite_micro")
    report_path = trained_run / "verify_tflm.json"
    completed = subprocess.run(
        [str(CNNKIT), "verify", "--model", str(trained_run / MODEL_FILE), "--backend", "tflm", "--data", str(mnist_dir),
         "--json", str(report_path)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    report = json.loads(report_path.read_text())
    (micro,) = report["models"]  # --backend tflm checks the full-integer model only
    assert Path(micro["path"]).name == "model_int8.tflite" and micro["backend"] == "tflm"
    assert isinstance(micro["arena_bytes"], int) and 10_000 < micro["arena_bytes"] < 100_000
    litert = next(m for m in verify_report["models"] if Path(m["path"]).name == "model_int8.tflite")
    assert abs(micro["accuracy"] - litert["accuracy"]) * 100 <= 0.02 + 1e-9, (micro["accuracy"], litert["accuracy"])


def _read_rates(model, scenes) -> dict[str, float]:
    from runtime.reader import read_digits

    right: dict[str, list[bool]] = {"single": [], "multi": [], "blank": []}
    for scene in scenes:
        read = "".join(digit.name for digit in read_digits(scene.image, model).digits)
        kind = "blank" if not scene.labels else "single" if len(scene.labels) == 1 else "multi"
        right[kind].append(read == scene.number)
    return {kind: float(np.mean(values)) for kind, values in right.items() if values}


@pytest.mark.slow
def test_reading_synthetic_camera_frames_holds_its_floor(trained_run, verify_report, mnist_dir):
    from benchmarks.scenes import scene_set
    from runtime import load_model
    from toolkit.data import load_mnist

    model = load_model(trained_run / "model_int8.tflite", num_threads=1)
    _, (x_test, y_test) = load_mnist(mnist_dir)
    rates = _read_rates(model, scene_set(x_test, y_test, singles=100, multis=60, blanks=40, seed=7))
    assert rates["single"] >= 0.95 and rates["multi"] >= 0.87 and rates["blank"] >= 0.97, rates


@pytest.mark.slow
def test_reading_hard_pages_holds_its_floor(trained_run, verify_report, mnist_dir):
    """A fixed sample of pages with the hard cases mixed, touching digits alone, and another writer's hand."""
    from benchmarks.pages import Condition, find_font, font_glyphs, font_source, mnist_source, page_set
    from runtime import load_model
    from toolkit.data import load_mnist

    model = load_model(trained_run / "model_int8.tflite", num_threads=1)
    _, (x_test, y_test) = load_mnist(mnist_dir)
    digits = mnist_source(x_test[5000:], y_test[5000:])
    mixed = _read_rates(model, page_set(digits, singles=120, multis=80, blanks=60, seed=11))
    assert mixed["single"] >= MIXED_FLOOR["single"] and mixed["multi"] >= MIXED_FLOOR["multi"], mixed
    assert mixed["blank"] >= MIXED_FLOOR["blank"], mixed
    touching_only = {condition: 0.0 for condition in Condition} | {Condition.TOUCHING: 1.0}
    touching = _read_rates(model, page_set(digits, singles=0, multis=60, blanks=0, seed=12, rates=touching_only))
    assert touching["multi"] >= TOUCHING_FLOOR, touching
    font = find_font("Humor-Sans.ttf")
    if font is None:
        pytest.skip("fonts-humor-sans is not installed (.ci/run installs it): the other-writer floor is unchecked")
    clean = {condition: 0.0 for condition in Condition}
    other_hand = _read_rates(
        model, page_set(font_source(font_glyphs(font)), singles=60, multis=40, blanks=0, seed=13, rates=clean)
    )
    assert other_hand["single"] >= FONT_FLOOR["single"] and other_hand["multi"] >= FONT_FLOOR["multi"], other_hand


@pytest.mark.slow
def test_comparing_a_checkout_with_itself_reads_every_frame_the_same(trained_run, verify_report, mnist_dir):
    from benchmarks.compare_readers import compare

    checkout = Path(__file__).resolve().parents[1]
    report = compare(checkout, checkout, trained_run / "model_int8.tflite", frames=8, mnist=mnist_dir)
    assert report["frames"] == 8 and report["same_reading"] == 8, report
    assert report["before_ms"]["median"] > 0 and report["after_ms"]["median"] > 0, report


# Floors below what the default recipe's seed-0 model reads on these fixed samples (see the
# README's reading table), low enough for training noise, high enough to catch a regression.
# The seed-0 model read 95.8% / 82.5% / no blank report mixed, 88.3% touching, 100% / 100% in Humor Sans
# (the recipe without marker strokes, seeds 0 and 1: 97.5% / 83.8% and 94.2% / 85.0% mixed, 90.0% and
# 91.7% touching, 100% / 100%).
MIXED_FLOOR = {"single": 0.9, "multi": 0.78, "blank": 0.95}
TOUCHING_FLOOR = 0.84
FONT_FLOOR = {"single": 0.95, "multi": 0.92}


@pytest.mark.slow
def test_predict_reads_a_photo_and_an_mnist_png(trained_run, verify_report, mnist_dir, tmp_path):
    import cv2

    from benchmarks.scenes import render_scene
    from toolkit.data import load_mnist

    _, (x_test, y_test) = load_mnist(mnist_dir)
    scene = render_scene(x_test[:3], y_test[:3], np.random.default_rng(1))
    cv2.imwrite(str(tmp_path / "photo.png"), scene.image)
    cv2.imwrite(str(tmp_path / "digit.png"), x_test[0])
    (tmp_path / "notes.png").write_text("not an image")
    completed = subprocess.run(
        [str(CNNKIT), "predict", "--model", str(trained_run / "model_int8.tflite"), "--json",
         str(tmp_path / "photo.png"), str(tmp_path / "notes.png"), str(tmp_path / "digit.png")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 1
    assert "1 of 3 files could not be read" in completed.stderr
    results = json.loads(completed.stdout)
    assert results[0]["number"] == "".join(map(str, y_test[:3]))
    assert "not an image" in results[1]["error"]
    assert results[2]["digits"][0]["label"] == y_test[0]


@pytest.mark.slow
def test_camera_reads_a_video_headless_into_jsonl(trained_run, verify_report, mnist_dir, tmp_path):
    import cv2

    from benchmarks.scenes import render_scene
    from toolkit.data import load_mnist

    _, (x_test, y_test) = load_mnist(mnist_dir)
    rng = np.random.default_rng(3)
    writer = cv2.VideoWriter(str(tmp_path / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
    truth = []
    for segment in range(6):
        chosen = rng.choice(len(x_test), size=int(rng.integers(1, 4)), replace=False)
        scene = render_scene(x_test[chosen], y_test[chosen], np.random.default_rng(segment))
        for _ in range(15):
            writer.write(scene.image)
            truth.append(scene.number)
    writer.release()
    completed = subprocess.run(
        [str(CNNKIT), "camera", "--model", str(trained_run / "model_int8.tflite"), "--source", str(tmp_path / "clip.avi"),
         "--headless", "--jsonl", "-"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    records = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [r["frame"] for r in records] == list(range(len(truth))), "a file is read frame by frame, every frame"
    for record in records:
        assert set(record) == {"frame", "time_ms", "digits", "number", "fps", "stage_ms"}
        assert [d["box"][0] for d in record["digits"]] == sorted(d["box"][0] for d in record["digits"])
    assert records[0]["fps"] is None and all(r["fps"] > 0 for r in records[1:])
    # Nobody watches a headless run without --serve: no overlay is drawn, so no draw stage.
    assert all(set(r["stage_ms"]) == {"capture", "find", "infer"} for r in records)
    exact = np.mean([record["number"] == number for record, number in zip(records, truth, strict=True)])
    assert exact >= 0.8, exact


@pytest.mark.slow
def test_touching_digits_are_two_and_a_five_with_a_detached_bar_is_one(trained_run, verify_report, mnist_dir):
    from benchmarks.pages import Condition, mnist_glyph, render_page
    from runtime import load_model
    from runtime.reader import read_digits
    from toolkit.data import load_mnist

    model = load_model(trained_run / "model_int8.tflite", num_threads=1)
    _, (x_test, y_test) = load_mnist(mnist_dir)
    rng = np.random.default_rng(21)
    fives = np.flatnonzero(y_test == 5)[:40]
    read_five = []
    for index in fives:
        glyph = mnist_glyph(x_test[index]).copy()
        height = glyph.shape[0]
        glyph[int(0.2 * height) : int(0.3 * height)] = 0  # the top bar no longer touches the body
        scene = render_page([glyph], [5], frozenset(), rng)
        read_five.append("".join(d.name for d in read_digits(scene.image, model).digits))
    # Two default-recipe models read 36 and 33 of these 40 (some fives without their bar's joint look like a 6).
    assert sum(read == "5" for read in read_five) >= 26, read_five
    pairs = []
    for first, second in rng.choice(np.arange(5000, 10000), size=(30, 2), replace=False):
        glyphs = [mnist_glyph(x_test[first]), mnist_glyph(x_test[second])]
        scene = render_page(glyphs, [y_test[first], y_test[second]], frozenset({Condition.TOUCHING}), rng, gaps=(-0.1, 0.0))
        pairs.append(("".join(d.name for d in read_digits(scene.image, model).digits), scene.number))
    # Touching or overlapping by up to a tenth of their height: the reader before issue 15 read 62%.
    assert sum(read == number for read, number in pairs) >= 23, pairs


@pytest.mark.slow
def test_minimal_example_reads_a_video_with_the_runtime_only(trained_run, verify_report, mnist_dir, tmp_path):
    import cv2

    from benchmarks.scenes import render_scene
    from toolkit.data import load_mnist

    _, (x_test, y_test) = load_mnist(mnist_dir)
    writer = cv2.VideoWriter(str(tmp_path / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
    truth = []
    for segment, chosen in enumerate(([0, 1], [2, 3, 4], [5])):
        scene = render_scene(x_test[chosen], y_test[chosen], np.random.default_rng(segment))
        for _ in range(5):
            writer.write(scene.image)
            truth.append(scene.number)
    writer.release()
    example = Path(__file__).resolve().parent.parent / "examples" / "minimal_pi.py"
    # Run as a user runs it; the guard makes an import of TensorFlow or the CLI fail loudly.
    guard = "import sys; sys.modules.update(tensorflow=None, keras=None, typer=None, toolkit=None, camera_demo=None); "
    completed = subprocess.run(
        [sys.executable, "-c", guard + f"import runpy, sys; sys.argv = [{str(example)!r}, {str(trained_run / 'model_int8.tflite')!r}, "
         f"{str(tmp_path / 'clip.avi')!r}, '--headless']; runpy.run_path(sys.argv[0], run_name='__main__')"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    read = completed.stdout.split()
    assert len(read) == len(truth), "one line per frame"
    assert np.mean([got == want for got, want in zip(read, truth, strict=True)]) >= 0.8, (read, truth)



@pytest.mark.slow
def test_per_layer_errors_of_the_int8_model_are_finite_and_in_network_order(verify_report):
    models = {Path(model["path"]).name: model for model in verify_report["models"]}
    layers = models["model_int8.tflite"]["layers"]
    assert [layer["name"] for layer in layers] == ["conv1", "pool1", "conv2", "pool2", "flatten", "dense", "probabilities",
                                                   "softmax"]
    assert [layer["op"] for layer in layers][:2] == ["CONV_2D", "MAX_POOL_2D"]
    assert all(np.isfinite(layer["sqnr_db"]) and 15.0 < layer["sqnr_db"] < 130.0 for layer in layers), layers
    assert models["model_fp32.tflite"]["layers"] is None  # only full-integer models are measured


@pytest.mark.slow
def test_the_shipped_samples_read_as_the_readme_says(trained_run, verify_report, tmp_path):
    examples = Path(__file__).parent.parent / "examples"
    model = str(trained_run / "model_int8.tflite")
    read = subprocess.run(
        [str(CNNKIT), "predict", "--model", model, "--json", str(examples / "sample_photo.jpg"), str(examples / "sample_digit.png")],
        capture_output=True, text=True, timeout=300,
    )
    assert read.returncode == 0, read.stderr
    assert [result["number"] for result in json.loads(read.stdout)] == ["2026", "6"]
    played = subprocess.run(
        [str(CNNKIT), "camera", "--model", model, "--source", str(examples / "sample_video.mp4"), "--headless", "--jsonl", "-"],
        capture_output=True, text=True, timeout=300,
    )
    assert played.returncode == 0, played.stderr
    numbers = [json.loads(line)["number"] for line in played.stdout.splitlines()]
    assert len(numbers) == 48 and numbers[:24].count("2026") >= 20 and numbers[24:].count("1957") >= 20, numbers
    explained = subprocess.run(
        [str(CNNKIT), "explain", str(examples / "sample_digit.png"), "--model", model, "--out", str(tmp_path / "six.explained.png")],
        capture_output=True, text=True, timeout=300,
    )
    assert explained.returncode == 0 and "reads 6" in explained.stdout, explained.stdout + explained.stderr


@pytest.mark.slow
def test_pipeline_writes_a_verified_run_with_its_report_quietly(mnist_dir, tmp_path):
    from conftest import assert_no_library_noise

    run = tmp_path / "run"
    completed = subprocess.run([str(CNNKIT), "pipeline", "--data", str(mnist_dir), "--out", str(run)],
                               capture_output=True, text=True, timeout=1800)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert_no_library_noise(completed)
    for name in ("model.keras", "metrics.json", "model_int8.tflite", "model_int8.onnx", "verify.json", "bench.json",
                 "report.html", "photo.png"):
        assert (run / name).is_file(), name
    verify = json.loads((run / "verify.json").read_text())
    assert verify["passed"] and any(model["layers"] for model in verify["models"])
    out = completed.stdout
    assert "verified" in out and str(run / "report.html") in out and "Try next:" in out
    # The three suggested commands work as printed.
    suggested = [line.strip() for line in out.splitlines()[out.splitlines().index("Try next:") + 1:] if line.strip()]
    assert len(suggested) == 3
    for command in suggested[:2]:
        tried = subprocess.run(command.split(), capture_output=True, text=True, timeout=300)
        assert tried.returncode == 0, command + "\n" + tried.stdout + tried.stderr
