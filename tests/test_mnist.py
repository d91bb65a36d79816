"""MNIST / Fashion-MNIST loading: IDX parsing, checksums, search order, downloads, splits, cache.

Most tests use tiny synthetic IDX files with a test-only checksum table. Tests marked ``mnist``
use the real files, found only through $NNLAB_DATA_DIR/mnist, and skip when it is not set.
Downloads go to a loopback HTTP server; nothing leaves the machine or writes to the real cache.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from nnlab.data import mnist
from nnlab.errors import DataError

# Read before the autouse fixture below removes it from each test's environment.
REAL_DATA_DIR = os.environ.get("NNLAB_DATA_DIR", "")
REAL_MNIST = Path(REAL_DATA_DIR) / "mnist" if REAL_DATA_DIR else None
HAVE_REAL = REAL_MNIST is not None and mnist.file_map(REAL_MNIST) is not None
needs_real = pytest.mark.skipif(
    not HAVE_REAL,
    reason="real MNIST not available: set NNLAB_DATA_DIR to a folder holding mnist/*.gz",
)

# Label counts of the official files (train: all 60,000; test: 10,000).
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
NAMES = [mnist.FILES[role] for role in mnist.ROLES]


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real data, cache, mirrors or system dirs unless a test asks; fast retries."""
    for var in ("NNLAB_DATA_DIR", "NNLAB_MNIST_MIRRORS", "NNLAB_FASHION_MNIST_MIRRORS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setitem(mnist.SYSTEM_DIRS, "fashion_mnist", [])
    monkeypatch.setattr(mnist.download, "RETRIES", 2)
    monkeypatch.setattr(mnist.download, "BACKOFF", 0.01)
    monkeypatch.setattr(mnist.download, "TIMEOUT", 5.0)


# ----------------------------------------------------------------------------- helpers


def idx_bytes(arr: np.ndarray) -> bytes:
    """Encode a uint8 array of 1 or 3 dims as IDX."""
    magic = {3: 0x00000803, 1: 0x00000801}[arr.ndim]
    dims = b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
    return magic.to_bytes(4, "big") + dims + arr.astype(np.uint8).tobytes()


def tiny_arrays(seed: int = 0, n_train: int = 30, n_test: int = 10) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": (np.arange(n_train) % 10).astype(np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def write_set(d: Path, arrays: dict[str, np.ndarray], gz: bool = True) -> dict[str, str]:
    """Write the four files into ``d``; returns their checksum table (SHA-256 of raw bytes)."""
    d.mkdir(parents=True, exist_ok=True)
    table = {}
    for role, arr in arrays.items():
        raw = idx_bytes(arr)
        base = mnist.FILES[role]
        if gz:
            (d / f"{base}.gz").write_bytes(gzip.compress(raw, mtime=0))
        else:
            (d / base).write_bytes(raw)
        table[base] = hashlib.sha256(raw).hexdigest()
    return table


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, np.ndarray]]:
    """A tiny gzipped MNIST set in a writable dir, with its checksums installed."""
    arrays = tiny_arrays()
    src = tmp_path / "data" / "mnist"
    monkeypatch.setitem(mnist.SHA256, "mnist", write_set(src, arrays))
    return src, arrays


def one_line_error(excinfo: pytest.ExceptionInfo[DataError], *needles: str) -> str:
    msg = str(excinfo.value)
    assert "\n" not in msg
    for needle in needles:
        assert needle in msg, f"{needle!r} not in {msg!r}"
    return msg


# ----------------------------------------------------------------------------- IDX parsing


def test_read_idx_gzip_and_raw_detected_by_content(tmp_path: Path) -> None:
    images = np.arange(3 * 28 * 28, dtype=np.uint32).reshape(3, 28, 28).astype(np.uint8)
    labels = np.array([7, 0, 9], dtype=np.uint8)
    # Names deliberately lie: gzip is detected by its magic bytes, not the ".gz" suffix.
    (tmp_path / "images").write_bytes(gzip.compress(idx_bytes(images)))
    (tmp_path / "labels.gz").write_bytes(idx_bytes(labels))
    got = mnist.read_idx(tmp_path / "images", ndim=3)
    assert got.dtype == np.uint8 and got.shape == (3, 28, 28)
    np.testing.assert_array_equal(got, images)
    np.testing.assert_array_equal(mnist.read_idx(str(tmp_path / "labels.gz")), labels)


