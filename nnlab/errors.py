"""User-facing errors.

Every problem a user can fix (a bad config value, a missing data file, a damaged checkpoint) is an
`NnlabError`: the CLI prints its one-line message and exits with code 2, never a traceback.
"""

from __future__ import annotations


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
