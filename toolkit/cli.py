"""The `cnnkit` command line: each command parses options, calls one library function, prints.

Heavy imports (TensorFlow, the runtime's interpreters) happen inside the commands,
so `cnnkit --help` and `cnnkit --version` answer at once.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from core import __version__
from core.errors import CnnkitError, ConfigError
from core.native_noise import debug_requested, quiet_unless_debugging
from export.config import CalibrationMethod, ExportConfig, ExportFormat, Quantization, variants_for
from export.keras_file import check_keras_file
from toolkit import tables
from toolkit.config import BenchConfig, Recipe, TrainConfig
from toolkit.runs import RUNS_DIR

if TYPE_CHECKING:
    from toolkit.data import Dataset

# Long lines stay whole (the terminal wraps them). Piped output has no width: give tables room
# rather than rich's 80 columns, which cut the numbers.
_PIPE_WIDTH = None if sys.stdout.isatty() else 150
console = Console(soft_wrap=True, width=_PIPE_WIDTH)
err_console = Console(stderr=True, soft_wrap=True)


class _ReportingGroup(TyperGroup):
    """The one place where the project's errors become a red line and an exit code (2 for a refused option, else 1)."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CnnkitError as exc:
            if debug_requested():
                raise
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            # A refused option value exits 2, as the option parser's own refusals do; any other problem, 1.
            raise typer.Exit(2 if isinstance(exc, ConfigError) else 1) from None


# Typer prints an argument's Python type beside it ("IMAGE <list[Path]>"); its help says what it is.
if hasattr(typer.core, "TyperArgument"):
    typer.core.TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]

app = typer.Typer(
    cls=_ReportingGroup,
    help="Train, export, verify and run a handwritten-digit CNN on the edge.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: no type column, so no "<bool>" beside a flag or "<list[Path]>" beside files.
    rich_markup_mode=None,
)


