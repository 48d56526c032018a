"""I/O at the edges: reading source text safely and writing outputs atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cscplan.errors import InputError
from cscplan.safe_text import neutralise_frame


def read_source_text(path: str | Path) -> str:
    """Read a UTF-8 source document; empty, binary or mis-encoded files raise InputError."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "un file esistente", "nessun file a questo percorso")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "un testo non vuoto", "file vuoto")
    if b"\x00" in data[:4096]:
        raise InputError(path, "un file di testo UTF-8", "un file binario")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            path,
            "testo codificato UTF-8",
            f"byte non UTF-8 {data[exc.start : exc.start + 1]!r} (forse cp1252/Windows: "
            "risalvare il file come UTF-8)",
            row=line,
        ) from None
    return text


def read_yaml(path: str | Path):
    """Parse a YAML source file; a syntax error raises InputError with the file and line."""
    import yaml

    text = read_source_text(path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise InputError(path, "YAML valido", str(getattr(exc, "problem", exc)), row=row) from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it into place.

    If ``write`` fails the temporary file is removed and any previous ``path`` is left intact.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp's 0600 would hide outputs from colleagues
    try:
        write(tmp_path)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8", newline="\n"))


def write_bytes(path: str | Path, data: bytes) -> Path:
    return atomic_write(path, lambda p: p.write_bytes(data))


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as deterministic CSV bytes (UTF-8, '\\n', '.' decimals, no index).

    Floats are written to 6 decimals (euro sums lose their binary noise, e.g. 12236661.010000002
    → 12236661.01; ratios keep ample precision) and negative zero is written as 0. Text cells a
    spreadsheet would run as a formula get a leading ``'`` (:mod:`cscplan.safe_text`).
    """
    frame = neutralise_frame(frame)
    floats = frame.select_dtypes(include="float").columns
    if len(floats):
        frame = frame.copy()
        frame[floats] = frame[floats].round(6) + 0.0
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_csv(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write a CSV deterministically and atomically."""
    return write_bytes(path, csv_bytes(frame))
