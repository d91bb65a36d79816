"""User-facing errors.

Every problem a user can fix (a bad config value, a missing data file, a damaged checkpoint) is an
`NnlabError`: the CLI prints its one-line message and exits with code 2, never a traceback.
"""

from __future__ import annotations

import difflib
import errno
from collections.abc import Iterable


def closest(word: object, choices: Iterable[str], n: int = 1) -> str:
    """`` (did you mean 'x'?)`` for the closest choices (up to ``n``), or '' when none is close.

    The one "did you mean" of nnlab: config keys, registry names, data sets, words, plot kinds.
    """
    matches = difflib.get_close_matches(str(word), list(choices), n=n, cutoff=0.5)
    if not matches:
        return ""
    quoted = [f"'{m}'" for m in matches]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f" (did you mean {listed}?)"


class NnlabError(Exception):
    """A problem the user can fix; ``str(err)`` is one line naming the problem and the fix."""

    exit_code = 2


class ConfigError(NnlabError):
    """A wrong key, type or value in the experiment config."""


class DataError(NnlabError):
    """A missing, truncated or corrupt data file, or an impossible data request."""


class CheckpointError(NnlabError):
    """A checkpoint that is missing, damaged or does not match the config."""


class TrainingDiverged(NnlabError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""

    exit_code = 1


class RunFailed(NnlabError):
    """A fault while training (disk full, out of memory, a file that vanished): the run is
    marked failed and its last good checkpoint is kept."""

    exit_code = 1


class Interrupted(NnlabError):
    """Stopped by Ctrl-C or SIGTERM after what matters was saved (exit code 130)."""

    exit_code = 130


_FIX = {
    errno.ENOSPC: "the disk is full; free some space or choose another folder (--runs-dir)",
    errno.EDQUOT: "the disk quota is used up; free some space or choose another folder",
    errno.EROFS: "the file system is read-only; choose another folder (--runs-dir)",
    errno.EACCES: "permission denied; check the permissions or choose another folder",
    errno.EPERM: "operation not permitted; check the permissions or choose another folder",
    errno.ENOENT: "no such file or directory; check the path",
    errno.ENOTDIR: "a part of the path is not a directory; check the path",
    errno.EISDIR: "it is a directory; give a file",
    errno.EEXIST: "it already exists; choose another name",
    errno.EMFILE: "too many open files; raise the limit (ulimit -n) or run fewer jobs",
    errno.ENAMETOOLONG: "the file name is too long; choose a shorter one",
    errno.EIO: "input/output error: the disk or file system is failing",
}


def os_line(e: OSError) -> str:
    """``path: what went wrong; the fix`` for an OSError (the fix chosen by its errno)."""
    fix = _FIX.get(e.errno or -1) or f"{e.strerror or e}; check the path and its permissions"
    names = [str(n) for n in (e.filename, e.filename2) if n is not None]
    return f"{' → '.join(names) or 'a file'}: {fix}"


def fault_line(e: BaseException) -> str:
    """One line for any failure: an `NnlabError` as it is, an OSError with its file and fix,
    running out of memory, or the exception's type and message."""
    if isinstance(e, NnlabError):
        return str(e)
    if isinstance(e, OSError):
        return os_line(e)
    if isinstance(e, MemoryError):
        detail = str(e).strip() or "the allocation failed"
        return (f"out of memory ({detail}); make it smaller (model.hidden, data.n or "
                "data.limit, train.batch_size)")
    return f"{type(e).__name__}: {e}"