def _show_version(value: bool) -> None:
    if value:
        console.print(f"cnnkit {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Train, export, verify and run a handwritten-digit CNN on the edge.

    Set CNNKIT_DEBUG=1 to see the full traceback of an error.
    """


JsonReportOption = Annotated[
    Path | None, typer.Option("--json", help="Also write the report here, as JSON.", show_default=False)
]
InterpreterThreadsOption = Annotated[int | None, typer.Option("--threads", help="Interpreter threads.", show_default=False)]

ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace an output file that is not cnnkit's own output of that kind.")
]

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Folder with the four MNIST IDX files (.gz or not) or a mnist.npz. "
        "Default: $CNNKIT_DATA, else the per-user cache, else a download.",
        show_default=False,
    ),
]


@app.command()
def train(
    data: DataOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder. Default: runs/<date>-<time>-seed<N>.", show_default=False)
    ] = None,
    recipe: Annotated[
        Recipe,
        typer.Option(
            "--recipe",
            help="'default': augmented, ≥99.2% and made for camera pages; 'plain': the same schedule "
            "without augmentation; 'reference': the write-up's recipe exactly.",
        ),
    ] = Recipe.DEFAULT,
    epochs: Annotated[int | None, typer.Option(help="Override the recipe's epochs.", show_default=False)] = None,
    batch_size: Annotated[int | None, typer.Option(help="Override the recipe's batch size.", show_default=False)] = None,
    validation_split: Annotated[
        float | None, typer.Option(help="Fraction of training data held out (0 for none).", show_default=False)
    ] = None,
    learning_rate: Annotated[
        float | None, typer.Option(help="Override the recipe's peak learning rate.", show_default=False)
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed and data give the same model.")] = 0,
    force: ForceOption = False,
) -> None:
    """Train the reference CNN; write model.keras, metrics.json and four pictures."""
    out_dir = _run_folder(out, seed, data, force)
    config = TrainConfig.from_recipe(
        recipe,
        out_dir,
        seed=seed,
        epochs=epochs,
        batch_size=batch_size,
        validation_split=validation_split,
        learning_rate=learning_rate,
    )
    dataset = _dataset(data)
    kind = "MNIST, checksums verified" if dataset.is_mnist else f"custom dataset, SHA-256 {dataset.sha256[:12]}…"
    console.print(f"data: {escape(str(dataset.source))} ({kind}; {len(dataset.x_train):,} train, {len(dataset.x_test):,} test)")

    existed = out_dir.exists()
    try:
        from toolkit.progress import RichTrainProgress
        from toolkit.train import train as run_training

        with RichTrainProgress(console) as progress:
            result = run_training(config, dataset, progress)
    except KeyboardInterrupt:
        # Nothing half-written stays behind to be taken for a run: metrics.json, written last, marks one complete.
        if not existed and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()
        err_console.print(f"[bold red]interrupted[/]: training stopped; no complete run was written to {escape(str(out_dir))}",
                          highlight=False)
        raise typer.Exit(130) from None
    metrics = result.metrics
    console.print(
        f"[bold green]test accuracy {metrics['test_accuracy']:.2%}[/] (loss {metrics['test_loss']:.4f}, "
        f"{metrics['test_errors']} errors) · recipe {config.spec.name.value}, seed {config.seed} · "
        f"trained in {metrics['train_seconds']:.0f} s · wrote {escape(str(result.out_dir))}/",
        highlight=False,
    )


def _run_folder(out: Path | None, seed: int, data: Path | None, force: bool) -> Path:
    """The run folder of train and pipeline (default runs/<date>-<time>-seed<N>), checked before any work."""
    from core.outputs import check_output
    from toolkit.runs import is_run_folder

    out_dir = out or RUNS_DIR / time.strftime(f"%Y%m%d-%H%M%S-seed{seed}")
    check_output(out_dir, option="--out", inputs=[data] if data else [], is_ours=is_run_folder, kind="run folder",
                 force=force, folder=True)
    return out_dir


@app.command()
def pipeline(
    data: DataOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="The run folder. Default: runs/<date>-<time>-seed<N>.", show_default=False)
    ] = None,
    recipe: Annotated[Recipe, typer.Option("--recipe", help="The training recipe (see `cnnkit train --help`).")] = Recipe.DEFAULT,
    seed: Annotated[int, typer.Option(help="Random seed of training and calibration.")] = 0,
    force: ForceOption = False,
) -> None:
    """Train, export every variant, verify on all test images, time them, and write report.html; exit 1 if verify fails."""
    config = TrainConfig.from_recipe(recipe, _run_folder(out, seed, data, force), seed=seed)
    dataset = _dataset(data)
    from toolkit.pipeline import run_pipeline
    from toolkit.progress import RichTrainProgress
    from toolkit.verify import VerificationFailed

    started = time.perf_counter()
    # Each step as it starts: what the step before it did, and what this one does.
    steps = {"export": ("trained", "exporting 6 variants"), "verify": ("exported 6 variants", "verifying on every test image"),
             "bench": ("verified", "timing every model"), "report": ("timed", "writing report.html")}
    with RichTrainProgress(console) as progress:
        def on_step(step: str) -> None:
            finished, starting = steps[step]
            progress.note(f"[green]✓[/] {finished}")
            progress.step(starting)

        result = run_pipeline(config, dataset, progress=progress, on_step=on_step)
    console.print(tables.verify_table(result.verify, result.run_dir / "model.keras"))
    photo = result.photo_path
    cnnkit = sys.argv[0] if Path(sys.argv[0]).name == "cnnkit" else "cnnkit"
    model_int8 = result.run_dir / "model_int8.tflite"
    video = Path("examples/sample_video.mp4")
    camera = (f"{cnnkit} camera --model {model_int8} --source {video} --headless --serve 8080 --loop --realtime"
              if video.is_file() else f"{cnnkit} camera --model {model_int8} --source 0")
    verdict = "[bold green]verified[/]" if result.verify.passed else "[bold red]verification FAILED[/]"
    console.print(
        f"\n[bold]test accuracy {result.metrics['test_accuracy']:.2%}[/] · {verdict} · "
        f"{time.perf_counter() - started:.0f} s in all\nreport: {escape(str(result.report_path))}\n\nTry next:\n"
        f"  {escape(cnnkit)} predict {escape(str(photo))} --model {escape(str(model_int8))} --save {escape(str(result.run_dir / 'read'))}\n"
        f"  {escape(cnnkit)} explain {escape(str(photo))} --model {escape(str(model_int8))}\n"
        f"  {escape(camera)}",
        highlight=False,
    )
    if not result.verify.passed:
        raise VerificationFailed("; ".join(result.verify.failures()) + f" (the report says so: {result.report_path})")


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (it holds metrics.json).", metavar="RUN_DIR")],
    data: DataOption = None,
) -> None:
    """Rebuild a run's report.html from its files (metrics.json, verify.json, bench.json, models), without retraining."""
    from toolkit.report import build_report

    if not run_dir.is_dir():
        raise ConfigError(f"{run_dir} is not a folder; give a run folder such as runs/quickstart")
    dataset = _dataset(data)
    with console.status(f"writing {run_dir / 'report.html'}"):
        path = build_report(run_dir, dataset.x_test, dataset.y_test)
    console.print(f"wrote {escape(str(path))}", highlight=False)


ModelOption = Annotated[
    Path | None,
    typer.Option("--model", help="The trained .keras file. Default: the newest runs/*/model.keras.", show_default=False),
]


@app.command("export")
def export_command(
    model: ModelOption = None,
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", help="tflite, onnx, all variants of both, or tflm (a TensorFlow Lite Micro project folder)."),
    ] = ExportFormat.TFLITE,
    quantize: Annotated[
        Quantization | None,
        typer.Option(help="Default: int8 for tflite (every op int8), none for onnx.", show_default=False),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder (or, for one model, file). Default: beside the .keras.", show_default=False)
    ] = None,
    calibration_samples: Annotated[int, typer.Option(help="Training images that calibrate int8, spread over the classes.")] = 500,
    calibration_method: Annotated[CalibrationMethod, typer.Option(help="ONNX int8 calibration.")] = CalibrationMethod.MINMAX,
    per_channel: Annotated[bool, typer.Option("--per-channel/--per-tensor", help="ONNX int8 weight scales.")] = True,
    data: DataOption = None,
    seed: Annotated[int, typer.Option(help="Picks the calibration images.")] = 0,
    c_name: Annotated[str, typer.Option(help="tflm: names the C++ array (g_<name>_data), its files and namespace.")] = "model_int8",
    force: ForceOption = False,
) -> None:
    """Export the trained model to quantized TFLite and/or ONNX, with metadata inside and beside each file."""

    model_path = check_keras_file(model or _newest_model())
    default_out = model_path.parent / "tflm" if fmt is ExportFormat.TFLM else model_path.parent
    config = ExportConfig(
        model_path=model_path,
        variants=variants_for(fmt, quantize),
        out=out or default_out,
        c_name=c_name,
        calibration_samples=calibration_samples,
        calibration_method=calibration_method,
        per_channel=per_channel,
        seed=seed,
    )
    _check_export_out(config, force)
    dataset = _dataset(data)
    from export.api import export_model

    with console.status(f"exporting {model_path} ({len(config.variants)} model(s))"):
        written = export_model(config, dataset.x_train, dataset.y_train)
    console.print(tables.export_table(written, model_path))
    for item in written:
        if item.variant.format is ExportFormat.TFLM:
            console.print(tables.tflm_summary(item.facts, item.path.parent), highlight=False)
    folders = sorted({str(item.path.parent) for item in written})
    console.print(f"wrote {len(written)} model(s), each with a .json sidecar, into {escape(', '.join(folders))}", highlight=False)


