"""The download path, for real, against an HTTP server on 127.0.0.1 started here."""

import gzip
import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from helpers import SPLIT_FILES, idx_bytes, synthetic_arrays

from core.errors import DataError, DownloadError
from toolkit.data import load_dataset
from toolkit.download import RemoteFile, download_files, fetch_file


class _Mirror:
    """Serves `/<mirror>/<name>` from a dict; `behaviour[name]` may be 'drop' or 'corrupt'."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.behaviour: dict[str, str] = {}
        self.requests: list[str] = []
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                mirror.requests.append(self.path)
                name = self.path.rsplit("/", 1)[-1]
                body = mirror.files.get(name)
                if body is None:
                    self.send_error(404)
                    return
                behaviour = mirror.behaviour.get(name)
                if behaviour == "corrupt":
                    body = gzip.compress(b"not the file you are looking for")
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if behaviour == "drop":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(2)  # the server goes away mid-file
                    return
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture()
def mirror() -> Iterator[_Mirror]:
    mirror = _Mirror()
    thread = threading.Thread(target=mirror.server.serve_forever, daemon=True)
    thread.start()
    yield mirror
    mirror.server.shutdown()
    mirror.server.server_close()


def _publish(mirror: _Mirror) -> list[RemoteFile]:
    """Put a small synthetic dataset on the mirror; return its files with their true sums."""
    remotes = []
    for key, array in synthetic_arrays().items():
        raw = idx_bytes(array)
        name = SPLIT_FILES[key]
        mirror.files[f"{name}.gz"] = gzip.compress(raw)
        remotes.append(RemoteFile(name, hashlib.sha256(raw).hexdigest()))
    return remotes


def test_good_download_lands_in_cache_and_loads(mirror, tmp_path, monkeypatch):
    monkeypatch.delenv("CNNKIT_DATA", raising=False)
    files = _publish(mirror)
    dataset = load_dataset(cache_dir=tmp_path, files=files, mirrors=[mirror.url])
    np.testing.assert_array_equal(dataset.y_test, synthetic_arrays()["y_test"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.gz_name for f in files)
    # A second load reads the cache and asks the server nothing.
    asked = len(mirror.requests)
    load_dataset(cache_dir=tmp_path, files=files, mirrors=[mirror.url])
    assert len(mirror.requests) == asked


def test_corrupted_file_is_refused_and_leaves_nothing(mirror, tmp_path):
    files = _publish(mirror)
    mirror.behaviour[files[0].gz_name] = "corrupt"
    with pytest.raises(DownloadError, match="SHA-256"):
        fetch_file(f"{mirror.url}/{files[0].gz_name}", tmp_path / files[0].gz_name, files[0].sha256)
    assert list(tmp_path.iterdir()) == []


def test_dropped_connection_is_refused_and_leaves_nothing(mirror, tmp_path):
    files = _publish(mirror)
    mirror.behaviour[files[2].gz_name] = "drop"
    with pytest.raises(DownloadError):
        fetch_file(f"{mirror.url}/{files[2].gz_name}", tmp_path / files[2].gz_name, files[2].sha256)
    assert list(tmp_path.iterdir()) == []


def test_next_mirror_is_tried_when_one_fails(mirror, tmp_path):
    files = _publish(mirror)
    broken, good = f"{mirror.url}/broken", f"{mirror.url}/good"
    # The handler serves by file name, so both prefixes reach the same file: both fail, then both work.
    mirror.behaviour[files[1].gz_name] = "corrupt"
    with pytest.raises(DownloadError, match=r"broken/train-labels.*good/train-labels"):
        download_files(tmp_path, files=files, mirrors=[broken, good])
    assert {p.name for p in tmp_path.iterdir()} == {files[0].gz_name}, "only the verified file may stay"
    del mirror.behaviour[files[1].gz_name]
    download_files(tmp_path, files=files, mirrors=[broken, good])
    assert {p.name for p in tmp_path.iterdir()} == {f.gz_name for f in files}


def test_offline_error_says_what_was_tried_and_how_to_point_at_data(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNKIT_DATA", raising=False)
    files = [RemoteFile(name, "0" * 64) for name in SPLIT_FILES.values()]
    dead = "http://127.0.0.1:9"  # the discard port: nothing listens there
    with pytest.raises(DataError) as caught:
        load_dataset(cache_dir=tmp_path / "cache", files=files, mirrors=[dead])
    message = str(caught.value)
    assert "\n" not in message
    assert dead in message and "--data" in message and "CNNKIT_DATA" in message
    assert not (tmp_path / "cache").exists(), "an offline first run leaves no empty cache folder"
