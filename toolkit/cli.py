"""The `cnnkit` command line: each command parses options, calls one library function, prints.

Heavy imports (TensorFlow, the runtime's interpreters) happen inside the commands,
so `cnnkit --help` and `cnnkit --version` answer at once.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from toolkit import __version__
from toolkit.config import Recipe, TrainConfig
from toolkit.errors import CnnkitError

DEBUG_ENV = "CNNKIT_DEBUG"
RUNS_DIR = Path("runs")

console = Console()
err_console = Console(stderr=True)


class _ReportingGroup(TyperGroup):
    """The one place where the project's errors become a red line and exit code 1."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CnnkitError as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_ReportingGroup,
    help="Train, export, verify and run a handwritten-digit CNN on the edge.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
        Recipe, typer.Option("--recipe", help="'default': tuned to ≥99.2%; 'reference': the write-up's recipe exactly.")
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
) -> None:
    """Train the reference CNN; write model.keras, metrics.json and four pictures."""
    out_dir = out or RUNS_DIR / time.strftime(f"%Y%m%d-%H%M%S-seed{seed}")
    config = TrainConfig.from_recipe(
        recipe,
        out_dir,
        seed=seed,
        epochs=epochs,
        batch_size=batch_size,
        validation_split=validation_split,
        learning_rate=learning_rate,
    )
    from toolkit.data import load_dataset

    dataset = load_dataset(data)
    kind = "MNIST, checksums verified" if dataset.is_mnist else f"custom dataset, SHA-256 {dataset.sha256[:12]}…"
    console.print(f"data: {dataset.source} ({kind}; {len(dataset.x_train):,} train, {len(dataset.x_test):,} test)")

    from toolkit.progress import RichTrainProgress
    from toolkit.train import train as run_training

    with RichTrainProgress(console) as progress:
        result = run_training(config, dataset, progress)
    metrics = result.metrics
    console.print(
        f"[bold green]test accuracy {metrics['test_accuracy']:.2%}[/] (loss {metrics['test_loss']:.4f}, "
        f"{metrics['test_errors']} errors) · recipe {config.spec.name.value}, seed {config.seed} · "
        f"trained in {metrics['train_seconds']:.0f} s · wrote {result.out_dir}/",
        highlight=False,
    )


def run() -> None:
    """Console-script entry point."""
    app(prog_name="cnnkit")