ExportedModelOption = Annotated[
    Path | None,
    typer.Option("--model", help="An exported .tflite or .onnx. Default: the newest runs/*/model_int8.tflite.", show_default=False),
]

ExportedArgument = Annotated[
    list[Path] | None,
    typer.Argument(help="Exported .tflite/.onnx files. Default: every one beside the .keras.", show_default=False,
                   metavar="MODEL_FILE"),
]


@app.command()
def verify(
    exported: ExportedArgument = None,
    model: ModelOption = None,
    max_drop: Annotated[float, typer.Option(help="Largest accepted accuracy drop against Keras, in percentage points.")] = 0.1,
    min_accuracy: Annotated[float, typer.Option(help="Smallest accepted Keras test accuracy, 0-1.")] = 0.99,
    json_path: JsonReportOption = None,
    force: ForceOption = False,
    threads: InterpreterThreadsOption = None,
    backend: Annotated[
        str | None,
        typer.Option(
            help="Run the models with this backend (e.g. tflm: TFLite Micro's reference kernels, for the "
            "int8 .tflite models). Default: by file suffix.",
            show_default=False,
        ),
    ] = None,
    per_layer: Annotated[
        bool,
        typer.Option("--per-layer", help="Also show how much error each layer's quantization adds in the int8 .tflite models "
                     "(SQNR in dB against the float .tflite, on 500 test images)."),
    ] = False,
    data: DataOption = None,
) -> None:
    """Check every exported model against the Keras model on the whole test set; exit 1 if any misses."""
    from core.outputs import check_output, json_with_keys
    from runtime.backend import backend_names
    from toolkit.config import VerifyConfig
    from toolkit.runs import exported_beside

    if backend is not None and backend not in backend_names():
        raise ConfigError(f"unknown --backend {backend!r}; choose one of {', '.join(backend_names())}")
    model_path = check_keras_file(model or _newest_model())
    files = tuple(exported or exported_beside(model_path, backend=backend))
    config = VerifyConfig(
        model_path, files, max_drop_pp=max_drop, min_accuracy=min_accuracy, num_threads=threads, backend=backend,
        per_layer=per_layer,
    )
    if json_path:
        check_output(json_path, option="--json", inputs=[model_path, *files], is_ours=json_with_keys("baseline", "models"),
                     kind="verify report", force=force)
    dataset = _dataset(data)
    from toolkit.verify import VerificationFailed, verify_models

    with console.status(f"running {len(files) + 1} models on {len(dataset.y_test):,} test images"):
        report = verify_models(config, dataset)
    console.print(tables.verify_table(report, model_path))
    for check in report.models:
        if check.layers:
            console.print(tables.layer_table(check))
        elif check.layers_problem:
            console.print(f"[yellow]{escape(Path(check.path).name)}: no per-layer errors: {escape(check.layers_problem)}[/]")
    for check in report.models:
        if check.arena_bytes is not None:
            console.print(f"{escape(Path(check.path).name)} under {check.backend}: tensor arena {check.arena_bytes:,} bytes", highlight=False)
    if json_path:
        _write_json(json_path, report.to_json())
    if not report.passed:
        raise VerificationFailed("; ".join(report.failures()))
    console.print(
        f"[bold green]verified[/]: Keras {report.baseline_accuracy:.2%} ≥ {min_accuracy:.2%}, and all "
        f"{len(report.models)} exported models within {max_drop:g} pp of it",
        highlight=False,
    )


