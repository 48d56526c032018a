"""I/O at the edges: reading source text safely and writing outputs atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cscplan.errors import InputError, shorten
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


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML source file safely (see :func:`read_yaml_document`); returns the data only."""
    return read_yaml_document(path).data


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file: plain data (dicts, lists, scalars) and where each entry is.

    ``lines`` maps a key path (``items[3].periods[1].from``; the root is ``""``) to the 1-based
    line of that key (for a mapping entry) or of that item (for a list entry).
    """

    data: Any
    lines: dict[str, int]
    source: str


YAML_MAX_DEPTH = 32
YAML_SCALAR_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "timestamp")
)
_MAP_TAGS = (None, "!", "tag:yaml.org,2002:map")
_SEQ_TAGS = (None, "!", "tag:yaml.org,2002:seq")


def read_yaml_document(path: str | Path) -> YamlDocument:
    """Read and parse a YAML source file; any defect raises InputError naming its line."""
    return parse_yaml(read_source_text(path), str(path))


def parse_yaml(text: str, source: str) -> YamlDocument:
    """Parse YAML text into plain data with libyaml's C parser when available (else PyYAML's).

    Hardened for input that may be hostile or simply wrong: duplicate keys are refused (naming
    both lines), anchors and aliases are refused (no "billion laughs"), nesting is bounded by
    ``YAML_MAX_DEPTH``, only plain data tags are accepted, mapping keys must be scalars, and an
    impossible date such as ``2023-02-30`` is refused with its line instead of a traceback.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        return _YamlBuilder(loader, source).document()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        problem = str(getattr(exc, "problem", None) or exc)
        raise InputError(source, "YAML valido", shorten(problem), row=row) from None
    finally:
        loader.dispose()


class _YamlBuilder:
    """Plain data from the parser's event stream, with an explicit stack (no recursion)."""

    def __init__(self, loader, source: str) -> None:
        self.loader, self.source = loader, source
        self.lines: dict[str, int] = {}
        self.scalars: dict[tuple, Any] = {}  # scalars are immutable: construct each text once

    def fail(self, event, expected: str, found: str, path: str = "") -> InputError:
        row = event.start_mark.line + 1 if event.start_mark is not None else None
        return InputError(self.source, expected, found, row=row, key=shorten(path, 120) or None)

    def document(self) -> YamlDocument:
        import yaml

        loader = self.loader
        loader.get_event()  # StreamStart
        if loader.check_event(yaml.StreamEndEvent):
            return YamlDocument(None, {}, self.source)
        loader.get_event()  # DocumentStart
        data = self.value("")
        loader.get_event()  # DocumentEnd
        if not loader.check_event(yaml.StreamEndEvent):
            raise self.fail(loader.peek_event(), "un solo documento YAML", "un secondo documento")
        return YamlDocument(data, self.lines, self.source)

    def value(self, root: str) -> Any:
        """The node starting at the next event (collections built iteratively, not recursively)."""
        import yaml

        event = self.loader.get_event()
        if not isinstance(event, yaml.CollectionStartEvent):
            return self.scalar(event, root)
        stack = [self.open(event, root)]  # frames: [container, path, pending key, key lines]
        result = stack[0][0]
        while stack:
            event = self.loader.get_event()
            if isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
                continue
            frame = stack[-1]
            container, path, key, key_lines = frame
            is_map = isinstance(container, dict)
            if is_map and key is _NO_KEY:
                frame[2] = self.key(event, path, key_lines)
                continue
            if is_map:
                child = f"{path}.{_key_text(key)}" if path else _key_text(key)
            else:
                child = f"{path}[{len(container)}]"
                self.lines[child] = event.start_mark.line + 1
            if isinstance(event, yaml.CollectionStartEvent):
                if len(stack) >= YAML_MAX_DEPTH:
                    raise self.fail(
                        event, f"al più {YAML_MAX_DEPTH} livelli di annidamento", "di più", child
                    )
                opened = self.open(event, child)
                value = opened[0]
                stack.append(opened)
            else:
                value = self.scalar(event, child)
            if is_map:
                container[key] = value
                frame[2] = _NO_KEY
            else:
                container.append(value)
        return result

    def open(self, event, path: str) -> list:
        import yaml

        self.refuse_anchor(event, path)
        is_map = isinstance(event, yaml.MappingStartEvent)
        if event.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
            raise self.fail(event, "dati YAML semplici (senza tag)", shorten(event.tag), path)
        return [{}, path, _NO_KEY, {}] if is_map else [[], path, None, None]

    def key(self, event, path: str, key_lines: dict) -> Any:
        import yaml

        if not isinstance(event, yaml.ScalarEvent):
            self.refuse_anchor(event, path)
            raise self.fail(event, "una chiave semplice (un testo)", "una mappa o un elenco", path)
        key = self.scalar(event, path)
        child = f"{path}.{_key_text(key)}" if path else _key_text(key)
        line = event.start_mark.line + 1
        if key in key_lines:
            raise self.fail(
                event,
                "chiavi non ripetute nella stessa mappa",
                f"'{_key_text(key)}' ripetuta (già alla riga {key_lines[key]})",
                child,
            )
        key_lines[key] = line
        self.lines[child] = line
        return key

    def scalar(self, event, path: str) -> Any:
        import yaml

        self.refuse_anchor(event, path)
        if not isinstance(event, yaml.ScalarEvent):  # pragma: no cover - parser guarantees
            raise self.fail(event, "un valore", type(event).__name__, path)
        memo = (event.value, event.implicit, event.tag)
        if memo not in self.scalars:
            self.scalars[memo] = self.construct(event, path)
        return self.scalars[memo]

    def construct(self, event, path: str) -> Any:
        import yaml

        tag = event.tag
        if tag in (None, "!"):
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag not in YAML_SCALAR_TAGS:
            raise self.fail(event, "dati YAML semplici (senza tag)", shorten(tag), path)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return self.loader.yaml_constructors[tag](self.loader, node)
        except ValueError:  # timestamps: 2023-02-30, 2023-13-01
            raise self.fail(
                event, "una data di calendario esistente (AAAA-MM-GG)", shorten(event.value), path
            ) from None

    def refuse_anchor(self, event, path: str) -> None:
        import yaml

        if isinstance(event, yaml.AliasEvent):
            raise self.fail(event, "nessun alias YAML (*nome)", f"*{shorten(event.anchor)}", path)
        if getattr(event, "anchor", None) is not None:
            raise self.fail(event, "nessuna ancora YAML (&nome)", f"&{shorten(event.anchor)}", path)


_NO_KEY = object()


def _key_text(key: Any) -> str:
    return shorten(key, 40)


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