def _labels_idx() -> bytes:
    return idx_bytes(np.arange(10, dtype=np.uint8))


def _images_idx() -> bytes:
    return idx_bytes(np.zeros((3, 28, 28), dtype=np.uint8))


IDX_DEFECTS = {
    "bad magic": (b"\x12\x34" + _labels_idx()[2:], "bad magic number 0x12340801"),
    "wrong dims": (b"\0\0\x08\x02" + _labels_idx()[4:], "declares 2 dimensions"),
    "dtype byte": (b"\0\0\x0d\x01" + _labels_idx()[4:], "unsupported IDX data type 0x0D"),
    "too short": (b"\0\0", "too short"),
    "short header": (_images_idx()[:10], "truncated header: expected 16 bytes, found 10"),
    "truncated": (_images_idx()[:-100], "truncated: expected 2352 bytes of data"),
    "trailing": (_labels_idx() + b"xyz", "3 unexpected trailing bytes"),
}


@pytest.mark.parametrize("compressed", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("defect", list(IDX_DEFECTS))
def test_read_idx_defects_are_one_line_errors(
    tmp_path: Path, defect: str, compressed: bool
) -> None:
    data, needle = IDX_DEFECTS[defect]
    path = tmp_path / ("train-labels-idx1-ubyte.gz" if compressed else "train-labels-idx1-ubyte")
    path.write_bytes(gzip.compress(data) if compressed else data)
    with pytest.raises(DataError) as excinfo:
        mnist.read_idx(path)
    one_line_error(excinfo, str(path), needle)


def test_truncated_data_message_says_how_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(_images_idx()[:1016]))
    with pytest.raises(DataError) as excinfo:
        mnist.read_idx(path, name="fashion_mnist")
    one_line_error(excinfo, "found 1000", "delete it and run `nnlab data fetch fashion_mnist`")


def test_read_idx_rejects_the_wrong_kind_of_file(tmp_path: Path) -> None:
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(_labels_idx())
    with pytest.raises(DataError) as excinfo:
        mnist.read_idx(path, ndim=3)
    one_line_error(excinfo, str(path), "holds labels")


