"""Rich tables of the commands' results: rendering only, no logic, no heavy imports."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.markup import escape
from rich.table import Column, Table

if TYPE_CHECKING:  # the objects come from modules that import TensorFlow; the tables need only their fields
    from export.api import ExportedModel
    from export.export_tflm import TflmProject
    from toolkit.bench import BenchReport
    from toolkit.verify import VerifyReport


def size_text(size_bytes: int) -> str:
    """Bytes as KiB with one decimal."""
    return f"{size_bytes / 1024:,.1f} KiB"


def short_size_text(size_bytes: int) -> str:
    """Bytes in at most seven characters: 230 KiB, 2.6 MiB."""
    if size_bytes >= 2**20:
        return f"{size_bytes / 2**20:.1f} MiB"
    return f"{size_bytes / 1024:.0f} KiB"


def export_table(written: Sequence[ExportedModel], model_path: Path) -> Table:
    table = Table(Column("file", no_wrap=True), "format", "quantization", "size", title=f"Exported from {model_path}", box=box.SIMPLE_HEAD)
    for item in written:
        table.add_row(escape(item.path.name), item.variant.format.value, item.variant.quantization.value, size_text(item.size_bytes))
    return table


def tflm_summary(project: TflmProject, folder: Path) -> str:
    """What a microcontroller build of the model needs, in a few lines."""
    return (
        f"TensorFlow Lite Micro project in {escape(str(folder))}: {', '.join(escape(name) for name in project.files)}\n"
        f"  flash  {project.flash_bytes:,} bytes for the model\n"
        f"  arena  {project.arena_bytes:,} bytes (measured {project.arena_measured_bytes:,} with TFLM's reference kernels, "
        "plus alignment and 25% margin)\n"
        f"  ops    {', '.join(project.resolver_methods)}"
    )


def verify_table(report: VerifyReport, model_path: Path) -> Table:
    """Each exported model against Keras; fits 80 columns (agreement and max |Δp| are in the JSON)."""
    runtimes = sorted({check.backend for check in report.models if check.backend})
    table = Table(
        Column("model", no_wrap=True), Column("accuracy", no_wrap=True), Column("Δ pp", justify="right", no_wrap=True),
        Column("95% interval", justify="right", no_wrap=True), Column("changed", justify="right", no_wrap=True),
        Column("result", no_wrap=True),
        title=f"Against {escape(model_path.name)}: {report.baseline_accuracy:.2%} on {report.test_images:,} test images",
        caption="Δ pp: change against Keras; its 95% interval comes from the images only one of the two reads right. "
        "* : a change told apart from zero. changed: images whose predicted digit differs."
        + (f" Read with {escape(', '.join(runtimes))}." if runtimes else ""),
        box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
    )
    for check in report.models:
        if check.accuracy is None:
            table.add_row(escape(Path(check.path).name), "-", "-", "-", "-", "[red]FAIL[/]")
            continue
        low, high = check.delta_ci_pp or (math.nan, math.nan)
        table.add_row(
            escape(Path(check.path).name),
            f"{check.accuracy:.2%}",
            f"{check.delta_pp:+.2f}" + ("*" if check.distinguishable else " "),
            escape(f"[{low:+.2f}, {high:+.2f}]"),
            str(check.changed),
            "[green]pass[/]" if check.passed else "[red]FAIL[/]",
        )
    return table


def layer_table(check) -> Table:
    """Each layer's quantization error in one int8 model, in the order the network runs."""
    table = Table(
        Column("layer", no_wrap=True), Column("op", no_wrap=True), Column("SQNR dB", justify="right", no_wrap=True),
        title=f"{escape(Path(check.path).name)}: error each layer adds (higher is better; 8 bits give at most ≈ 48 dB)",
        box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
    )
    for layer in check.layers:
        table.add_row(escape(layer["name"]), layer["op"], f"{layer['sqnr_db']:.1f}")
    return table


def bench_table(report: BenchReport) -> Table:
    """Latency, throughput and delegation per model; fits 80 columns (the rest is in the JSON)."""
    versions = ", ".join(f"{name} {version}" for name, version in report.versions.items() if version)
    table = Table(
        Column("model", no_wrap=True), *(Column(name, justify="right", no_wrap=True) for name in
                                         ("size", "p50 µs", "p95 µs", "img/s", "× call")),
        Column("delegated", no_wrap=True),
        title=f"{escape(report.cpu)}, {report.threads} thread(s) of {report.cores} cores",
        caption=f"p50/p95: one image a call. img/s: in batches of {report.large_batch}. × call: speed-up over "
        "calling the Keras model on one image. " + _delegation_caption(report)
        + (escape(report.int8_note) + "\n" if report.int8_note else "") + escape(versions),
        box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
    )
    for row in report.rows:
        delegated = "-" if row.total_ops is None else f"{row.delegated_ops}/{row.total_ops} in {row.partitions}"
        table.add_row(
            escape(row.name), short_size_text(row.size_bytes), f"{row.p50_us:,.1f}", f"{row.p95_us:,.1f}",
            f"{row.large_batch_images_per_s:,.0f}", f"{row.speedup_vs_keras_call:,.1f}×", delegated,
        )
    return table


def _delegation_caption(report: BenchReport) -> str:
    # "delegated 7/9 in 1": ops the XNNPACK delegate runs, of all, in how many partitions.
    lines = [
        f"{row.name}: {', '.join(row.fallback_ops)} on the default kernels"
        for row in report.rows
        if row.fallback_ops
    ]
    legend = "delegated: ops XNNPACK runs / all ops, in N partitions. " if any(r.total_ops for r in report.rows) else ""
    return escape(legend + "".join(line + ". " for line in lines)) + ("\n" if legend else "")


def confidence_text(confidence: float) -> str:
    """A probability as a percentage that never rounds up to a certainty it is not (0.9961 → 99.6%)."""
    return f"{math.floor(confidence * 1000) / 10:.1f}%"


def predict_table(results: Sequence[dict], model_path: Path, min_confidence: float) -> Table:
    title = f"Read with {model_path}, digits at {min_confidence:.0%} confidence or more"
    table = Table(
        Column("file", no_wrap=True), "number", "digits (confidence) at x,y w×h", title=title,
        box=box.SIMPLE_HEAD
    )
    for result in results:
        if "error" in result:
            table.add_row(escape(result["file"]), "[red]-[/]", f"[red]{escape(result['error'])}[/]")
        else:
            found = ", ".join(
                f"{d['name']} ({confidence_text(d['confidence'])}) at {d['box'][0]},{d['box'][1]} {d['box'][2]}×{d['box'][3]}"
                for d in result["digits"]
            ) or "no digit"
            table.add_row(escape(result["file"]), result["number"] or "-", escape(found))
    return table


def doctor_table(checks: Sequence) -> Table:
    colours = {"ok": "green", "warn": "yellow", "fail": "red"}
    table = Table("check", "status", "detail", "what to do", box=box.SIMPLE_HEAD)
    for check in checks:
        colour = colours[check.status.value]
        advice = f"[{colour}]{escape(check.advice)}[/]" if check.advice else ""
        table.add_row(check.name, f"[{colour}]{check.status.value}[/]", escape(check.detail), advice)
    return table
