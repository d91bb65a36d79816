"""The error boundary and the readers under it: one line per failure, the file named, literal text.

The table of hostile inputs run through the whole command line is tests/test_bad_inputs.py;
these are the pieces it rests on.
"""

from __future__ import annotations

import errno
import io
import json
import struct
import zipfile

import numpy as np
import pytest
from typer.testing import CliRunner

from nnlab.cli import app
from nnlab.cli.boundary import explain
from nnlab.config import load_config, load_yaml
from nnlab.config.yamlfile import YAMLLimit
from nnlab.errors import CheckpointError, ConfigError, NnlabError
from nnlab.files import load_npz, read_text, save_npz
from nnlab.memory import OutOfMemory, check, size_text

runner = CliRunner()


def one_error_line(result) -> str:
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize(("args", "needle"), [
    (["train", "--bogus"], "no such option: --bogus; see `nnlab train --help`"),
    (["sweep", "--trials", "abc"], "'--trials': 'abc' is not a whole number"),
    (["sweep", "--jobs", "0"], "0 is not in the range x>=1"),
    (["eval"], "missing argument"),
    (["trian"], "no such command 'trian'"),
])
def test_usage_errors_are_one_line_in_nnlabs_style(args, needle):
    result = runner.invoke(app, args, prog_name="nnlab")
    assert result.exit_code == 2
    assert needle in one_error_line(result)
    assert "Usage:" not in result.stderr


@pytest.mark.parametrize("value", ["[/x]", "[bold]x[/bold]", "[red]"])
def test_user_text_is_printed_literally(value):
    result = runner.invoke(app, ["config", "show", "--set", f"data.name={value}"])
    assert result.exit_code == 2
    assert value in one_error_line(result)


def test_debug_shows_the_traceback(monkeypatch):
    monkeypatch.delenv("NNLAB_DEBUG", raising=False)
    result = runner.invoke(app, ["--debug", "config", "show", "--set", "data.name=nope"])
    assert isinstance(result.exception, ConfigError)
    monkeypatch.setenv("NNLAB_DEBUG", "1")
    result = runner.invoke(app, ["config", "show", "--set", "data.name=nope"])
    assert isinstance(result.exception, ConfigError)


@pytest.mark.parametrize(("exc", "code", "needles"), [
    (OSError(errno.ENOSPC, "No space left on device", "runs/x/last.npz"), 2,
     ["runs/x/last.npz", "disk is full"]),
    (OSError(errno.EROFS, "Read-only file system", "/ro/x"), 2, ["/ro/x", "read-only"]),
    (PermissionError(errno.EACCES, "Permission denied", "/p"), 2, ["/p", "permission"]),
    (MemoryError(), 2, ["out of memory", "model.hidden"]),
    (RecursionError(), 2, ["nested too deeply"]),
    (b"\xff".decode("utf-8", "ignore") or UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"), 2,
     ["not UTF-8", "save it as UTF-8"]),
    (json.JSONDecodeError("Expecting value", "x", 0), 2, ["malformed JSON", "line 1"]),
    (zipfile.BadZipFile("File is not a zip file"), 2, ["damaged .npz"]),
    (KeyboardInterrupt(), 130, ["interrupted"]),
    (NnlabError("a: b; c"), 2, ["a: b; c"]),
    (ValueError("a bug"), 1, ["internal error: ValueError: a bug", "--debug"]),
])
def test_every_exception_class_becomes_one_line(exc, code, needles):
    line, got = explain(exc)
    assert got == code and "\n" not in line
    for needle in needles:
        assert needle in line


# ------------------------------------------------------------------ YAML

def test_duplicate_keys_and_sections_name_both_lines(tmp_path):
    cfg = tmp_path / "exp.yaml"
    cfg.write_text("train:\n  epochs: 2\n  epochs: 3\n")
    with pytest.raises(ConfigError, match=r"exp.yaml:3: 'epochs' is given twice .*lines 2 and 3"):
        load_config(cfg)
    cfg.write_text("train:\n  epochs: 2\nrun:\n  plots: false\ntrain:\n  seed: 1\n")
    with pytest.raises(ConfigError, match=r"exp.yaml:5: 'train' is given twice .*lines 1 and 5"):
        load_config(cfg)


def test_merge_keys_may_override_what_they_merge():
    assert load_yaml("a: &a {x: 1, y: 2}\nb:\n  <<: *a\n  x: 3\n")["b"] == {"x": 3, "y": 2}


