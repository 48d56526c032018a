"""Declarative validation of YAML inputs: one walker and one message format for every file kind.

A file's contract is a tree of small *spec* nodes, declared once as data next to the code that
uses the file (``TARIFF_FILE`` in :mod:`cscplan.tariffs.schedule`, ``SCENARIO_FILE`` in
:mod:`cscplan.scenarios.reforms`)::

    PERIOD = Record(
        {"from": required(Date()), "to": required(Date()), "rate": required(Number(minimum=0))},
        rules=[not_before("to", "from")],
    )
    ITEM = Record({"code": required(Text(pattern=CODE)), "periods": required(ListOf(PERIOD, 1))})

``spec.read(value, path, where)`` returns the value normalised (numbers as finite floats, dates as
``datetime.date``, every declared key of a record present, absent optional keys set to their
default) or raises one :class:`~cscplan.errors.InputError` naming the file, the key path
(``items[3].periods[1].from``), the file's line (from :class:`cscplan.io.YamlDocument`), what was
expected and what was found, the found value always shown in bounded length (:func:`show`).

Extending a contract is a data edit: a new key is one more ``Field`` in a ``Record``; a
cross-field rule is one more entry in ``rules``; a dated value is ``MapOf(Date(), Number())``
(keys are validated like values), optionally accepted beside a plain number with ``Either``.
Nodes: :class:`Text`, :class:`Choice`, :class:`Flag`, :class:`Number`, :class:`Integer`,
:class:`Date`, :class:`ListOf`, :class:`OneOrMany`, :class:`MapOf`, :class:`Record`,
:class:`Either`, :class:`Shorthand`.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
import reprlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cscplan.errors import InputError, shorten

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
KINDS = {
    bool: "vero/falso",
    int: "numero intero",
    float: "numero decimale",
    list: "elenco",
    dict: "mappa",
    type(None): "valore vuoto",
    dt.date: "data",
    dt.datetime: "data e ora",
}
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 2, 4, 4, 60, 60


def show(value: Any, limit: int = 80) -> str:
    """A value as quoted in a message, never longer than ``limit`` characters."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return "un intero di oltre 38 cifre"
    if isinstance(value, float) and not math.isfinite(value):  # as YAML writes them
        return f"{'-' if value < 0 else ''}.{'nan' if math.isnan(value) else 'inf'} (non un numero finito)"
    text = _REPR.repr(value)
    if not isinstance(value, str):
        text = f"{text} ({KINDS.get(type(value), type(value).__name__)})"
    return shorten(text, limit)


def join(path: str, key: Any) -> str:
    """The path of ``key`` inside the mapping at ``path``."""
    name = shorten(key, 40)
    return f"{path}.{name}" if path else name


