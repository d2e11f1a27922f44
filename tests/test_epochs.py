"""Training epochs redrawn by worker processes (toolkit.epochs)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import learnable_arrays

from toolkit.epochs import draw_batch, epoch_order, images_per_batch, redrawn_epochs


def _training_set(count: int = 230):
    arrays = learnable_arrays(n_train=count, n_test=10)
    return arrays["x_train"], np.eye(10, dtype=np.float32)[arrays["y_train"]]


def test_an_epoch_is_its_batches_in_order_whoever_draws_them():
    images, targets = _training_set()
    batch_size = 64  # 230 digits: three full batches and one of 38
    epochs = list(redrawn_epochs(images, targets, batch_size, seed=3, epochs=2, workers=2))
    assert len(epochs) == 2
    for epoch, (drawn, drawn_targets) in enumerate(epochs):
        order = epoch_order(len(images), 3, epoch)
        expected = [draw_batch(images, targets, order, batch_size, 3, epoch, index) for index in range(4)]
        assert np.array_equal(drawn, np.concatenate([e[0] for e in expected]))
        assert np.array_equal(drawn_targets, np.concatenate([e[1] for e in expected]))
        # Keras cuts the array into batches of images_per_batch rows: each is one drawn batch.
        assert [len(e[0]) for e in expected] == [images_per_batch(batch_size)] * 3 + [38 + 38 // 8]
    assert not np.array_equal(epochs[0][0], epochs[1][0])  # each epoch is drawn afresh
    single = list(redrawn_epochs(images, targets, batch_size, seed=3, epochs=2, workers=1))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(epochs, single))


def test_a_batch_holds_its_digits_labels_and_uniform_non_digits_last():
    images, targets = _training_set()
    order = epoch_order(len(images), 0, 0)
    drawn, drawn_targets = draw_batch(images, targets, order, 64, 0, 0, 1)
    assert drawn.shape == (72, 28, 28) and drawn.dtype == np.uint8
    assert np.array_equal(drawn_targets[:64], targets[order[64:128]])
    assert np.allclose(drawn_targets[64:], 0.1)
    again, _ = draw_batch(images, targets, order, 64, 0, 0, 1)
    assert np.array_equal(drawn, again)
    assert not np.array_equal(drawn, draw_batch(images, targets, order, 64, 1, 0, 1)[0])  # another seed


def test_every_image_is_drawn_once_an_epoch_in_a_new_order():
    assert sorted(epoch_order(100, 0, 0)) == list(range(100))
    assert not np.array_equal(epoch_order(100, 0, 0), epoch_order(100, 0, 1))
    assert np.array_equal(epoch_order(100, 0, 1), epoch_order(100, 0, 1))


def test_a_failure_in_a_drawing_process_is_raised_in_training():
    images, targets = _training_set(40)
    flat = images.reshape(40, -1)  # not 28×28: redrawing fails inside the worker
    with pytest.raises(RuntimeError, match="drawing the training images failed"):
        list(redrawn_epochs(flat, targets, 16, seed=0, epochs=1))


def test_training_from_a_script_without_a_main_guard_draws_once(tmp_path):
    # multiprocessing's spawned workers import the caller's main script again: a script read from
    # stdin could not start them, and one without a __main__ guard would run twice.
    script = (
        "import sys; sys.path.insert(0, 'tests')\n"
        "import numpy as np\n"
        "from helpers import learnable_arrays\n"
        "from toolkit.epochs import redrawn_epochs\n"
        "arrays = learnable_arrays(n_train=64, n_test=10)\n"
        "targets = np.eye(10, dtype=np.float32)[arrays['y_train']]\n"
        "print('drawn', sum(len(x) for x, _ in redrawn_epochs(arrays['x_train'], targets, 32, 0, 2)))\n"
    )
    result = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).parents[1])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["drawn", str(2 * (64 + 2 * 4))]


def _drawing_processes() -> list[int]:
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields.get("PPid", "0")) == os.getpid() and b"toolkit.epochs" in command:
            children.append(int(status.parent.name))
    return children


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_stopping_early_stops_the_drawing_processes():
    images, targets = _training_set()
    epochs = redrawn_epochs(images, targets, 64, seed=0, epochs=5)
    next(epochs)
    assert len(_drawing_processes()) == 2  # drawing the next epoch
    epochs.close()  # what training does when it stops (an error, Ctrl-C)
    assert _drawing_processes() == []


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_drawing_processes_yield_the_cores_to_training():
    images, targets = _training_set()
    epochs = redrawn_epochs(images, targets, 64, seed=0, epochs=3)
    try:
        next(epochs)
        # Field 19 of /proc/PID/stat (after the command's closing parenthesis: field 3 is 1st) is the nice value.
        niceness = [int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[16]) for pid in _drawing_processes()]
    finally:
        epochs.close()
    assert len(niceness) == 2 and all(value > os.nice(0) for value in niceness)