@app.command()
def bench(
    exported: ExportedArgument = None,
    model: ModelOption = None,
    json_path: JsonReportOption = None,
    force: ForceOption = False,
    threads: Annotated[int, typer.Option(help="Threads for every interpreter and TensorFlow.")] = 1,
    calls: Annotated[int, typer.Option(help="Timed batch-1 calls per model (after a warm-up).")] = 1000,
    large_batch: Annotated[int, typer.Option(help="Batch size of the throughput measurement.")] = 256,
    tflm: Annotated[
        bool, typer.Option("--tflm", help="Also time each *_int8.tflite under TFLite Micro's reference kernels (slow on a PC).")
    ] = False,
    data: DataOption = None,
) -> None:
    """Time Keras and every exported model side by side: latency, throughput, speed-up, size."""
    from core.outputs import check_output, json_with_keys
    from toolkit.runs import exported_beside

    model_path = check_keras_file(model or _newest_model())
    config = BenchConfig(
        model_path,
        tuple(exported or exported_beside(model_path)),
        threads,
        calls=calls,
        large_batch=large_batch,
        tflm=tflm,
    )
    if json_path:
        check_output(json_path, option="--json", inputs=[model_path, *config.exported], is_ours=json_with_keys("rows", "cpu"),
                     kind="bench report", force=force)
    test_digits = _dataset(data).x_test
    if config.large_batch > len(test_digits):
        raise ConfigError(f"--large-batch {config.large_batch:,} is more than the {len(test_digits):,} test digits")
    digits = test_digits[: config.large_batch]
    from toolkit.bench import bench_models

    with console.status(f"timing {len(config.exported) + 2} models"):
        report = bench_models(config, digits)
    console.print(tables.bench_table(report))
    if json_path:
        _write_json(json_path, report.to_json())