@pytest.mark.parametrize(("text", "problem"), [
    ("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcdefg", "bcdefgh")),
     "aliases"),
    ("&a [*a]", "inside itself"),
    ("[" * 100 + "]" * 100, "nested more than 64 levels"),
    ("[" * 5000 + "]" * 5000, "nested more than 64 levels"),
])
def test_yaml_bombs_are_refused_before_expanding(text, problem):
    with pytest.raises(YAMLLimit, match=problem):
        load_yaml(text)


def test_yaml_anchors_within_limits_still_work():
    assert load_yaml("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize(("data", "hint"), [
    ("train:\n  epochs: 2\n".encode("utf-16"), "looks like UTF-16"),
    ("# café\ntrain: {}\n".encode("latin-1"), "Latin-1"),
    (bytes(range(256)), "binary"),
])
def test_text_that_is_not_utf8_is_one_line_naming_the_file(tmp_path, data, hint):
    cfg = tmp_path / "exp.yaml"
    cfg.write_bytes(data)
    with pytest.raises(ConfigError, match=f"exp.yaml: config file is not UTF-8 text.*{hint}"):
        load_config(cfg)


def test_a_byte_order_mark_is_fine(tmp_path):
    cfg = tmp_path / "exp.yaml"
    cfg.write_bytes("\ufefftrain:\n  epochs: 7\n".encode())
    assert load_config(cfg).train.epochs == 7
    assert read_text(cfg).startswith("train")


def test_special_files_are_refused(tmp_path):
    with pytest.raises(NnlabError, match="not a regular file"):
        read_text("/dev/zero")
    with pytest.raises(NnlabError, match="not a regular file"):
        read_text(tmp_path)


@pytest.mark.parametrize(("text", "overrides", "where"), [
    ("data:\n  domain: [3, 1]\n", (), "exp.yaml:2: data.domain: "),
    ("", ("data.domain=[3,1]",), "--set data.domain=[3,1]: data.domain: "),
    ("data:\n  name: moons\n  classes: 3\n", (), "exp.yaml:3: data.classes: "),
    ("model:\n  activation: 5\n", (), "exp.yaml:2: model.activation: expected a name"),
    ("train:\n  batch_size: half\n", (), "train.batch_size: expected an integer or 'full'"),
    ("1: 2\n", (), "exp.yaml:1: key 1 is not a name"),
])
def test_config_problems_name_their_key_in_nnlab_words(tmp_path, text, overrides, where):
    cfg = tmp_path / "exp.yaml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(cfg, overrides)
    assert where in str(err.value) and "Input should" not in str(err.value)


# ------------------------------------------------------------------ .npz and memory

def _npy_header(shape: tuple[int, ...], descr: str = "<f4") -> bytes:
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


def _npz(member: str, payload: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(member, payload)
    return buf.getvalue()


def test_an_npz_header_declaring_a_huge_array_is_refused_unread(tmp_path):
    path = tmp_path / "best.npz"
    path.write_bytes(_npz("param/W1.npy", _npy_header((10**6, 10**6))))
    with pytest.raises(CheckpointError, match=r"declares shape \(1000000, 1000000\) \(3.6 TiB\)"):
        load_npz(path)


def test_pickles_in_an_npz_are_refused(tmp_path):
    path = tmp_path / "best.npz"
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    path.write_bytes(_npz("x.npy", buf.getvalue()))
    with pytest.raises(CheckpointError, match="pickle"):
        load_npz(path)


def test_npz_round_trip_keeps_dtypes_shapes_and_order(tmp_path):
    arrays = {"a": np.arange(6, dtype=np.int16).reshape(2, 3), "s": np.array('{"x": 1}'),
              "f": np.asfortranarray(np.arange(6.0).reshape(3, 2)), "e": np.zeros((0, 4))}
    save_npz(tmp_path / "x.npz", arrays)
    back = load_npz(tmp_path / "x.npz")
    for k, v in arrays.items():
        assert back[k].dtype == v.dtype and np.array_equal(back[k], v)
    assert back["f"].flags.f_contiguous


def test_memory_check_says_how_much_was_asked():
    with pytest.raises(OutOfMemory, match=r"a test needs about 1024.0 PiB .*weights 1024.0 PiB"):
        check(2**60, "a test", {"weights": 2**60})
    check(1, "a test")  # a byte is always there
    assert size_text(3 * 2**30) == "3.0 GiB" and size_text(12) == "12 B"