def it_date(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


@dataclass(frozen=True)
class Where:
    """The document being read: its name and the line of each key path (may be empty)."""

    source: str
    lines: Mapping[str, int] = field(default_factory=dict)

    def row(self, path: str) -> int | None:
        """The line of ``path``, else of its closest enclosing key."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[: max(path.rfind("."), path.rfind("["), 0)]
        return None

    def error(self, path: str, expected: str, found: str) -> InputError:
        return InputError(
            self.source, expected, found, row=self.row(path), key=shorten(path, 120) or None
        )

    def fail(self, path: str, expected: str, found: str) -> None:
        raise self.error(path, expected, found)


class Spec:
    """A node of a contract: ``read`` validates and normalises one value."""

    expected = "un valore"

    def read(self, value: Any, path: str, where: Where) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Spec):
    """A non-empty string (stripped), optionally matching ``pattern`` entirely."""

    pattern: str | None = None
    expected: str = "un testo non vuoto"
    strip: bool = True

    def read(self, value, path, where):
        if not isinstance(value, str) or not value.strip():
            where.fail(path, self.expected, show(value))
        if self.pattern is not None and not re.fullmatch(self.pattern, value.strip()):
            where.fail(path, self.expected, show(value))
        return value.strip() if self.strip else value


@dataclass(frozen=True)
class Choice(Spec):
    """One of ``options`` (same type: ``2020.0`` is not the year ``2020``)."""

    options: tuple

    @property
    def expected(self) -> str:
        return "uno tra " + ", ".join(str(o) for o in self.options)

    def read(self, value, path, where):
        for option in self.options:
            if type(value) is type(option) and value == option:
                return option
        where.fail(path, self.expected, show(value))


@dataclass(frozen=True)
class Flag(Spec):
    expected: str = "true o false"

    def read(self, value, path, where):
        if not isinstance(value, bool):
            where.fail(path, self.expected, show(value))
        return value


def _bounds_text(minimum, maximum, above, below) -> str:
    parts = []
    if minimum is not None:
        parts.append(f"≥ {minimum:g}")
    if above is not None:
        parts.append(f"> {above:g}")
    if maximum is not None:
        parts.append(f"≤ {maximum:g}")
    if below is not None:
        parts.append(f"< {below:g}")
    return " e ".join(parts)


@dataclass(frozen=True)
class Number(Spec):
    """A finite number (``.inf``/``.nan`` refused), within the given bounds; read as float."""

    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None  # exclusive lower bound
    below: float | None = None  # exclusive upper bound
    text: str | None = None

    @property
    def expected(self) -> str:
        if self.text:
            return self.text
        bounds = _bounds_text(self.minimum, self.maximum, self.above, self.below)
        return "un numero " + (bounds + " " if bounds else "") + "(es. 20.20, senza € né %)"

    def read(self, value, path, where):
        if isinstance(value, bool) or not isinstance(value, int | float):
            where.fail(path, self.expected, show(value))
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number) or not self.within(number):
            where.fail(path, self.expected, show(value))
        return number

    def within(self, number: float) -> bool:
        return not (
            (self.minimum is not None and number < self.minimum)
            or (self.maximum is not None and number > self.maximum)
            or (self.above is not None and number <= self.above)
            or (self.below is not None and number >= self.below)
        )


@dataclass(frozen=True)
class Integer(Spec):
    minimum: int | None = None
    maximum: int | None = None
    text: str | None = None

    @property
    def expected(self) -> str:
        bounds = _bounds_text(self.minimum, self.maximum, None, None)
        return self.text or "un numero intero" + (" " + bounds if bounds else "")

    def read(self, value, path, where):
        if isinstance(value, bool) or not isinstance(value, int):
            where.fail(path, self.expected, show(value))
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            where.fail(path, self.expected, show(value))
        return value


@dataclass(frozen=True)
class Date(Spec):
    """A calendar date written ``AAAA-MM-GG`` (a YAML date, or the same text quoted)."""

    expected: str = "una data nel formato AAAA-MM-GG (es. 2023-04-01)"

    def read(self, value, path, where):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                where.fail(path, "una data di calendario esistente (AAAA-MM-GG)", show(value))
        where.fail(path, self.expected, show(value))


@dataclass(frozen=True)
class ListOf(Spec):
    item: Spec
    min_items: int = 0

    @property
    def expected(self) -> str:
        kind = "un elenco non vuoto" if self.min_items else "un elenco"
        return f"{kind} (righe che iniziano con '-')"

    def read(self, value, path, where):
        if not isinstance(value, list):
            where.fail(path, self.expected, show(value))
        if len(value) < self.min_items:
            where.fail(path, self.expected, f"elenco di {len(value)} elementi")
        return [self.item.read(v, f"{path}[{i}]", where) for i, v in enumerate(value)]


@dataclass(frozen=True)
class OneOrMany(Spec):
    """One value or a non-empty list of values; read as a list."""

    item: Spec

    @property
    def expected(self) -> str:
        return f"{self.item.expected}, o un elenco di questi"

    def read(self, value, path, where):
        if isinstance(value, list):
            return ListOf(self.item, 1).read(value, path, where)
        return [self.item.read(value, path, where)]


@dataclass(frozen=True)
class MapOf(Spec):
    """A mapping whose keys and values follow ``key`` and ``value`` (e.g. dated values)."""

    key: Spec
    value: Spec
    expected: str = "una mappa chiave: valore"

    def read(self, value, path, where):
        if not isinstance(value, dict):
            where.fail(path, self.expected, show(value))
        return {
            self.key.read(k, join(path, k), where): self.value.read(v, join(path, k), where)
            for k, v in value.items()
        }


@dataclass(frozen=True)
class Field:
    spec: Spec
    required: bool = False
    default: Any = None


def required(spec: Spec) -> Field:
    return Field(spec, required=True)


def optional(spec: Spec, default: Any = None) -> Field:
    return Field(spec, default=default)


Rule = Callable[[dict, str, Where], None]


@dataclass(frozen=True)
class Record(Spec):
    """A mapping with declared keys; ``extra`` (if any) reads undeclared keys named like
    ``extra_key``; ``rules`` check relations between keys once every key is read."""

    fields: Mapping[str, Field]
    rules: Sequence[Rule] = ()
    extra: Spec | None = None
    extra_key: str = r"[a-z][a-z0-9_]*"
    expected: str = "una mappa chiave: valore"

    def read(self, value, path, where):
        if not isinstance(value, dict):
            where.fail(path, self.expected, show(value))
        for name in value:
            if name not in self.fields and not self._extra_name(name):
                where.fail(
                    join(path, name),
                    "una delle chiavi " + ", ".join(self.fields),
                    f"chiave sconosciuta {show(name)}",
                )
        out = {}
        for name, spec in self.fields.items():
            raw = value.get(name)
            if raw is not None:
                out[name] = spec.spec.read(raw, join(path, name), where)
            elif spec.required:
                found = "valore vuoto" if name in value else "chiave assente"
                where.fail(join(path, name), f"la chiave obbligatoria '{name}'", found)
            else:
                out[name] = copy.copy(spec.default)
        for name, raw in value.items():
            if name not in self.fields:
                out[name] = self.extra.read(raw, join(path, name), where)
        for rule in self.rules:
            rule(out, path, where)
        return out

    def _extra_name(self, name: Any) -> bool:
        return (
            self.extra is not None
            and isinstance(name, str)
            and re.fullmatch(self.extra_key, name) is not None
        )


@dataclass(frozen=True)
class Either(Spec):
    """The first of ``options`` that accepts the value."""

    options: tuple[Spec, ...]

    @property
    def expected(self) -> str:
        return " oppure ".join(o.expected for o in self.options)

    def read(self, value, path, where):
        for option in self.options:
            try:
                return option.read(value, path, where)
            except InputError:
                continue
        where.fail(path, self.expected, show(value))


@dataclass(frozen=True)
class Shorthand(Spec):
    """A ``record`` that may also be written as its ``key`` alone (``uplift: 0.2`` for
    ``uplift: {value: 0.2}``)."""

    record: Record
    key: str

    @property
    def expected(self) -> str:
        return f"{self.record.fields[self.key].spec.expected}, o una mappa con '{self.key}'"

    def read(self, value, path, where):
        if isinstance(value, dict):
            return self.record.read(value, path, where)
        out = {name: copy.copy(f.default) for name, f in self.record.fields.items()}
        out[self.key] = self.record.fields[self.key].spec.read(value, path, where)
        return out


# --- rules between keys ---------------------------------------------------------------------


def _given(record: dict, names: Sequence[str]) -> list[str]:
    return [name for name in names if record.get(name) is not None]


def exactly_one(*names: str) -> Rule:
    def rule(record: dict, path: str, where: Where) -> None:
        given = _given(record, names)
        if len(given) != 1:
            expected = "una sola tra " + " e ".join(f"'{n}'" for n in names)
            where.fail(path, expected, ", ".join(given) if given else "nessuna")

    return rule


def at_most_one(*names: str) -> Rule:
    def rule(record: dict, path: str, where: Where) -> None:
        given = _given(record, names)
        if len(given) > 1:
            where.fail(
                join(path, given[1]), "al più una tra " + " e ".join(names), ", ".join(given)
            )

    return rule


def not_before(later: str, earlier: str) -> Rule:
    """Dates: ``later`` is not before ``earlier`` (when both are given)."""

    def rule(record: dict, path: str, where: Where) -> None:
        first, last = record.get(earlier), record.get(later)
        if first is not None and last is not None and last < first:
            where.fail(
                join(path, later),
                f"'{later}' non precedente a '{earlier}'",
                f"dal {it_date(first)} al {it_date(last)}",
            )

    return rule


def not_above(small: str, big: str) -> Rule:
    """Numbers: ``small`` does not exceed ``big`` (when both are given)."""

    def rule(record: dict, path: str, where: Where) -> None:
        low, high = record.get(small), record.get(big)
        if low is not None and high is not None and low > high:
            where.fail(
                join(path, small), f"'{small}' non superiore a '{big}' ({high:g})", f"{low:g}"
            )

    return rule