@app.command()
def predict(
    images: Annotated[
        list[Path], typer.Argument(help="Image files: 28×28 MNIST-style digits or photos of handwriting.", metavar="IMAGE")
    ],
    model: ExportedModelOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on standard output.")] = False,
    min_confidence: Annotated[
        float | None,
        typer.Option(help="Below this probability a region is not a digit. Default: the model's own, 0.3 if it "
                     "learnt non-digits (the default recipe), else 0.5.", show_default=False),
    ] = None,
    threads: InterpreterThreadsOption = None,
    save: Annotated[
        Path | None,
        typer.Option("--save", help="Also write each image with its digits boxed and labelled into this folder, "
                     "as NAME.read.png.", show_default=False),
    ] = None,
) -> None:
    """Read the digits in image files; unreadable files are reported and the rest still read."""
    from core.outputs import check_output
    from runtime import load_model
    from runtime.errors import InputError
    from runtime.reader import default_min_confidence, read_image_file

    if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:  # also false for NaN
        raise ConfigError(f"--min-confidence must be a probability in [0, 1], got {min_confidence}")
    if threads is not None and threads < 1:
        raise ConfigError(f"--threads must be at least 1, got {threads}")
    from toolkit.runs import latest_exported

    if save is not None:
        check_output(save, option="--save", inputs=images, folder=True)
    loaded = load_model(model or latest_exported(), num_threads=threads)
    if min_confidence is None:
        min_confidence = default_min_confidence(loaded)
    results, failures = [], []
    for path in images:
        try:
            reading = read_image_file(path, loaded, min_confidence=min_confidence)
        except InputError as exc:
            failures.append(str(exc))
            results.append({"file": str(path), "error": str(exc)})
            continue
        results.append({"file": str(path), **reading.to_json()})
        if save is not None:
            results[-1]["saved"] = str(_save_reading(path, reading, save))
    if as_json:
        console.print_json(json.dumps(results))
    else:
        console.print(tables.predict_table(results, loaded.path, min_confidence))
    if failures:
        raise InputError(f"{len(failures)} of {len(images)} files could not be read: {'; '.join(failures)}")


