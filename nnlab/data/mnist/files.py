"""The four IDX files of MNIST and Fashion-MNIST: their names, roles and checksums."""

from __future__ import annotations

from ...errors import DataError
from .. import catalog

DATASETS = catalog.names(kind="mnist")
TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}

# The four files, by role; both datasets use the same names.
ROLES = ("train_images", "train_labels", "test_images", "test_labels")
FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

# SHA-256 of the UNCOMPRESSED file contents, so any gzip wrapping of the same data verifies.
# Tests swap in their own table with ``monkeypatch.setitem(SHA256, "mnist", {...})``.
SHA256: dict[str, dict[str, str]] = {
    # The widely published digests of the uncompressed LeCun files (the same data every mirror
    # serves, however it is gzipped); checked against a copy of the real files.
    "mnist": {
        "train-images-idx3-ubyte": (
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
        ),
        "train-labels-idx1-ubyte": (
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
        ),
        "t10k-images-idx3-ubyte": (
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
        ),
        "t10k-labels-idx1-ubyte": (
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
        ),
    },
    # Zalando publishes MD5s of its .gz files (README "Get the Data"): train-images
    # 8d4fb7e6c68d591d4c3dfef9ec88bf0d, train-labels 25c81989df183df01b3e8a0aad5dffbe, t10k-images
    # bef4ecab320f06d8554ea6380940ec79, t10k-labels bb300cfdad3c16e7a12a480ee83cd310; TensorFlow
    # Datasets (url_checksums/fashion_mnist.txt) and Keras (datasets/fashion_mnist.py) publish the
    # SHA-256 of the same .gz files (3aede38d…, a04f1713…, 346e55b9…, 67da17c7…). The digests below
    # are of the uncompressed data, as also listed in several public projects; they were confirmed
    # on Debian's dataset-fashion-mnist package, whose .gz files differ from Zalando's only in the
    # gzip header (mtime/name stripped): restoring that header reproduces both the published MD5s
    # and the TFDS/Keras SHA-256s byte for byte, so these cover exactly the published data.
    "fashion_mnist": {
        "train-images-idx3-ubyte": (
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
        ),
        "train-labels-idx1-ubyte": (
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
        ),
        "t10k-images-idx3-ubyte": (
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
        ),
        "t10k-labels-idx1-ubyte": (
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
        ),
    },
}

N_CLASSES = 10


def _fix(name: str) -> str:
    return f"delete it and run `nnlab data fetch {name}`"


def _oneline(err: object, limit: int = 160) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _canon(name: str) -> str:
    key = str(name).strip().lower().replace("-", "_")
    if key not in DATASETS:
        raise DataError(f"unknown dataset {name!r}: expected one of {', '.join(DATASETS)}")
    return key
