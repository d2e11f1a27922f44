"""Training progress on the terminal: a bar across all steps and one line per epoch."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class RichTrainProgress:
    """A :class:`toolkit.train.TrainProgress` that draws with rich; use it as a context manager."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("training", total=None)

    def __enter__(self) -> RichTrainProgress:
        self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()

    def on_batch(self, step: int, total_steps: int) -> None:
        self._progress.update(self._task, completed=step, total=total_steps)

    def on_epoch(self, epoch: int, epochs: int, logs: dict[str, float]) -> None:
        line = f"epoch {epoch}/{epochs}: loss {logs['loss']:.4f}, accuracy {logs['accuracy']:.4f}"
        if "val_accuracy" in logs:
            line += f"; validation loss {logs['val_loss']:.4f}, accuracy {logs['val_accuracy']:.4f}"
        self._progress.console.print(line, highlight=False)

    def step(self, description: str) -> None:
        """Replace the current bar with a new step of unknown length (the pipeline's export, verify, ...)."""
        self._progress.remove_task(self._task)
        self._task = self._progress.add_task(description, total=None)

    def note(self, line: str) -> None:
        """Print a line above the bar."""
        self._progress.console.print(line, highlight=False)