@app.command()
def explain(
    image: Annotated[Path, typer.Argument(help="A photo of a handwritten digit, or a 28×28 MNIST-style image.", metavar="IMAGE")],
    model: Annotated[
        Path | None,
        typer.Option("--model", help="A .keras file or an exported .tflite. Default: the newest runs/*/model_int8.tflite "
                     "(no TensorFlow needed).", show_default=False),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write the picture (PNG). Default: IMAGE's name + .explained.png beside it.",
                     show_default=False),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Draw how the network reads a digit: each layer's feature maps and the ten probabilities, in one picture."""
    from core.outputs import check_output
    from runtime.opencv import write_png
    from toolkit.explain import draw, explain_image
    from toolkit.runs import latest_exported

    model_path = model or latest_exported()
    out = out or image.with_name(image.stem + ".explained.png")
    if out.suffix.lower() != ".png":
        raise ConfigError(f"--out {out} must end in .png")
    check_output(out, option="--out", inputs=[image, model_path], is_ours=lambda path: path.name.endswith(".explained.png"),
                 kind="explain picture", force=force)
    explanation = explain_image(image, model_path)
    write_png(out, draw(explanation))
    label = explanation.label
    console.print(
        f"{escape(str(image))}: reads {escape(explanation.class_names[label])} "
        f"({tables.confidence_text(float(explanation.stages['probabilities'][label]))}) with {escape(model_path.name)}; "
        f"the step-by-step picture is {escape(str(out))}",
        highlight=False,
    )


def _save_reading(image_path: Path, reading: Any, folder: Path) -> Path:
    """Write the image with its digits drawn on it as ``folder/NAME.read.png``; returns the path."""
    import numpy as np

    from camera_demo.overlay import draw_reading
    from runtime.opencv import cv2, write_png

    image = cv2().imdecode(np.fromfile(image_path, np.uint8), cv2().IMREAD_COLOR)
    out = folder / f"{image_path.stem}.read.png"
    folder.mkdir(parents=True, exist_ok=True)
    write_png(out, draw_reading(image, reading))
    return out


# The camera's options are declared once, in camera_demo.config; the CLI hands its arguments over.
@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
def camera(ctx: typer.Context) -> None:
    """Read digits live from a camera, the Pi camera, a video or images; q, Esc or Ctrl-C quits (--help for options)."""
    from camera_demo.config import parse_camera_args
    from camera_demo.errors import CameraError
    from camera_demo.loop import run
    from toolkit.runs import latest_exported

    config = parse_camera_args(ctx.args, "cnnkit camera", default_model=latest_exported)
    summary = run(config)
    # The summary goes to stderr so that `--jsonl -` keeps standard output pure JSON lines.
    err_console.print(summary.describe(), highlight=False)
    if summary.ended_early:
        raise CameraError(summary.ended_early)


@app.command()
def doctor(
    model: Annotated[
        Path | None, typer.Option("--model", help="Also time this exported model for 2 seconds.", show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
) -> None:
    """Tell whether this machine can run cnnkit, and how well; exit 1 if something is broken."""
    from toolkit.doctor import Status, diagnose, report_json

    with console.status("checking"):
        checks = diagnose(model)
    if as_json:
        print(report_json(checks))
    else:
        console.print(tables.doctor_table(checks))
    failed = [check.name for check in checks if check.status is Status.FAIL]
    if failed:
        raise CnnkitError(f"{len(failed)} check(s) failed: {', '.join(failed)}")


def _write_json(path: Path, data: object) -> None:
    from core.atomic import write_text_atomic

    write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def _newest_model() -> Path:
    """The newest complete run's model, with a note when newer runs were skipped as incomplete."""
    from toolkit.runs import MODEL_FILE, incomplete_runs, latest_model

    chosen = latest_model()
    newer = [run for run in incomplete_runs() if (run / MODEL_FILE).stat().st_mtime > chosen.stat().st_mtime]
    if newer:
        names = ", ".join(str(run) for run in newer)
        err_console.print(f"note: skipped {names}: training stopped before its metrics.json was written", highlight=False)
    return chosen


def _check_export_out(config: ExportConfig, force: bool) -> None:
    """The export's destination, before converting: a folder, or (one variant) a model file of cnnkit's."""
    from core.outputs import check_output
    from runtime.metadata import sidecar_path

    if config.out.suffix in {".tflite", ".onnx"}:
        check_output(config.out, option="--out", inputs=[config.model_path], is_ours=lambda p: sidecar_path(p).exists(),
                     kind="exported model", force=force)
    else:
        check_output(config.out, option="--out", inputs=[config.model_path], folder=True)


def _dataset(data: Path | None) -> Dataset:
    """Load the data a TensorFlow command needs, then quiet TensorFlow before it is imported."""
    from toolkit.data import load_dataset

    dataset = load_dataset(data)
    for note in dataset.notes:
        err_console.print(f"note: {escape(note)}", highlight=False)
    _quiet_tensorflow()
    return dataset


def _quiet_tensorflow() -> None:
    """Hide TensorFlow's C++ start-up chatter (CUDA probes, oneDNN notes); set the variable to see it."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def run() -> None:
    """Console-script entry point: the libraries' start-up notes are kept off the terminal (not with CNNKIT_DEBUG)."""
    with quiet_unless_debugging():
        app(prog_name="cnnkit")
