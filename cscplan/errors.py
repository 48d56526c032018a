"""The project's own input error: one clear message naming where and what."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

QUOTE_LIMIT = 80
"""Longest piece of a user's value an error message repeats (values are never shown unbounded)."""


def shorten(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr``-free short text of a value for a message: at most ``limit`` characters."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class InputError(Exception):
    """Bad input: names the file, the place (row/line/key/column), what was expected and found.

    The CLI turns it into a single Italian message and exit code 2.
    """

    file: str | Path | None
    expected: str
    found: str = ""
    row: int | None = None
    column: str | None = None
    key: str | None = None
    place: str = "file"
    """What ``file`` names: a ``file`` on disk, or e.g. a ``tabella`` computed in memory."""

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [f"{self.place} {self.file}" if self.file else "input"]
        if self.row is not None:
            parts.append(f"riga {self.row}")
        if self.column:
            parts.append(f"colonna '{self.column}'")
        if self.key:
            parts.append(f"chiave '{self.key}'")
        where = ", ".join(parts)
        text = f"{where}: atteso {self.expected}"
        if self.found:
            text += f"; trovato {self.found}"
        return text

    def __str__(self) -> str:
        return self.message
