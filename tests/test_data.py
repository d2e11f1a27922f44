import gzip
from pathlib import Path

import numpy as np
import pytest
from helpers import SPLIT_FILES, idx_bytes, synthetic_arrays, write_idx_folder

from core.errors import DataError
from toolkit.data import MNIST_DATASET_SHA256, load_dataset, load_mnist, parse_idx, read_class_names, read_dataset


def test_parse_idx_round_trips_an_array():
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    parsed = parse_idx(idx_bytes(array), "x")
    assert parsed.dtype == np.uint8
    np.testing.assert_array_equal(parsed, array)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b"\x01" + b[1:], "bad magic"),
        (lambda b: b[:2] + b"\x0d" + b[3:], "element type 0x0d"),
        (lambda b: b[:-5], "truncated"),
        (lambda b: b + b"\x00", "truncated or padded"),
        (lambda b: b[:6], "truncated IDX header"),
        (lambda b: b"", "bad magic"),
    ],
)
def test_parse_idx_rejects_malformed_files(mutate, message):
    good = idx_bytes(np.zeros((3, 28, 28), dtype=np.uint8))
    with pytest.raises(DataError, match=message):
        parse_idx(mutate(good), "file")


def test_reads_gz_and_plain_idx_folders(tmp_path):
    arrays = synthetic_arrays()
    for gz in (True, False):
        folder = write_idx_folder(tmp_path / str(gz), arrays, gz=gz)
        dataset = read_dataset(folder)
        for key, expected in arrays.items():
            np.testing.assert_array_equal(getattr(dataset, key), expected)
        assert dataset.class_names == tuple("0123456789")
        assert not dataset.is_mnist


def test_checksum_is_the_same_for_idx_and_npz_and_changes_with_one_pixel(tmp_path):
    arrays = synthetic_arrays()
    from_idx = read_dataset(write_idx_folder(tmp_path / "idx", arrays))
    np.savez(tmp_path / "data.npz", **arrays)
    from_npz = read_dataset(tmp_path / "data.npz")
    assert from_idx.sha256 == from_npz.sha256
    arrays["x_test"][0, 0, 0] ^= 1
    np.savez(tmp_path / "changed.npz", **arrays)
    assert read_dataset(tmp_path / "changed.npz").sha256 != from_idx.sha256


def test_count_mismatch_between_images_and_labels_is_an_error(tmp_path):
    arrays = synthetic_arrays()
    arrays["y_train"] = arrays["y_train"][:-1]
    with pytest.raises(DataError, match="200 train images but"):
        read_dataset(write_idx_folder(tmp_path, arrays))


def test_labels_beyond_ten_classes_are_an_error(tmp_path):
    arrays = synthetic_arrays()
    arrays["y_test"][3] = 10
    with pytest.raises(DataError, match="labels go up to 10"):
        read_dataset(write_idx_folder(tmp_path, arrays))


def test_images_of_another_size_are_an_error(tmp_path):
    arrays = synthetic_arrays()
    arrays["x_train"] = np.zeros((200, 32, 32), dtype=np.uint8)
    with pytest.raises(DataError, match=r"\(N, 28, 28\)"):
        read_dataset(write_idx_folder(tmp_path, arrays))


def test_missing_file_and_broken_gzip_are_errors(tmp_path):
    folder = write_idx_folder(tmp_path, synthetic_arrays())
    broken = folder / f"{SPLIT_FILES['y_test']}.gz"
    broken.write_bytes(broken.read_bytes()[:20])
    with pytest.raises(DataError, match="not a complete gzip file"):
        read_dataset(folder)
    broken.unlink()
    with pytest.raises(DataError, match="has no t10k-labels-idx1-ubyte"):
        read_dataset(folder)


