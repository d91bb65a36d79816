"""Where each key of a config came from, for error messages: a YAML line or a ``--set``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class Source:
    """Where each key path came from: a YAML line or a ``--set`` override."""

    def __init__(self, file: str | None, lines: dict[tuple, int]) -> None:
        self.file, self.lines, self.overrides = file, lines, {}

    def where(self, path: Sequence[Any]) -> str:
        path = tuple(path)
        for i in range(len(path), 0, -1):
            if path[:i] in self.overrides:
                return f"--set {self.overrides[path[:i]]}"
            if path[:i] in self.lines:
                return f"{self.file}:{self.lines[path[:i]]}"
        # a problem with a whole section: name the override that set something inside it
        inside = [text for key, text in self.overrides.items() if key[:len(path)] == path]
        return f"--set {inside[-1]}" if inside else self.file or "config"
