"""Parameters as dated values (the OpenFisca habit): each value in force from its date on.

A parameter of the tariff file is written once, with its reference::

    abatement_cap_month:
      source_line: 1525
      note: "tetto massimo € 200,00 mensili per gli affidi"
      values:
        2023-01-01: 200.0
        2025-01-01: {value: 210.0, source_line: 12, note: "delibera …"}

or, for a value that never changed, ``{value: 200.0, source_line: 1525}`` or the bare value.
Dates are first days of a month: a parameter is a rule of whole months (VAT, shares, caps, the
uplift), so the value in force on a month's first costed day is in force on every day of it and
the engine reads parameters once per month. Each value holds until the next date; before the
first date there is none (the schedule checks that the first date opens its timeline).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from cscplan.yamlspec import (
    Date,
    Field,
    Integer,
    MapOf,
    Record,
    Shorthand,
    Spec,
    Text,
    Where,
    it_date,
    optional,
)

LINE = Integer(minimum=1)


@dataclass(frozen=True)
class MonthStart(Spec):
    """A date that is the first day of a month (``AAAA-MM-01``)."""

    expected: str = "una data di inizio mese (AAAA-MM-01): i parametri valgono per mesi interi"

    def read(self, value, path, where):
        day = Date().read(value, path, where)
        if day.day != 1:
            where.fail(path, self.expected, day.isoformat())
        return day


def _entry(value: Spec) -> Record:
    return Record(
        {
            "value": Field(value),
            "values": optional(MapOf(MonthStart(), Shorthand(_dated(value), "value"))),
            "source_line": optional(LINE),
            "note": optional(Text(strip=False)),
        },
        rules=[_value_or_values],
    )


def _dated(value: Spec) -> Record:
    return Record(
        {
            "value": Field(value, required=True),
            "source_line": optional(LINE),
            "note": optional(Text(strip=False)),
        }
    )


def _value_or_values(record: dict, path: str, where: Where) -> None:
    given = [name for name in ("value", "values") if record.get(name) is not None]
    if len(given) != 1:
        where.fail(path, "una sola tra 'value' e 'values'", ", ".join(given) or "nessuna")
    if record.get("values") == {}:
        where.fail(f"{path}.values", "almeno un valore datato", "nessuno")


def parameter_spec(value: Spec) -> Shorthand:
    """The contract of one parameter whose values follow ``value``."""
    return Shorthand(_entry(value), "value")


@dataclass(frozen=True)
class Parameter:
    """A parameter's dated values: ``values[i]`` is in force from ``dates[i]`` until the next."""

    name: str
    dates: tuple[dt.date, ...]
    values: tuple[Any, ...]
    lines: tuple[int | None, ...]
    source_line: int | None = None
    note: str = ""

    @classmethod
    def constant(cls, name: str, value: Any, since: dt.date, line: int | None = None):
        return cls(name, (since,), (value,), (line,), line)

    @property
    def first(self) -> dt.date:
        return self.dates[0]

    @property
    def is_constant(self) -> bool:
        return len(set(self.values)) == 1

    def at(self, day: dt.date) -> Any:
        """The value in force on ``day`` (a LookupError before the first date)."""
        index = int(np.searchsorted(self._days, _day_number(day), side="right")) - 1
        if index < 0:
            raise LookupError(f"{self.name}: no value before {it_date(self.first)}")
        return self.values[index]

    def on(self, days: np.ndarray) -> np.ndarray:
        """The values in force on each of ``days`` (int64 day numbers), as floats."""
        index = np.searchsorted(self._days, np.asarray(days, np.int64), side="right") - 1
        return np.asarray(self.values, dtype=float)[np.maximum(index, 0)]

    def line_at(self, day: dt.date) -> int | None:
        index = int(np.searchsorted(self._days, _day_number(day), side="right")) - 1
        return self.lines[max(index, 0)] or self.source_line

    @property
    def _days(self) -> np.ndarray:
        return np.array([_day_number(d) for d in self.dates], dtype=np.int64)


def _day_number(day: dt.date) -> int:
    return int(np.datetime64(day, "D").astype(np.int64))


def parse_parameter(name: str, entry: dict, since: dt.date) -> Parameter:
    """A validated parameter entry (``value`` or ``values``) → its timeline; a bare ``value`` is
    in force from ``since`` (the first day of the schedule's timeline)."""
    line, note = entry["source_line"], entry["note"] or ""
    if entry.get("values") is None:
        return Parameter(name, (since,), (entry["value"],), (line,), line, note)
    dated = sorted(entry["values"].items())
    return Parameter(
        name,
        tuple(day for day, _ in dated),
        tuple(value["value"] for _, value in dated),
        tuple(value["source_line"] for _, value in dated),
        line,
        note,
    )


def change_dates(parameters) -> list[dt.date]:
    """Every date on which some parameter takes a new value."""
    return sorted({day for parameter in parameters for day in parameter.dates})