def test_npz_missing_arrays_or_not_npz(tmp_path):
    np.savez(tmp_path / "partial.npz", x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(DataError, match="lacks the arrays y_train, x_test, y_test"):
        read_dataset(tmp_path / "partial.npz")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(DataError, match="not a readable .npz"):
        read_dataset(tmp_path / "text.npz")
    (tmp_path / "data.csv").write_text("1,2")
    with pytest.raises(DataError, match="neither a folder"):
        read_dataset(tmp_path / "data.csv")


def test_class_names_come_from_labels_txt(tmp_path):
    folder = write_idx_folder(tmp_path, synthetic_arrays())
    names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    (folder / "labels.txt").write_text("\n".join(names) + "\n")
    assert read_dataset(folder).class_names == tuple(names)
    (folder / "labels.txt").write_text("a\nb\n")
    with pytest.raises(DataError, match="must hold 10 class names"):
        read_class_names(folder / "labels.txt")


def test_explicit_path_beats_environment_variable(tmp_path, monkeypatch):
    env_folder = write_idx_folder(tmp_path / "env", synthetic_arrays(seed=1))
    arg_folder = write_idx_folder(tmp_path / "arg", synthetic_arrays(seed=2))
    monkeypatch.setenv("CNNKIT_DATA", str(env_folder))
    assert load_dataset().source == env_folder
    assert load_dataset(arg_folder).source == arg_folder


def test_only_the_corrupt_cached_file_is_removed_and_the_error_says_which(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNKIT_DATA", raising=False)
    arrays = synthetic_arrays()
    cache = write_idx_folder(tmp_path / "cache", arrays)
    from helpers import idx_bytes

    from toolkit.download import RemoteFile, sha256_hex

    files = [RemoteFile(name, sha256_hex(idx_bytes(arrays[key]))) for key, name in SPLIT_FILES.items()]
    bad = files[1].gz_name
    (cache / bad).write_bytes(b"\x1f\x8b damaged")
    before = {path.name: path.read_bytes() for path in cache.glob("*.gz") if path.name != bad}
    with pytest.raises(DataError, match=f"removed the corrupt {bad}: is not a complete gzip file"):
        load_dataset(cache_dir=cache, files=files, mirrors=[])
    assert not (cache / bad).exists()
    assert {path.name: path.read_bytes() for path in cache.glob("*.gz")} == before, "the good files are kept"


def test_a_read_only_cache_is_read_and_a_corrupt_file_there_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNKIT_DATA", raising=False)
    arrays = synthetic_arrays()
    cache = write_idx_folder(tmp_path / "cache", arrays)
    from helpers import idx_bytes

    from toolkit.download import RemoteFile, sha256_hex

    files = [RemoteFile(name, sha256_hex(idx_bytes(arrays[key]))) for key, name in SPLIT_FILES.items()]
    # Writing is refused as on a read-only mount (root ignores chmod, so the refusal is simulated).
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: (_ for _ in ()).throw(PermissionError(13, "Read-only file system")))
    assert load_dataset(cache_dir=cache, files=files, mirrors=[]).x_train.shape == arrays["x_train"].shape
    (cache / files[0].gz_name).write_bytes(b"junk")
    with pytest.raises(DataError, match=f"cached {cache / files[0].gz_name} is corrupt .* cannot be removed"):
        load_dataset(cache_dir=cache, files=files, mirrors=[])


def test_load_mnist_real_data_matches_published_checksums(mnist_dir):
    (x_train, y_train), (x_test, y_test) = load_mnist(mnist_dir)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert set(np.unique(y_test)) == set(range(10))
    dataset = read_dataset(mnist_dir)
    assert dataset.is_mnist
    assert dataset.sha256 == MNIST_DATASET_SHA256


def test_real_mnist_as_npz_is_recognized(mnist_dir, tmp_path):
    (x_train, y_train), (x_test, y_test) = load_mnist(mnist_dir)
    np.savez_compressed(tmp_path / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    assert read_dataset(tmp_path / "mnist.npz").is_mnist


def test_changed_real_file_is_not_mnist(mnist_dir, tmp_path):
    folder = tmp_path / "copy"
    folder.mkdir()
    for name in SPLIT_FILES.values():
        data = gzip.decompress((mnist_dir / f"{name}.gz").read_bytes())
        if name.startswith("t10k-labels"):
            data = data[:-1] + bytes([(data[-1] + 1) % 10])
        (folder / name).write_bytes(data)
    assert not read_dataset(folder).is_mnist


def test_default_cache_dir_honours_environment(monkeypatch, tmp_path):
    from toolkit.data import default_cache_dir

    monkeypatch.setenv("CNNKIT_CACHE", str(tmp_path))
    assert default_cache_dir() == tmp_path / "mnist"
    monkeypatch.delenv("CNNKIT_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == Path(tmp_path / "xdg" / "cnnkit" / "mnist")