def test_read_idx_corrupt_and_truncated_gzip(tmp_path: Path) -> None:
    gz = bytearray(gzip.compress(idx_bytes(np.arange(5000, dtype=np.uint8) % 10)))
    cut = tmp_path / "cut.gz"
    cut.write_bytes(bytes(gz[: len(gz) // 2]))
    with pytest.raises(DataError) as excinfo:
        mnist.read_idx(cut)
    one_line_error(excinfo, str(cut), "truncated gzip stream")

    gz[len(gz) // 2] ^= 0xFF
    gz[-8] ^= 0xFF  # and the CRC, so a lucky valid inflate still fails
    bad = tmp_path / "bad.gz"
    bad.write_bytes(bytes(gz))
    with pytest.raises(DataError) as excinfo:
        mnist.read_idx(bad)
    one_line_error(excinfo, str(bad), "gzip stream")


def test_read_idx_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError) as excinfo:
        mnist.read_idx(tmp_path / "nope")
    one_line_error(excinfo, "nope", "cannot read")


# ----------------------------------------------------------------------------- checksums


def test_recompressed_and_raw_copies_still_verify(tiny, tmp_path: Path) -> None:
    src, arrays = tiny
    copy = tmp_path / "copy"
    copy.mkdir()
    for i, base in enumerate(NAMES):
        raw = gzip.decompress((src / f"{base}.gz").read_bytes())
        if i % 2:
            (copy / base).write_bytes(raw)
        else:
            recompressed = gzip.compress(raw, compresslevel=1, mtime=12345)
            assert recompressed != (src / f"{base}.gz").read_bytes()
            (copy / f"{base}.gz").write_bytes(recompressed)
    assert mnist.fetch("mnist", path=copy) == copy
    data = mnist.load(path=copy, split="standard", val_split=0)
    np.testing.assert_array_equal(data.y_train, arrays["train_labels"])


def test_corrupted_file_fails_its_checksum(tiny) -> None:
    src, _ = tiny
    path = src / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[-1] ^= 0x01  # still a well-formed IDX file, but not the published data
    path.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(DataError) as excinfo:
        mnist.load(path=src.parent, split="standard")
    one_line_error(excinfo, str(path), "checksum mismatch", "nnlab data fetch mnist")
    with pytest.raises(DataError):
        mnist.fetch("mnist", path=src.parent)
    status = {f["role"]: f["checksum"] for f in mnist.info("mnist", path=src.parent)["files"]}
    assert status == {
        "train_images": "ok",
        "train_labels": "ok",
        "test_images": "bad",
        "test_labels": "ok",
    }


def test_other_datasets_files_are_named_as_such(tiny, monkeypatch) -> None:
    src, _ = tiny
    monkeypatch.setitem(mnist.SHA256, "fashion_mnist", {n: "0" * 64 for n in NAMES})
    with pytest.raises(DataError) as excinfo:
        mnist.load("fashion_mnist", path=src, split="standard")
    one_line_error(excinfo, str(src), "this is the MNIST file, not Fashion-MNIST")


# ----------------------------------------------------------------------------- search order


def test_search_order_path_then_env_then_cache(tmp_path: Path, monkeypatch) -> None:
    arrays = tiny_arrays()
    given = tmp_path / "given"  # files directly in the dir
    env = tmp_path / "env"  # files in env/mnist/
    cache = mnist.user_cache_dir() / "mnist"
    for d in (given, env / "mnist", cache):
        write_set(d, arrays)
    monkeypatch.setenv("NNLAB_DATA_DIR", str(env))
    assert mnist.find_files("mnist", given) == given
    assert mnist.find_files("mnist", tmp_path / "empty") == env / "mnist"
    assert mnist.find_files("mnist") == env / "mnist"
    monkeypatch.delenv("NNLAB_DATA_DIR")
    assert mnist.find_files("mnist") == cache
    assert mnist.search_dirs("mnist", given) == [given, mnist.user_cache_dir()]


def test_fashion_subfolders_raw_files_and_system_dir(tmp_path: Path, monkeypatch) -> None:
    arrays = tiny_arrays()
    assert mnist.find_files("fashion_mnist") is None
    system = tmp_path / "usr-share"
    write_set(system, arrays, gz=False)
    monkeypatch.setitem(mnist.SYSTEM_DIRS, "fashion_mnist", [system])
    assert mnist.find_files("fashion-mnist") == system  # searched last, raw files accepted
    monkeypatch.setitem(mnist.SHA256, "fashion_mnist", write_set(system, arrays, gz=False))
    data = mnist.load("fashion_mnist", split="standard", download=False)
    assert data.name == "fashion_mnist" and data.info["source"] == str(system)
    assert not (system / "decoded").exists()  # system dirs are never written to
    assert len(_cache_npys(mnist.user_cache_dir() / "fashion_mnist" / "decoded")) == 4
    base = tmp_path / "base"
    write_set(base / "fashion-mnist", arrays)
    assert mnist.find_files("fashion_mnist", base) == base / "fashion-mnist"
    write_set(base / "fashion_mnist", arrays)
    assert mnist.find_files("fashion_mnist", base) == base / "fashion_mnist"
    assert mnist.find_files("mnist", base) is None  # another dataset's folders do not count


def test_incomplete_dir_is_skipped(tmp_path: Path, monkeypatch) -> None:
    arrays = tiny_arrays()
    given = tmp_path / "given"
    write_set(given, arrays)
    (given / "t10k-labels-idx1-ubyte.gz").unlink()
    write_set(tmp_path / "env" / "mnist", arrays)
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path / "env"))
    assert mnist.find_files("mnist", given) == tmp_path / "env" / "mnist"


def test_user_cache_dir_follows_platform_and_env(tmp_path: Path, monkeypatch) -> None:
    assert mnist.user_cache_dir() == tmp_path / "xdg-cache" / "nnlab"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(mnist.locate.sys, "platform", "linux")
    assert mnist.user_cache_dir() == tmp_path / "home" / ".cache" / "nnlab"
    monkeypatch.setattr(mnist.locate.sys, "platform", "darwin")
    assert mnist.user_cache_dir() == tmp_path / "home" / "Library" / "Caches" / "nnlab"
    monkeypatch.setattr(mnist.locate.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert mnist.user_cache_dir() == tmp_path / "local" / "nnlab" / "Cache"


def test_unknown_dataset_and_bad_arguments() -> None:
    with pytest.raises(DataError) as excinfo:
        mnist.load("cifar10")
    one_line_error(excinfo, "cifar10", "mnist, fashion_mnist")
    with pytest.raises(DataError) as excinfo:
        mnist.load(split="random")
    one_line_error(excinfo, "'random'", "nielsen", "standard")
    for kwargs in ({"val_split": 1.0}, {"val_split": -0.1}, {"limit": 0}, {"limit": 2.5}):
        with pytest.raises(DataError):
            mnist.load(split="standard", **kwargs)


# ----------------------------------------------------------------------------- downloads


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests: list[str]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.requests.append(self.path)
        super().do_GET()


class _FlakyHandler(_QuietHandler):
    """Answers 503 to the first request for each path, then serves the file."""

    def do_GET(self) -> None:
        if self.path not in self.requests:
            self.requests.append(self.path)
            self.send_error(503)
            return
        super().do_GET()


def _serve(
    directory: Path, base: type[_QuietHandler] = _QuietHandler
) -> tuple[http.server.ThreadingHTTPServer, list[str]]:
    requests: list[str] = []
    handler = type("Handler", (base,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(directory))
    )
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, requests


@pytest.fixture
def www(tmp_path: Path) -> Iterator[tuple[str, Path, list[str]]]:
    """A loopback HTTP server over tmp_path/www: (base URL, root dir, request paths)."""
    root = tmp_path / "www"
    root.mkdir()
    server, requests = _serve(root)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", root, requests
    finally:
        server.shutdown()
        server.server_close()


def dead_url() -> str:
    """A loopback URL nobody listens on (a port bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def served(www, monkeypatch) -> tuple[str, Path, list[str], dict[str, np.ndarray]]:
    """A good tiny set at <url>/good/ and a checksum-failing copy at <url>/bad/."""
    url, root, requests = www
    arrays = tiny_arrays(seed=1)
    monkeypatch.setitem(mnist.SHA256, "mnist", write_set(root / "good", arrays))
    broken = {k: v.copy() for k, v in arrays.items()}
    for key in broken:
        broken[key][-1] = (broken[key][-1] + 1) % 10
    write_set(root / "bad", broken)
    return url, root, requests, arrays


def _leftovers(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir() if p.name.startswith("."))


def test_download_success_reports_progress(served, monkeypatch) -> None:
    url, _, _, arrays = served
    monkeypatch.setenv("NNLAB_MNIST_MIRRORS", f"{url}good")  # trailing slash optional
    calls: list[tuple[str, int, int | None]] = []
    data = mnist.load(split="standard", val_split=0.2, progress=lambda *a: calls.append(a))
    dest = mnist.user_cache_dir() / "mnist"
    assert data.info["source"] == str(dest)
    assert sorted(p.name for p in dest.glob("*.gz")) == sorted(f"{n}.gz" for n in NAMES)
    assert _leftovers(dest) == []
    np.testing.assert_array_equal(data.y_test, arrays["test_labels"])
    assert (len(data.x_train), len(data.x_val)) == (24, 6)
    finals = {name: (done, total) for name, done, total in calls}
    assert set(finals) == {f"{n}.gz" for n in NAMES}
    assert all(done == total and total > 0 for done, total in finals.values())
    assert mnist.find_files("mnist") == dest  # and later loads find it in the cache


def test_download_falls_back_past_dead_and_404_mirrors(served, monkeypatch) -> None:
    url, _, requests, _ = served
    dead = dead_url()
    monkeypatch.setenv("NNLAB_MNIST_MIRRORS", f"{dead}, {url}missing/, {url}good/")
    assert mnist.fetch("mnist") == mnist.user_cache_dir() / "mnist"
    assert [r for r in requests if r.startswith("/missing/")] == [f"/missing/{n}.gz" for n in NAMES]
    assert len([r for r in requests if r.startswith("/good/")]) == 4


def test_corrupt_download_is_rejected_and_next_mirror_used(served, monkeypatch) -> None:
    url, root, requests, _ = served
    monkeypatch.setenv("NNLAB_MNIST_MIRRORS", f"{url}bad/,{url}good/")
    dest = mnist.fetch("mnist")
    assert requests[:2] == [f"/bad/{NAMES[0]}.gz", f"/good/{NAMES[0]}.gz"]
    for name in NAMES:
        assert (dest / f"{name}.gz").read_bytes() == (root / "good" / f"{name}.gz").read_bytes()
    assert _leftovers(dest) == []


def test_server_errors_are_retried_on_the_same_mirror(served, monkeypatch) -> None:
    _, root, _, arrays = served
    server, requests = _serve(root / "good", _FlakyHandler)
    try:
        monkeypatch.setenv("NNLAB_MNIST_MIRRORS", f"http://127.0.0.1:{server.server_address[1]}/")
        data = mnist.load(split="standard", val_split=0)
    finally:
        server.shutdown()
        server.server_close()
    assert sorted(requests) == sorted(f"/{n}.gz" for n in NAMES for _ in range(2))
    np.testing.assert_array_equal(data.y_train, arrays["train_labels"])


def test_offline_error_names_files_and_dir(served, monkeypatch) -> None:
    url, _, _, _ = served
    monkeypatch.setenv("NNLAB_MNIST_MIRRORS", f"{dead_url()},{url}bad/")
    dest = mnist.user_cache_dir() / "mnist"
    with pytest.raises(DataError) as excinfo:
        mnist.load()
    one_line_error(
        excinfo,
        "MNIST not found and could not be downloaded",
        *[f"{n}.gz" for n in NAMES],
        str(dest),
        "NNLAB_DATA_DIR",
        "checksum mismatch",
    )
    assert not list(dest.glob("*.gz")) and _leftovers(dest) == []
    with pytest.raises(DataError) as excinfo:
        mnist.load(download=False)
    one_line_error(excinfo, "downloading is off", str(dest))


def test_mirror_lists_and_env_overrides(monkeypatch) -> None:
    assert mnist.mirrors("mnist")[0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"
    assert len(mnist.mirrors("mnist")) == 3 and len(mnist.mirrors("fashion_mnist")) == 2
    monkeypatch.setenv("NNLAB_FASHION_MNIST_MIRRORS", "http://a/x, http://b/y/")
    assert mnist.mirrors("fashion_mnist") == ["http://a/x/", "http://b/y/"]
    assert mnist.mirrors("mnist") == mnist.MIRRORS["mnist"]


@pytest.mark.mnist
@needs_real
def test_download_real_files_verifies_published_hashes(monkeypatch) -> None:
    assert REAL_MNIST is not None
    server, _requests = _serve(REAL_MNIST)
    try:
        good = f"http://127.0.0.1:{server.server_address[1]}/"
        monkeypatch.setenv("NNLAB_MNIST_MIRRORS", f"{dead_url()},{good}")
        dest = mnist.fetch("mnist")
    finally:
        server.shutdown()
        server.server_close()
    for name in NAMES:
        digest = hashlib.sha256(gzip.decompress((dest / f"{name}.gz").read_bytes())).hexdigest()
        assert digest == mnist.SHA256["mnist"][name]


# ----------------------------------------------------------------------------- decoded cache


def _cache_npys(d: Path) -> list[str]:
    return sorted(p.name for p in d.glob("*.npy")) if d.is_dir() else []


def test_second_load_reads_the_npy_cache(tiny, monkeypatch) -> None:
    src, _ = tiny
    first = mnist.load(path=src, split="standard")
    assert len(_cache_npys(src / "decoded")) == 4  # the source dir is writable
    assert mnist.info("mnist", path=src, verify=False)["cache"]["present"]

    def no_parsing(*args, **kwargs):
        raise AssertionError("the IDX files were read again")

    monkeypatch.setattr(mnist.idx, "_load_bytes", no_parsing)
    monkeypatch.setattr(mnist.idx, "read_idx", no_parsing)
    second = mnist.load(path=src, split="standard")
    for split in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(first, f"x_{split}"), getattr(second, f"x_{split}"))
        np.testing.assert_array_equal(getattr(first, f"y_{split}"), getattr(second, f"y_{split}"))


def test_read_only_source_caches_in_user_cache(tiny) -> None:
    src, _ = tiny
    src.chmod(0o555)  # root ignores this bit, so nnlab must respect it itself
    try:
        mnist.load(path=src, split="standard")
        assert not (src / "decoded").exists()
        assert len(_cache_npys(mnist.user_cache_dir() / "mnist" / "decoded")) == 4
    finally:
        src.chmod(0o755)


def test_cache_invalidated_when_a_source_file_changes(tiny, monkeypatch) -> None:
    src, arrays = tiny
    mnist.load(path=src, split="standard", val_split=0)
    old = _cache_npys(src / "decoded")
    new_labels = (arrays["train_labels"] + 3) % 10
    path = src / "train-labels-idx1-ubyte.gz"
    raw = idx_bytes(new_labels)
    path.write_bytes(gzip.compress(raw))
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    monkeypatch.setitem(mnist.SHA256["mnist"], path.name[:-3], hashlib.sha256(raw).hexdigest())

    reads: list[Path] = []
    real_load_bytes = mnist.idx._load_bytes
    monkeypatch.setattr(
        mnist.idx, "_load_bytes", lambda p, *a: reads.append(p) or real_load_bytes(p, *a)
    )
    data = mnist.load(path=src, split="standard", val_split=0)
    assert len(reads) == 4
    np.testing.assert_array_equal(data.y_train, new_labels)
    new = _cache_npys(src / "decoded")
    assert len(new) == 4 and not set(new) & set(old)  # stale arrays are removed

    # A damaged replacement is noticed too: the cache is not trusted past a size/mtime change.
    path.write_bytes(gzip.compress(idx_bytes(arrays["train_labels"])))
    with pytest.raises(DataError) as excinfo:
        mnist.load(path=src, split="standard", val_split=0)
    one_line_error(excinfo, str(path), "checksum mismatch")


def test_damaged_cache_file_is_rebuilt(tiny) -> None:
    src, arrays = tiny
    mnist.load(path=src, split="standard")
    victim = next((src / "decoded").glob("*train_images.npy"))
    victim.write_bytes(victim.read_bytes()[:50])
    data = mnist.load(path=src, split="standard", val_split=0)
    pixels = np.rint(data.x_train * 255).astype(np.uint8)
    np.testing.assert_array_equal(pixels, arrays["train_images"].reshape(30, -1))
    assert victim.stat().st_size > 50


def test_info_reports_files_and_cache(tiny) -> None:
    src, _ = tiny
    missing = mnist.info("mnist")
    assert not missing["found"] and not any(f["present"] for f in missing["files"])
    before = mnist.info("mnist", path=src)
    assert before["source"] == str(src) and before["cache"] == {"present": False, "dir": None}
    assert [f["checksum"] for f in before["files"]] == ["ok"] * 4
    assert all(f["size"] > 0 for f in before["files"])
    mnist.load(path=src, split="standard")
    after = mnist.info("mnist", path=src, verify=False)
    assert after["cache"]["present"] and after["cache"]["dir"] == str(src / "decoded")
    assert [f["checksum"] for f in after["files"]] == ["not checked"] * 4


def test_tiny_load_shapes_scaling_and_limits(tiny) -> None:
    src, arrays = tiny
    data = mnist.load(path=src, split="standard", val_split=0.1, limit=20, dtype=np.float64)
    assert data.task == "classification" and data.n_classes == 10 and data.n_features == 784
    assert data.x_train.shape == (20, 784) and data.x_train.dtype == np.float64
    assert data.y_train.dtype == np.int64 and data.y_train.shape == (20,)
    assert data.info["sizes"] == {"train": 20, "val": 3, "test": 10}
    np.testing.assert_array_equal(data.y_val, arrays["train_labels"][27:])
    assert 0.0 <= data.x_test.min() and data.x_test.max() <= 1.0
    with pytest.raises(DataError) as excinfo:
        mnist.load(path=src, split="standard", limit=28)
    one_line_error(excinfo, "limit 28", "27 training images")
    with pytest.raises(DataError) as excinfo:
        mnist.load(path=src)  # nielsen needs more than 10,000 training images
    one_line_error(excinfo, "nielsen", "standard")


# ----------------------------------------------------------------------------- real MNIST


@pytest.fixture(scope="module")
def real_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One decoded cache shared by the real-data tests, so the files are parsed only once."""
    return tmp_path_factory.mktemp("real-cache")


@pytest.fixture
def real_env(real_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NNLAB_DATA_DIR", REAL_DATA_DIR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(real_cache))
    return real_cache


@pytest.mark.mnist
@needs_real
def test_real_nielsen_split(real_env: Path) -> None:
    data = mnist.load("mnist")
    assert REAL_MNIST is not None and data.info["source"] == str(REAL_MNIST)
    assert data.info["split"] == "nielsen"
    assert data.info["sizes"] == {"train": 50_000, "val": 10_000, "test": 10_000}
    assert data.x_train.shape == (50_000, 784) and data.x_train.dtype == np.float32
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0
    assert data.y_train.dtype == np.int64
    train_counts = np.bincount(data.y_train, minlength=10) + np.bincount(data.y_val, minlength=10)
    assert train_counts.tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(data.y_test, minlength=10).tolist() == MNIST_TEST_COUNTS
    # The shared data folder is read-only: the decoded arrays went to the user cache instead.
    assert not (REAL_MNIST / "decoded").exists()
    assert len(_cache_npys(real_env / "nnlab" / "mnist" / "decoded")) == 4
    assert mnist.info("mnist", verify=False)["cache"]["present"]


@pytest.mark.mnist
@needs_real
def test_real_standard_split_and_limit(real_env: Path) -> None:
    std = mnist.load("mnist", split="standard", val_split=0.1)
    assert std.info["sizes"] == {"train": 54_000, "val": 6_000, "test": 10_000}
    all_train = np.concatenate([std.y_train, std.y_val])
    assert np.bincount(all_train, minlength=10).tolist() == MNIST_TRAIN_COUNTS
    none = mnist.load("mnist", split="standard", val_split=0)
    assert none.x_val is None and none.y_val is None and len(none.x_train) == 60_000
    np.testing.assert_array_equal(none.y_train[54_000:], std.y_val)

    small = mnist.load("mnist", split="nielsen", limit=1000)
    assert small.info["sizes"] == {"train": 1000, "val": 10_000, "test": 10_000}
    np.testing.assert_array_equal(small.y_train, none.y_train[:1000])
    np.testing.assert_array_equal(small.y_val, none.y_train[50_000:])
    with pytest.raises(DataError) as excinfo:
        mnist.load("mnist", limit=50_001)
    one_line_error(excinfo, "limit 50001", "50000 training images")


@pytest.mark.mnist
@needs_real
def test_real_info_verifies_published_hashes(real_env: Path) -> None:
    report = mnist.info("mnist")
    assert report["found"] and [f["checksum"] for f in report["files"]] == ["ok"] * 4
    assert REAL_MNIST is not None and mnist.fetch("mnist") == REAL_MNIST


def test_a_system_or_someone_elses_data_folder_is_never_written(tiny, tmp_path, monkeypatch):
    src, _ = tiny
    monkeypatch.setattr(mnist.cache, "SYSTEM_PREFIXES", (tmp_path,))  # as if it were /usr
    mnist.load(path=src, split="standard")
    assert not (src / "decoded").exists()  # even as root, who may write anywhere
    assert len(_cache_npys(mnist.user_cache_dir() / "mnist" / "decoded")) == 4
    monkeypatch.setattr(mnist.cache, "SYSTEM_PREFIXES", ())
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # a folder owned by another user
        os.chown(src, 12345, 12345)
        try:
            assert not mnist.cache._may_write(src)
        finally:
            os.chown(src, 0, 0)
    assert mnist.cache._may_write(src)
