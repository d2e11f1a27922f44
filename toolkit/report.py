"""One self-contained page of a run's evidence: ``report.html``, rebuilt from the run's files.

Everything is inside the file (pictures as ``data:`` URIs, the chart as inline SVG, no
script, no font, no link out), so it can be mailed, opened offline, read on a phone and
printed. Its Content-Security-Policy forbids loading anything from anywhere.

Sources, all in the run folder: ``metrics.json`` (train), ``verify.json``, ``bench.json``
(either may be missing: the page says so), the four training pictures, ``model.keras``
(the architecture table) and ``model_int8.tflite`` (the step-by-step pictures).
"""

from __future__ import annotations

import base64
import html
import json
import math
import platform
from pathlib import Path
from typing import Any

import numpy as np

from core.atomic import write_text_atomic
from core.errors import ModelError
from toolkit.runs import METRICS_FILE, MODEL_FILE

REPORT_FILE = "report.html"
VERIFY_FILE = "verify.json"
BENCH_FILE = "bench.json"
PICTURES = (
    ("dataset_preview.png", "Training digits with their labels"),
    ("curves.png", "Accuracy and loss per epoch, training and validation"),
    ("confusion_matrix.png", "Test digits: true class (rows) against predicted class (columns)"),
    ("predictions.png", "Test digits with the predicted and the true label; mistakes in red"),
)
_MAX_THUMBNAILS = 24
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d1d1f; background: #fff; line-height: 1.45; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.verdict { padding: .8rem 1rem; border-radius: .4rem; font-size: 1.05rem; }
.pass { background: #e8f5e9; border: 1px solid #66bb6a; } .fail { background: #ffebee; border: 1px solid #e53935; color: #b71c1c; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; display: block; overflow-x: auto; }
th, td { padding: .25rem .6rem; text-align: right; border-bottom: 1px solid #eee; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .85rem; color: #555; }
.thumbs { display: flex; flex-wrap: wrap; gap: .5rem; } .thumbs figure { margin: 0; text-align: center; width: 5.5rem; }
.thumbs img { width: 56px; height: 56px; image-rendering: pixelated; }
.small { font-size: .85rem; color: #555; } .star { color: #b71c1c; font-weight: bold; }
svg text { font-size: 11px; fill: #333; }
@media print { main { max-width: none; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
"""


def build_report(run_dir: Path, test_images: np.ndarray, test_labels: np.ndarray) -> Path:
    """Write ``run_dir/report.html`` from the run's files; returns its path.

    Args:
        run_dir: A complete run folder (it holds ``metrics.json``).
        test_images: uint8 (N, 28, 28), the test split verify used (thumbnails, the explained digit).
        test_labels: Their labels.

    Raises:
        ModelError: The folder is not a complete run.
    """
    metrics_path = run_dir / METRICS_FILE
    if not metrics_path.is_file():
        raise ModelError(f"{run_dir} holds no {METRICS_FILE}: not a complete run (train one with `cnnkit train`)")
    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    verify = _read_json(run_dir / VERIFY_FILE)
    bench = _read_json(run_dir / BENCH_FILE)
    sections = [
        _summary(metrics, verify, run_dir),
        _model_card(metrics, bench, run_dir),
        _pictures(run_dir),
        _verify_section(verify, test_images),
        _per_class(metrics, verify),
        _layers_section(verify),
        _bench_section(bench),
        _explain_section(run_dir, test_images, test_labels),
    ]
    page = (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_CSP}\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>cnnkit run {html.escape(run_dir.name)}</title><style>{_STYLE}</style></head>\n"
        "<body><main>\n" + "\n".join(sections) + "\n</main></body></html>\n"
    )
    out = run_dir / REPORT_FILE
    write_text_atomic(out, page)
    return out


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _summary(metrics: dict, verify: dict | None, run_dir: Path) -> str:
    accuracy = metrics["test_accuracy"]
    head = f"<h1>cnnkit run <code>{html.escape(run_dir.name)}</code></h1>"
    line = (f"<p>The reference network reads <b>{accuracy:.2%}</b> of MNIST's 10,000 test digits "
            f"({metrics['test_errors']} mistakes), trained with the <b>{html.escape(metrics['recipe']['name'])}</b> "
            f"recipe in {metrics['train_seconds']:.0f} s.</p>")
    if verify is None:
        verdict = "<p class=\"verdict fail\">Not verified: no verify.json in this run (run <code>cnnkit verify --json</code>).</p>"
    elif verify["passed"]:
        verdict = (f"<p class=\"verdict pass\">Verified: all {len(verify['models'])} exported models read the test set within "
                   f"{verify['max_drop_pp']:g} percentage points of the Keras model.</p>")
    else:
        problems = [f"{Path(m['path']).name}: {m['problem']}" for m in verify["models"] if not m["passed"]]
        if not verify["baseline"]["passed"]:
            problems.insert(0, f"Keras accuracy {verify['baseline']['accuracy']:.2%} < {verify['min_accuracy']:.2%}")
        verdict = ("<p class=\"verdict fail\"><b>Verification failed.</b> " + "; ".join(html.escape(p) for p in problems)
                   + "</p>")
    return head + line + verdict


def _model_card(metrics: dict, bench: dict | None, run_dir: Path) -> str:
    rows = "".join(f"<tr><td>{html.escape(name)}</td><td>{html.escape(shape)}</td><td>{params:,}</td></tr>"
                   for name, shape, params in _architecture(run_dir / MODEL_FILE))
    recipe = metrics["recipe"]
    dataset = metrics["dataset"]
    versions = ", ".join(f"{k} {v}" for k, v in {**metrics.get("versions", {}), "cnnkit": metrics.get("cnnkit_version")}.items() if v)
    cpu = bench["cpu"] if bench else platform.processor() or platform.machine()
    facts = [
        ("recipe", f"{recipe['name']}: Adam, {recipe['loss']}, {recipe['epochs']} epochs, batch {recipe['batch_size']}, "
                   f"learning rate {recipe['learning_rate']:g} ({recipe['schedule']}), "
                   f"{'augmented' if recipe.get('augment') else 'not augmented'}, {recipe['validation_split']:.0%} validation"),
        ("data", f"{dataset['source']} ({'MNIST' if dataset.get('is_mnist') else 'custom'}, "
                 f"{dataset['train_images']:,} train, {dataset['test_images']:,} test), SHA-256 {dataset['sha256']}"),
        ("seed", str(metrics["seed"])),
        ("training time", f"{metrics['train_seconds']:.0f} s ({metrics['total_seconds']:.0f} s with evaluation)"),
        ("versions", versions),
        ("CPU", cpu),
    ]
    facts_html = "".join(f"<tr><td>{html.escape(k)}</td><td style=\"text-align:left;white-space:normal\">{html.escape(v)}</td></tr>"
                         for k, v in facts)
    return (f"<h2>Model card</h2><table><tr><th>layer</th><th>output</th><th>parameters</th></tr>{rows}"
            f"<tr><th>total</th><th></th><th>{metrics['parameters']:,}</th></tr></table><table>{facts_html}</table>")


def _architecture(model_path: Path) -> list[tuple[str, str, int]]:
    """(layer, output shape, parameters) for every layer of the Keras model."""
    from export.source import load_source_model

    model = load_source_model(model_path).model
    return [(layer.name, "×".join(str(d) for d in layer.output.shape[1:]), int(layer.count_params())) for layer in model.layers]


def _pictures(run_dir: Path) -> str:
    figures = [
        f"<figure><img src=\"{_png_file_uri(run_dir / name)}\" alt=\"{html.escape(caption)}\">"
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for name, caption in PICTURES
        if (run_dir / name).is_file()
    ]
    return "<h2>Training</h2>" + ("".join(figures) or "<p>No training pictures in this run.</p>")


def _verify_section(verify: dict | None, test_images: np.ndarray) -> str:
    if verify is None:
        return "<h2>Exported models against Keras</h2><p>Not verified yet.</p>"
    rows = []
    for model in verify["models"]:
        name = html.escape(Path(model["path"]).name)
        if model.get("accuracy") is None:
            rows.append(f"<tr><td>{name}</td><td colspan=\"5\" class=\"star\">{html.escape(model['problem'] or '')}</td></tr>")
            continue
        low, high = model.get("delta_ci_pp") or (math.nan, math.nan)
        told_apart = low > 0 or high < 0
        result = "pass" if model["passed"] else f"<span class=\"star\">FAIL: {html.escape(model['problem'] or '')}</span>"
        rows.append(
            f"<tr><td>{name}</td><td>{html.escape(model.get('quantization', ''))}</td><td>{model['accuracy']:.2%}</td>"
            f"<td>{model['delta_pp']:+.2f}{'<span class=star>*</span>' if told_apart else ''}</td>"
            f"<td>[{low:+.2f}, {high:+.2f}]</td><td>{model['changed']}</td><td>{result}</td></tr>"
        )
    table = ("<table><tr><th>model</th><th>quantization</th><th>accuracy</th><th>Δ pp</th><th>95% interval</th>"
             "<th>changed</th><th>result</th></tr>" + "".join(rows) + "</table>")
    legend = ("<p class=\"small\">Keras reads {:.2%}. Δ pp: the change against Keras in percentage points; its 95% interval "
              "comes from the paired predictions (only the images exactly one of the two reads right carry information). "
              "<span class=star>*</span> marks a change told apart from zero. changed: test digits whose predicted class "
              "differs from Keras's.</p>").format(verify["baseline"]["accuracy"])
    return "<h2>Exported models against Keras</h2>" + table + legend + _changed_thumbnails(verify, test_images)


def _changed_thumbnails(verify: dict, test_images: np.ndarray) -> str:
    blocks = []
    for model in verify["models"]:
        if model.get("quantization") != "int8" or not model.get("changed_indices"):
            continue
        labels = model.get("changed_labels") or [[None, None]] * len(model["changed_indices"])
        figures = "".join(
            f"<figure><img src=\"{_png_uri(test_images[index])}\" alt=\"test digit {index}\">"
            f"<figcaption>#{index}<br>Keras {keras} → {changed}</figcaption></figure>"
            for index, (keras, changed) in list(zip(model["changed_indices"], labels, strict=False))[:_MAX_THUMBNAILS]
        )
        more = len(model["changed_indices"]) - _MAX_THUMBNAILS
        blocks.append(f"<h3>{html.escape(Path(model['path']).name)}: the digits quantization changed</h3>"
                      f"<div class=\"thumbs\">{figures}</div>" + (f"<p class=small>and {more} more</p>" if more > 0 else ""))
    return "".join(blocks) or "<p class=\"small\">Quantization changed no test digit's prediction.</p>"


def _per_class(metrics: dict, verify: dict | None) -> str:
    matrix = np.array(metrics["confusion_matrix"])
    keras = matrix.diagonal() / np.maximum(matrix.sum(axis=1), 1)
    columns = [("Keras", keras)]
    for model in (verify or {}).get("models", []):
        if model.get("quantization") == "int8" and model.get("per_class_accuracy"):
            columns.append((Path(model["path"]).name, np.array(model["per_class_accuracy"], dtype=float)))
    names = metrics["dataset"].get("class_names") or [str(i) for i in range(len(keras))]
    head = "<tr><th>class</th>" + "".join(f"<th>{html.escape(name)}</th>" for name, _ in columns) + "</tr>"
    rows = "".join(
        f"<tr><td>{html.escape(str(names[c]))}</td>" + "".join(f"<td>{values[c]:.2%}</td>" for _, values in columns) + "</tr>"
        for c in range(len(keras))
    )
    return f"<h2>Accuracy per class</h2><table>{head}{rows}</table>"


def _layers_section(verify: dict | None) -> str:
    blocks = []
    for model in (verify or {}).get("models", []):
        if not model.get("layers"):
            continue
        rows = "".join(f"<tr><td>{html.escape(layer['name'])}</td><td>{html.escape(layer['op'])}</td>"
                       f"<td>{layer['sqnr_db']:.1f}</td></tr>" for layer in model["layers"])
        blocks.append(f"<h3>{html.escape(Path(model['path']).name)}</h3><table><tr><th>layer</th><th>op</th>"
                      f"<th>SQNR dB</th></tr>{rows}</table>")
    if not blocks:
        return "<h2>Quantization error per layer</h2><p>Not measured (run <code>cnnkit verify --per-layer --json</code>).</p>"
    return ("<h2>Quantization error per layer</h2><p class=\"small\">Each layer's int8 output against the float model's same "
            "tensor on 500 test digits, as a signal-to-quantization-noise ratio (higher is better; 8 bits give at most about "
            "48 dB, and each layer inherits the error of those before it).</p>" + "".join(blocks))


def _bench_section(bench: dict | None) -> str:
    if bench is None:
        return "<h2>Speed</h2><p>Not measured (run <code>cnnkit bench --json</code>).</p>"
    rows = "".join(
        f"<tr><td>{html.escape(row['name'])}</td><td>{row['size_bytes'] / 1024:,.0f} KiB</td><td>{row['p50_us']:,.1f}</td>"
        f"<td>{row['p95_us']:,.1f}</td><td>{row['large_batch_images_per_s']:,.0f}</td></tr>"
        for row in bench["rows"]
    )
    table = (f"<table><tr><th>model</th><th>size</th><th>p50 µs</th><th>p95 µs</th><th>img/s (batch {bench['large_batch']})"
             f"</th></tr>{rows}</table>")
    note = (f"<p class=\"small\">{html.escape(bench['cpu'])}, {bench['threads']} thread(s) of {bench['cores']} cores; one "
            "digit a call for p50 and p95.</p>")
    return "<h2>Speed</h2>" + _bench_chart(bench["rows"]) + table + note


def _bench_chart(rows: list[dict]) -> str:
    """Horizontal bars: latency per digit and file size per variant, as inline SVG."""
    shown = [row for row in rows if not row["name"].startswith("keras")]
    if not shown:
        return ""
    bar, gap, label, width = 16, 8, 190, 260
    height = len(shown) * (bar + gap) + 30
    longest_p50 = max(row["p50_us"] for row in shown)
    largest = max(row["size_bytes"] for row in shown)
    parts = [f"<svg viewBox=\"0 0 {label + 2 * width + 140} {height}\" width=\"100%\" role=\"img\" "
             "aria-label=\"latency and size per model\">",
             f"<text x=\"{label}\" y=\"12\">latency per digit (p50)</text>",
             f"<text x=\"{label + width + 60}\" y=\"12\">file size</text>"]
    for index, row in enumerate(shown):
        y = 20 + index * (bar + gap)
        p50 = row["p50_us"] / longest_p50 * width
        size = row["size_bytes"] / largest * width
        parts += [
            f"<text x=\"0\" y=\"{y + 12}\">{html.escape(row['name'])}</text>",
            f"<rect x=\"{label}\" y=\"{y}\" width=\"{p50:.1f}\" height=\"{bar}\" fill=\"#1e88e5\"/>",
            f"<text x=\"{label + p50 + 4:.1f}\" y=\"{y + 12}\">{row['p50_us']:,.0f} µs</text>",
            f"<rect x=\"{label + width + 60}\" y=\"{y}\" width=\"{size:.1f}\" height=\"{bar}\" fill=\"#8e24aa\"/>",
            f"<text x=\"{label + width + 64 + size:.1f}\" y=\"{y + 12}\">{row['size_bytes'] / 1024:,.0f} KiB</text>",
        ]
    return "".join(parts) + "</svg>"


def _explain_section(run_dir: Path, test_images: np.ndarray, test_labels: np.ndarray) -> str:
    from runtime import load_model
    from runtime.activations import tflite_activations
    from runtime.reader import read_digits
    from toolkit.explain import Explanation, draw

    model_path = run_dir / "model_int8.tflite"
    if not model_path.is_file():
        return "<h2>How the network reads a digit</h2><p>No model_int8.tflite in this run to show.</p>"
    model = load_model(model_path, num_threads=1)
    digit = test_images[0]
    figures = []
    test_picture = Explanation(_gray_to_bgr(digit), (0, 0, 28, 28), digit, tflite_activations(model_path, digit),
                               tuple(model.class_names), model_path)
    figures.append((draw(test_picture), f"Test digit #0 (a {test_labels[0]}) through model_int8.tflite, layer by layer"))
    photo = camera_like_photo(test_images[1])
    # Drawn however sure the model is (the caption says what it read): a young model may be unsure.
    reading = read_digits(photo, model, min_confidence=0.0)
    if reading.digits:
        found = max(reading.digits, key=lambda d: d.box[2] * d.box[3])
        explained = Explanation(photo, found.box, found.image, tflite_activations(model_path, found.image),
                                tuple(model.class_names), model_path)
        figures.append((draw(explained), f"Test digit #1 (a {test_labels[1]}) written on paper and photographed: "
                                         "found, made MNIST-style, and read"))
    return "<h2>How the network reads a digit</h2>" + "".join(
        f"<figure><img src=\"{_png_uri(picture)}\" alt=\"{html.escape(caption)}\"><figcaption>{html.escape(caption)}"
        "</figcaption></figure>"
        for picture, caption in figures
    )


def camera_like_photo(digit: np.ndarray, seed: int = 0) -> np.ndarray:
    """A 640×480 BGR 'photo' of an MNIST digit written in dark ink on unevenly lit, slightly noisy paper."""
    from runtime.opencv import cv2

    cv = cv2()
    rng = np.random.default_rng(seed)
    height, width = 480, 640
    light = np.linspace(225, 185, width, dtype=np.float32)[None, :] + np.linspace(0, -15, height, dtype=np.float32)[:, None]
    ink = cv.resize(digit, (200, 200), interpolation=cv.INTER_CUBIC).astype(np.float32) / 255.0
    page = light.copy()
    top, left = 140, 250
    region = page[top : top + 200, left : left + 200]
    page[top : top + 200, left : left + 200] = region * (1 - ink) + 35.0 * ink
    page = cv.GaussianBlur(page, (0, 0), 1.2) + rng.normal(0, 3, page.shape).astype(np.float32)
    gray = np.clip(page, 0, 255).astype(np.uint8)
    return cv.cvtColor(gray, cv.COLOR_GRAY2BGR)


def _gray_to_bgr(image: np.ndarray) -> np.ndarray:
    return np.repeat(image[..., None], 3, axis=2)


def _png_uri(image: np.ndarray) -> str:
    from runtime.opencv import png_bytes

    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii")


def _png_file_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
