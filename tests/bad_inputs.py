"""A catalogue of hostile and careless inputs to ``nnlab``, one row per input (imported by
tests/test_bad_inputs.py, not collected).

Each `Case` is a command line run in a scratch folder (the working directory, with ``runs/``
inside it) after writing ``files`` there; ``RUN`` in the arguments is a copy of a small finished
run (``runs/good-…``) that ``tamper`` may damage first. Every case must end with ``code`` and
exactly one ``error:`` line on stderr, no traceback, nothing written outside ``runs/`` and
nothing executed (no ``PWNED`` file).
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

Tamper = Callable[[Path], None]


@dataclass
class Case:
    id: str
    kind: str                       # the class of failure (issue 10)
    argv: list[str]
    files: dict[str, str | bytes] = field(default_factory=dict)
    tamper: Tamper | None = None    # damages the run copied to RUN
    code: int = 2
    says: str = ""                  # a word the error line must contain (case-insensitive)

    @property
    def needs_run(self) -> bool:
        return "RUN" in self.argv or self.tamper is not None


# ------------------------------------------------------------------ payloads

SMALL = "train:\n  epochs: 2\nrun:\n  plots: false\n"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))  # 10⁹ strings from 1 KB
DEEP_LIST = "model:\n  hidden: " + "[" * 2000 + "]" * 2000 + "\n"
DEEP_MAP = "data:\n  name: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n"
PWN = "!!python/object/apply:os.system ['touch PWNED']"
BOMB_FLOW = "{" + BOMB.strip().replace("\n", ", ") + "}"
GRID_KEYS = ("data.noise", "data.n", "train.seed", "train.epochs", "train.batch_size",
             "optimizer.lr", "train.probe_size", "data.val_split", "regularization.l2",
             "regularization.weight_decay")
GRID_1E10 = [a for i, k in enumerate(GRID_KEYS) for a in (
    "--grid", f"{k}=" + ",".join(str(j + 1 if i not in (0, 5, 7, 8, 9) else (j + 1) / 100)
                                 for j in range(10)))]  # 10 keys × 10 values = 10¹⁰ trials


class _Pwn:
    """Pickles as a call of os.system: loading it with pickles allowed would run a command."""

    def __reduce__(self):  # noqa: ANN204
        import os
        return (os.system, ("touch PWNED",))


def pickled_npy() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.array([_Pwn()], dtype=object), allow_pickle=True)
    return buf.getvalue()


def npz(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def huge_npy_header(shape: tuple[int, ...], dtype: str = "<f4") -> bytes:
    """A .npy file whose header declares ``shape`` but that holds no data."""
    header = repr({"descr": dtype, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


def npz_with(member: str, payload: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(member, payload)
    return buf.getvalue()


# ------------------------------------------------------------------ tampering with a run

def _ckpt(run: Path, kind: str = "best") -> Path:
    return run / "checkpoints" / f"{kind}.npz"


def _edit_ckpt(kind: str, edit: Callable[[dict[str, np.ndarray]], None]) -> Tamper:
    def tamper(run: Path) -> None:
        with np.load(_ckpt(run, kind)) as f:
            arrays = {k: f[k] for k in f.files}
        edit(arrays)
        _ckpt(run, kind).write_bytes(npz(arrays))
    return tamper


def _unfinish(run: Path) -> None:
    """Make last.npz look interrupted, so --resume takes it."""
    with np.load(_ckpt(run, "last")) as f:
        arrays = {k: f[k] for k in f.files}
    state = json.loads(str(arrays["state"]))
    state["stop_reason"] = "interrupted"
    arrays["state"] = np.array(json.dumps(state))
    _ckpt(run, "last").write_bytes(npz(arrays))


def _write(name: str, data: str | bytes, unfinish: bool = False) -> Tamper:
    def tamper(run: Path) -> None:
        if unfinish:
            _unfinish(run)
        path = run / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return tamper


def _truncate(name: str, keep: int, unfinish: bool = False) -> Tamper:
    def tamper(run: Path) -> None:
        if unfinish:
            _unfinish(run)
        path = run / name
        data = path.read_bytes()
        path.write_bytes(data[:keep] if keep >= 0 else data[:keep])
    return tamper


def _reencode(name: str, encoding: str) -> Tamper:
    def tamper(run: Path) -> None:
        path = run / name
        text = path.read_text(encoding="utf-8") + "# café\n"
        path.write_bytes(text.encode(encoding))
    return tamper


def _state(value: str) -> Tamper:
    def edit(a: dict[str, np.ndarray]) -> None:
        a["state"] = np.array(value)
    return _chain(_unfinish, _edit_ckpt("last", edit))


def _chain(*steps: Tamper) -> Tamper:
    def tamper(run: Path) -> None:
        for step in steps:
            step(run)
    return tamper


def _replace_dir(name: str) -> Tamper:
    def tamper(run: Path) -> None:
        path = run / name
        if path.is_dir():
            for p in path.iterdir():
                p.unlink()
            path.rmdir()
        else:
            path.unlink()
        path.mkdir()
        (path / "x").write_text("x")
    return tamper


def _edit_config(old: str, new: str) -> Tamper:
    def tamper(run: Path) -> None:
        path = run / "config.yaml"
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new), encoding="utf-8")
    return tamper


def _del(key: str) -> Callable[[dict[str, np.ndarray]], None]:
    return lambda a: a.pop(key)


def _put(key: str, value: np.ndarray) -> Callable[[dict[str, np.ndarray]], None]:
    return lambda a: a.__setitem__(key, value)


def _astype(key: str, dtype: str) -> Callable[[dict[str, np.ndarray]], None]:
    return lambda a: a.__setitem__(key, a[key].astype(dtype))


# ------------------------------------------------------------------ the cases

def _config_cases() -> list[Case]:
    c = "exp.yaml"
    t = ["train", c]
    return [
        Case("utf16-config", "encoding", t, {c: SMALL.encode("utf-16")}, says="UTF-8"),
        Case("latin1-config", "encoding", t, {c: ("# café\n" + SMALL).encode("latin-1")},
             says="UTF-8"),
        Case("binary-config", "encoding", t, {c: bytes(range(256)) * 4}),
        Case("config-is-dir", "filesystem", ["train", "adir"], {"adir/x": "x"}),
        Case("config-missing", "filesystem", ["train", "nope.yaml"], says="not found"),
        Case("config-dev-zero", "bomb", ["config", "show", "/dev/zero"]),
        Case("yaml-alias-bomb", "bomb", t, {c: BOMB}),
        Case("deep-list", "bomb", t, {c: DEEP_LIST}),
        Case("deep-map", "bomb", t, {c: DEEP_MAP}),
        Case("top-level-list", "yaml", t, {c: "- 1\n- 2\n"}),
        Case("top-level-scalar", "yaml", t, {c: "hello\n"}),
        Case("yaml-tab", "yaml", t, {c: "train:\n\tepochs: 2\n"}),
        Case("yaml-unclosed", "yaml", t, {c: "model: {hidden: [1, 2\n"}),
        Case("duplicate-key", "duplicate", t, {c: "train:\n  epochs: 2\n  epochs: 3\n"},
             says="lines 2 and 3"),
        Case("duplicate-section", "duplicate", t, {c: "train:\n  epochs: 2\ntrain:\n  seed: 1\n"},
             says="lines 1 and 3"),
        Case("python-tag", "yaml", t, {c: f"data:\n  name: {PWN}\n"}),
        Case("unknown-tag", "yaml", t, {c: "data:\n  name: !custom sine\n"}),
        Case("complex-key", "yaml", t, {c: "? [1, 2]\n: x\n"}),
        Case("int-key", "wording", t, {c: "1: 2\n"}),
        Case("null-key", "wording", t, {c: "~: 2\n"}),
        Case("epochs-googol", "bomb", t, {c: "train:\n  epochs: " + "9" * 100 + "\n"}),
        Case("epochs-1e11", "bomb", t, {c: "train:\n  epochs: 100000000000\n"},
             says="train.eval_every"),  # the per-epoch metrics would grow for days
        Case("extend-to-1e11", "bomb", ["train", "--resume", "RUN", "--set",
                                        "train.epochs=100000000000"], says="per-epoch metrics"),
        Case("epochs-inf", "wording", t, {c: "train:\n  epochs: .inf\n"}),
        Case("lr-nan", "wording", t, {c: "optimizer:\n  name: sgd\n  lr: .nan\n"}),
        Case("hidden-1e6x2", "bomb", t, {c: "model:\n  hidden: [1000000, 1000000]\n"},
             says="GiB"),
        Case("hidden-1e9", "bomb", t, {c: "model:\n  hidden: [1000000000]\n"}, says="GiB"),
        Case("full-batch-bomb", "bomb", t,
             {c: "data:\n  n: 1000000\nmodel:\n  hidden: [200000]\ntrain:\n  batch_size: full\n"},
             says="GiB"),
        Case("label-1e12", "bomb", t,
             {c: "data:\n  name: samples\n  x: [1, 2]\n  labels: [0, 1000000000000]\n"},
             says="GiB"),
        Case("classes-1e6", "bomb", t,
             {c: "data:\n  name: blobs\n  n: 1000000\n  classes: 500000\n"}, says="GiB"),
        Case("activation-int", "wording", t, {c: "model:\n  activation: 5\n"},
             says="model.activation"),
        Case("activation-list-len", "wording", t,
             {c: "model:\n  activation: [tanh, relu, relu]\n"}),
        Case("leaky-alpha-text", "wording", t,
             {c: "model:\n  activation: {name: leaky_relu, alpha: abc}\n"}),
        Case("domain-reversed", "wording", t, {c: "data:\n  domain: [3, 1]\n"},
             says="data.domain"),
        Case("domain-huge", "wording", t, {c: "data:\n  domain: [-1e308, 1e308]\n"},
             says="data.domain"),
        Case("expr-injection", "injection", t,
             {c: "data:\n  name: expr\n  expr: \"__import__('os').system('touch PWNED')\"\n"}),
        Case("expr-constant-pow", "bomb", t,
             {c: "data:\n  name: expr\n  expr: '9**9**9**9'\n"}),
        Case("expr-deep-parens", "bomb", t,
             {c: "data:\n  name: expr\n  expr: '" + "(" * 400 + "x" + ")" * 400 + "'\n"}),
        Case("batch-zero", "wording", t, {c: "train:\n  batch_size: 0\n"}),
        Case("batch-half", "wording", t, {c: "train:\n  batch_size: half\n"},
             says="train.batch_size"),
        Case("dtype-float16", "wording", t, {c: "train:\n  dtype: float16\n"}),
        Case("seed-negative", "wording", t, {c: "train:\n  seed: -1\n"}),
        Case("optimizer-string", "wording", t, {c: "optimizer: sgd\n"}, says="optimizer"),
        Case("regularization-int", "wording", t, {c: "regularization: 5\n"}),
        Case("huber-negative", "wording", t, {c: "loss: {name: huber, delta: -1}\n"}),
        Case("hidden-zero", "wording", t, {c: "model:\n  hidden: [0]\n"}),
        Case("hidden-string", "wording", t, {c: "model:\n  hidden: '32'\n"}),
        Case("dropout-one", "wording", t, {c: "model:\n  dropout: 1.0\n"}),
        Case("dotted-top-key", "wording", t, {c: "data.name: sine\n"}),
        Case("runs-dir-is-file", "filesystem", t, {c: "run:\n  runs_dir: afile\n", "afile": "x"}),
        Case("runs-dir-proc", "filesystem", t, {c: "run:\n  runs_dir: /proc/nnlab-nope\n"}),
    ]


def _data_cases() -> list[Case]:
    c = "exp.yaml"
    t = ["train", c]
    samples = "data:\n  name: samples\n  val_split: {v}\n  x: {x}\n  {y}\n" + SMALL
    return [
        Case("samples-no-train-rows", "data", t,
             {c: samples.format(v=0.9, x="[1, 2]", y="y: [1, 2]")}, says="train"),
        Case("samples-float32-overflow", "data", t,
             {c: samples.format(v=0, x="[1e39, 2]", y="y: [1, 2]")}, says="float32"),
        Case("samples-one-class", "data", t,
             {c: samples.format(v=0, x="[1, 2, 3]", y="labels: [0, 0, 0]")}, says="class"),
        Case("targets-overflow", "data", t,
             {c: samples.format(v=0, x="[1, 2]", y="y: [1e39, 2]")}, says="float32"),
        Case("text-binary-file", "encoding", t,
             {c: "data:\n  name: text\n  path: corpus.txt\n", "corpus.txt": b"\xff\xfe" * 100}),
        Case("text-missing-file", "filesystem", t,
             {c: "data:\n  name: text\n  path: none.txt\n"}),
        Case("text-dev-zero", "bomb", t, {c: "data:\n  name: text\n  path: /dev/zero\n"}),
        Case("text-empty", "data", t, {c: "data:\n  name: text\n  text: '...'\n"}),
        Case("mnist-garbage", "data", ["train", c],
             {c: "data:\n  name: mnist\n  path: mn\n  download: false\n",
              **{f"mn/{n}": b"garbage" for n in (
                  "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                  "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}}),
        Case("mnist-limit-zero", "wording", ["train", "--set", "data.name=mnist",
                                             "--set", "data.limit=0"]),
    ]


def _set_cases() -> list[Case]:
    def s(*sets: str) -> list[str]:
        return ["config", "show", *[a for x in sets for a in ("--set", x)]]
    return [
        Case("set-markup-close", "markup", s("data.name=[/x]"), says="[/x]"),
        Case("set-markup-bold", "markup", s("data.name=[bold]x[/bold]"), says="[bold]x[/bold]"),
        Case("set-no-equals", "wording", s("novalue")),
        Case("set-empty-key", "wording", s("=5")),
        Case("set-index-range", "wording", s("model.hidden.5=3")),
        Case("set-not-section", "wording", s("train.epochs.deep=3")),
        Case("set-empty-part", "wording", s("a..b=1")),
        Case("set-recursive", "bomb", s("model.hidden=&a [*a]")),
        Case("set-alias-bomb", "bomb", s("data.name=" + BOMB_FLOW)),
        Case("set-optimizer-list", "wording", s("optimizer=[1, 2]")),
        Case("set-lr-1e400", "wording", s("optimizer.lr=1e400")),
        Case("set-val-split-1", "wording", s("data.val_split=1")),
        Case("set-dunder", "wording", s("__class__=1")),
        Case("set-python-tag", "injection", s("model.activation=" + PWN)),
        Case("set-unicode-key", "wording", s("model.actïvation=relu")),
        Case("set-huge-text", "wording", s("data.name=" + "x" * 100_000)),
        Case("set-hidden-bomb", "bomb", ["train", "--set", "model.hidden=[100000,100000,100000]"],
             says="GiB"),
        Case("set-epochs-bool", "wording", s("train.epochs=true")),
        Case("set-deep-value", "bomb", s("model.hidden=" + "[" * 2000 + "]" * 2000)),
    ]


def _option_cases() -> list[Case]:
    return [
        Case("unknown-option", "usage", ["train", "--bogus"], says="--bogus"),
        Case("extra-argument", "usage", ["train", "a.yaml", "b.yaml"]),
        Case("unknown-command", "usage", ["trian"], says="train"),
        Case("root-unknown-option", "usage", ["--epochs", "3"]),
        Case("set-missing-value", "usage", ["train", "--set"]),
        Case("bad-int-option", "usage", ["sweep", "--trials", "abc"], says="--trials"),
        Case("runs-format-xml", "usage", ["runs", "list", "--format", "xml"]),
        Case("runs-show-width-zero", "usage", ["runs", "show", "RUN", "--width", "0"]),
        Case("runs-compare-none", "usage", ["runs", "compare"]),
        Case("eval-missing-run", "usage", ["eval"]),
        Case("eval-bad-checkpoint", "usage", ["eval", "RUN", "--checkpoint", "mid"]),
        Case("eval-bad-split", "usage", ["eval", "RUN", "--split", "holdout"]),
        Case("predict-bad-x", "usage", ["predict", "RUN", "--x", "abc"]),
        Case("predict-empty-input", "data", ["predict", "RUN", "--input", "empty.csv"],
             {"empty.csv": ""}),
        Case("predict-missing-input", "filesystem", ["predict", "RUN", "--input", "no.csv"]),
        Case("predict-binary-input", "encoding", ["predict", "RUN", "--input", "in.csv"],
             {"in.csv": b"\xff\xfe\x00\x01" * 50}),
        Case("predict-pickle-npy", "injection", ["predict", "RUN", "--input", "in.npy"],
             {"in.npy": pickled_npy()}),
        Case("predict-huge-npy", "bomb", ["predict", "RUN", "--input", "in.npy"],
             {"in.npy": huge_npy_header((10**12, 1))}),
        Case("predict-output-nodir", "filesystem",
             ["predict", "RUN", "--x", "0.5", "--output", "/proc/nnlab/x.csv"]),
        Case("plot-bad-kind", "usage", ["plot", "RUN", "--kind", "nope"]),
        Case("plot-out-proc", "filesystem", ["plot", "RUN", "--out", "/proc/nnlab-plots"]),
        Case("resume-missing", "filesystem", ["train", "--resume", "nowhere"]),
        Case("resume-file", "filesystem", ["train", "--resume", "afile"], {"afile": "x"}),
        Case("resume-with-config", "wording", ["train", "--resume", "RUN", "exp.yaml"],
             {"exp.yaml": SMALL}),
        Case("resume-finished", "wording", ["train", "--resume", "RUN"]),
        Case("runs-dir-dev-null", "filesystem", ["train", "--runs-dir", "/dev/null/x"]),
        Case("data-info-unknown", "usage", ["data", "info", "nope"]),
        Case("sweep-jobs-zero", "usage", ["sweep", "--grid", "train.seed=1,2", "--jobs", "0"]),
        Case("sweep-grid-empty", "wording", ["sweep", "--grid", "optimizer.lr="]),
        Case("sweep-random-inf", "wording",
             ["sweep", "--random", "optimizer.lr=loguniform(1,1e400)"]),
        Case("sweep-trials-1e9", "bomb",
             ["sweep", "--random", "optimizer.lr=loguniform(1e-4,1)", "--trials", "1000000000"],
             says="trials"),
        Case("sweep-grid-1e10", "bomb", ["sweep", *GRID_1E10], says="trials"),
        Case("sweep-repeat-1e9", "bomb", ["sweep", "--repeat", "1000000000"], says="trials"),
    ]


def _run_file_cases() -> list[Case]:
    cut = _truncate("metrics.jsonl", -20)
    return [
        Case("metrics-truncated-show", "run-files", ["runs", "show", "RUN"], tamper=cut,
             code=0),
        Case("metrics-truncated-resume", "run-files", ["train", "--resume", "RUN"],
             tamper=_truncate("metrics.jsonl", -20, unfinish=True), code=0),
        Case("metrics-utf16", "encoding", ["runs", "show", "RUN"],
             tamper=_reencode("metrics.jsonl", "utf-16"), says="metrics.jsonl"),
        Case("metrics-garbage-line", "run-files", ["runs", "show", "RUN"],
             tamper=_write("metrics.jsonl", "[1, 2]\n{\"epoch\": \"x\"}\n"),
             says="metrics.jsonl"),
        Case("metrics-garbage-resume", "run-files", ["train", "--resume", "RUN"],
             tamper=_write("metrics.jsonl", "not json\n{}\n", unfinish=True),
             says="metrics.jsonl"),
        Case("summary-wrong-types-show", "run-files", ["runs", "show", "RUN"],
             tamper=_write("summary.json", '{"status": 5, "best": "x", "final": [1], '
                                           '"epochs_run": "many", "wall_time": "slow"}'),
             code=0),
        Case("summary-wrong-types-list", "run-files", ["runs", "list", "runs"],
             tamper=_write("summary.json", '{"status": 5, "best": "x", "data": 3, '
                                           '"monitor": [1], "network": 7}'), code=0),
        Case("summary-list", "run-files", ["runs", "compare", "RUN"],
             tamper=_write("summary.json", "[1, 2, 3]"), code=0),
        Case("summary-binary", "run-files", ["runs", "show", "RUN"],
             tamper=_write("summary.json", b"\xff\x00\xfe"), code=0),
        Case("prep-shift-text", "run-files", ["predict", "RUN", "--x", "0.5"],
             tamper=_write("preprocessing.json", '{"features": ["x"], "scale": "standard", '
                           '"shift": ["a"], "divide_by": [1]}'), says="preprocessing.json"),
        Case("prep-classes-objects", "run-files", ["predict", "RUN", "--x", "0.5"],
             tamper=_write("preprocessing.json", '{"features": ["x"], "classes": [{"a": 1}]}'),
             says="classes"),
        Case("prep-zero-divisor", "run-files", ["predict", "RUN", "--x", "0.5"],
             tamper=_write("preprocessing.json", '{"features": ["x"], "scale": "minmax", '
                           '"shift": [0], "divide_by": [0]}'), says="divide_by"),
        Case("config-latin1-eval", "encoding", ["eval", "RUN"],
             tamper=_reencode("config.yaml", "latin-1"), says="config.yaml"),
        Case("config-utf16-list", "encoding", ["runs", "list", "runs"],
             tamper=_reencode("config.yaml", "utf-16"), code=0),
        Case("config-other-architecture", "architecture", ["eval", "RUN"],
             tamper=_edit_config("hidden: [4]", "hidden: [8, 8]"), says="architecture"),
        Case("config-other-activation", "architecture", ["eval", "RUN"],
             tamper=_edit_config("activation: tanh", "activation: relu"), says="architecture"),
        Case("eval-set-architecture", "architecture",
             ["eval", "RUN", "--set", "model.activation=sigmoid"], says="architecture"),
        Case("config-garbage-eval", "run-files", ["eval", "RUN"],
             tamper=_write("config.yaml", "model: {hidden: [\n"), says="config.yaml"),
        Case("run-config-is-dir", "run-files", ["eval", "RUN"], tamper=_replace_dir("config.yaml")),
        Case("ckpt-truncated-resume", "run-files", ["train", "--resume", "RUN"],
             tamper=_chain(_unfinish, _truncate("checkpoints/last.npz", 100)),
             says="last.npz"),
        Case("ckpt-random-eval", "run-files", ["eval", "RUN"],
             tamper=_write("checkpoints/best.npz", b"\x00" * 1000), says="best.npz"),
        Case("ckpt-missing-param", "run-files", ["eval", "RUN"],
             tamper=_edit_ckpt("best", _del("param/W1")), says="W1"),
        Case("ckpt-extra-array", "run-files", ["eval", "RUN"],
             tamper=_edit_ckpt("best", _put("param/W9", np.zeros((3, 3), np.float32))),
             says="W9"),
        Case("ckpt-int-dtype", "run-files", ["eval", "RUN"],
             tamper=_edit_ckpt("best", _astype("param/W1", "int64")), says="dtype"),
        Case("ckpt-string-dtype", "run-files", ["eval", "RUN"],
             tamper=_edit_ckpt("best", _astype("param/b1", "U8")), says="b1"),
        Case("ckpt-nan-weights", "run-files", ["eval", "RUN"],
             tamper=_edit_ckpt("best", _put("param/b2", np.array([np.nan], np.float32))),
             says="finite"),
        Case("ckpt-state-not-json", "run-files", ["train", "--resume", "RUN"],
             tamper=_state("{not json"), says="last.npz"),
        Case("ckpt-state-wrong-keys", "run-files", ["train", "--resume", "RUN"],
             tamper=_state('{"epoch": 1, "bogus": 2}'), says="last.npz"),
        Case("ckpt-state-wrong-types", "run-files", ["train", "--resume", "RUN"],
             tamper=_state('{"epoch": "one", "step": [], "rng_state": 5}'), says="last.npz"),
        Case("ckpt-pickle", "injection", ["eval", "RUN"],
             tamper=_write("checkpoints/best.npz", npz_with("param/W1.npy", pickled_npy()))),
        Case("ckpt-huge-header", "bomb", ["eval", "RUN"],
             tamper=_write("checkpoints/best.npz", npz_with(
                 "param/W1.npy", huge_npy_header((10**6, 10**6))))),
        Case("ckpt-architecture-garbage", "run-files", ["eval", "RUN"],
             tamper=_edit_ckpt("best", _put("architecture", np.array("{{{"))),
             says="best.npz"),
        Case("ckpt-dir-missing", "run-files", ["eval", "RUN"],
             tamper=lambda run: [p.unlink() for p in (run / "checkpoints").iterdir()]
             and None, says="checkpoint"),
        Case("ckpt-is-dir", "run-files", ["eval", "RUN"],
             tamper=_replace_dir("checkpoints/best.npz")),
        Case("log-is-dir-resume", "filesystem", ["train", "--resume", "RUN"],
             tamper=_chain(_unfinish, _replace_dir("train.log")), code=1),
        Case("sweep-json-garbage", "run-files",
             ["sweep", "exp.yaml", "--grid", "train.seed=1,2", "--print-commands"],
             {"exp.yaml": SMALL, "runs/exp-sweep-20260101-000000-abcdef/sweep.json": "{{{"},
             code=0),
    ]


def _sweep_file_cases() -> list[Case]:
    f = "sw.yaml"
    t = ["sweep", f, "--print-commands"]
    return [
        Case("sweep-grid-not-mapping", "sweep", t, {f: "grid: [1, 2]\n"}),
        Case("sweep-utf16", "encoding", t, {f: "grid:\n  train.seed: [1, 2]\n".encode("utf-16")}),
        Case("sweep-base-missing", "sweep", t, {f: "base: nope.yaml\ngrid:\n  train.seed: [1]\n"}),
        Case("sweep-base-itself", "sweep", t, {f: "base: sw.yaml\ngrid:\n  train.seed: [1]\n"}),
        Case("sweep-file-trials-1e9", "bomb", t,
             {f: "random:\n  optimizer.lr: loguniform(1e-4, 1)\ntrials: 1000000000\n"},
             says="trials"),
        Case("sweep-alias-bomb", "bomb", t, {f: BOMB + "grid:\n  train.seed: *i\n"}),
        Case("sweep-duplicate-key", "duplicate", t,
             {f: "grid:\n  train.seed: [1]\ngrid:\n  train.seed: [2]\n"}, says="lines 1 and 3"),
        Case("sweep-file-random-inf", "sweep", t,
             {f: "random:\n  optimizer.lr: uniform(0, .inf)\n"}),
        Case("sweep-seeds-text", "sweep", t, {f: "seeds: [a, b]\ngrid:\n  train.seed: [1]\n"}),
        Case("sweep-latin1", "encoding", t,
             {f: "# café\ngrid:\n  train.seed: [1, 2]\n".encode("latin-1")}),
    ]


def all_cases() -> list[Case]:
    cases = [*_config_cases(), *_data_cases(), *_set_cases(), *_option_cases(),
             *_run_file_cases(), *_sweep_file_cases()]
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return cases


GOOD_RUN_CONFIG = ("data:\n  name: sine\n  n: 40\nmodel:\n  hidden: [4]\ntrain:\n  epochs: 3\n"
                   "run:\n  name: good\n  plots: false\n")
