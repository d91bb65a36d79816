"""Where each key of a config came from, for error messages: a YAML line or a ``--set``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class Source:
    """Where each key path came from: a line of a YAML file or a ``--set`` override.

    ``lines`` maps a key path to its line in ``file``, or to ``(file, line)`` for keys that came
    from another file (a ``base:`` of ``file``).
    """

    def __init__(self, file: str | None, lines: Mapping[tuple, int | tuple[str, int]],
                 chain: Sequence[str] = ()) -> None:
        self.file, self.overrides = file, {}
        self.lines = {k: v if isinstance(v, tuple) else (file, v) for k, v in lines.items()}
        self.chain = list(chain)  # the files merged, bases first (see compose)

    def where(self, path: Sequence[Any]) -> str:
        path = tuple(path)
        for i in range(len(path), 0, -1):
            if path[:i] in self.overrides:
                return f"--set {self.overrides[path[:i]]}"
            if path[:i] in self.lines:
                file, line = self.lines[path[:i]]
                return f"{file}:{line}"
        # a problem with a whole section: name the override that set something inside it
        inside = [text for key, text in self.overrides.items() if key[:len(path)] == path]
        return f"--set {inside[-1]}" if inside else self.file or "config"
