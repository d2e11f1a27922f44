"""The four pictures of a training run, as in the reference write-up.

Each function draws one figure with matplotlib's file-only Agg backend and writes
it atomically, so an interrupted run never leaves a half-written PNG.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from core.atomic import atomic_path  # noqa: E402

_DPI = 110


def save_dataset_preview(
    images: np.ndarray, labels: np.ndarray, class_names: Sequence[str], path: Path, *, count: int = 40
) -> None:
    """Grid of the first ``count`` training digits, each titled with its label."""
    count = min(count, len(images))
    cols = 10
    rows = -(-count // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.1, rows * 1.25))
    for index, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if index < count:
            ax.imshow(images[index], cmap="gray_r", vmin=0, vmax=255)
            ax.set_title(class_names[labels[index]], fontsize=11)
    fig.suptitle("Training digits and their labels", fontsize=13)
    fig.tight_layout()
    _save(fig, path)


def save_curves(history: Mapping[str, Sequence[float]], path: Path) -> None:
    """Accuracy and loss per epoch, training and (when held out) validation."""
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (acc_ax, loss_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, metric, title in ((acc_ax, "accuracy", "Accuracy"), (loss_ax, "loss", "Loss (cross-entropy)")):
        ax.plot(epochs, history[metric], "o-", label="train")
        if history.get(f"val_{metric}"):
            ax.plot(epochs, history[f"val_{metric}"], "s--", label="validation")
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_xticks(epochs)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    _save(fig, path)


def save_confusion_matrix(matrix: np.ndarray, class_names: Sequence[str], path: Path, *, title: str) -> None:
    """Counts of true class (rows) against predicted class (columns), a number in every cell."""
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    # A log scale keeps the off-diagonal mistakes visible next to diagonals of ~1,000.
    shown = np.log1p(matrix)
    ax.imshow(shown, cmap="Blues")
    threshold = shown.max() / 2
    for (row, col), value in np.ndenumerate(matrix):
        colour = "white" if shown[row, col] > threshold else ("firebrick" if value and row != col else "black")
        ax.text(col, row, str(value), ha="center", va="center", fontsize=9, color=colour)
    ticks = np.arange(len(class_names))
    ax.set_xticks(ticks, class_names)
    ax.set_yticks(ticks, class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    _save(fig, path)


def save_predictions(
    images: np.ndarray,
    true_labels: np.ndarray,
    predicted: np.ndarray,
    class_names: Sequence[str],
    path: Path,
    *,
    count: int = 30,
) -> None:
    """Test digits titled "pred (true)": the first right ones and every mistake up to ``count``.

    Mistakes are titled in red and framed, so they stand out at a glance.
    """
    wrong = np.flatnonzero(predicted != true_labels)
    right = np.flatnonzero(predicted == true_labels)
    n_wrong = min(len(wrong), count // 3)
    chosen = np.concatenate([right[: count - n_wrong], wrong[:n_wrong]]).astype(int)
    cols = 10
    rows = -(-len(chosen) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.2, rows * 1.45))
    for ax, index in zip(np.atleast_1d(axes).ravel(), list(chosen) + [None] * (rows * cols), strict=False):
        ax.set_xticks([])
        ax.set_yticks([])
        if index is None:
            ax.axis("off")
            continue
        ok = predicted[index] == true_labels[index]
        ax.imshow(images[index], cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(
            f"{class_names[predicted[index]]} ({class_names[true_labels[index]]})",
            fontsize=10,
            color="black" if ok else "red",
            fontweight="normal" if ok else "bold",
        )
        for spine in ax.spines.values():
            spine.set_color("black" if ok else "red")
            spine.set_linewidth(0.5 if ok else 2.5)
    fig.suptitle(f"Test predictions: predicted (true); {len(wrong)} mistakes in {len(true_labels)}, red", fontsize=12)
    fig.tight_layout()
    _save(fig, path)


def _save(fig: plt.Figure, path: Path) -> None:
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=_DPI)
    finally:
        plt.close(fig)
