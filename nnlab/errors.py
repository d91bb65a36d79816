"""User-facing errors.

Every problem a user can fix (a bad config value, a missing data file, a damaged checkpoint) is an
`NnlabError`: the CLI prints its one-line message and exits with code 2, never a traceback.
"""

from __future__ import annotations

import difflib
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
