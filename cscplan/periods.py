"""Costed periods: a span of calendar days, not a year.

>>> Period.calendar_year(2024).label
'anno 2024'
>>> Period.school_year(2023)            # SAAP is planned September to June
Period(start=datetime.date(2023, 9, 1), end=datetime.date(2024, 6, 30))
>>> [m.isoformat() for m in Period.between("2023-11-15", "2024-01-10").months()]
['2023-11-01', '2023-12-01', '2024-01-01']

Both ends are inclusive. Costing takes a period; the default one is what the tariff schedule
covers (``TariffSchedule.period``). A period may cross years: months are counted from its first
month (``month_labels`` are ``AAAA-MM``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

SCHOOL_YEAR_START = (9, 1)  # 1 September
SCHOOL_YEAR_END = (6, 30)  # 30 June of the following year


def as_date(value) -> dt.date:
    """A date from a ``datetime.date``, a ``Timestamp`` or ``AAAA-MM-GG`` text."""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return pd.Timestamp(value).date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@dataclass(frozen=True, order=True)
class Period:
    """Calendar days ``start``..``end``, both inclusive."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def calendar_year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def school_year(cls, year: int) -> Period:
        """The school year starting in September of ``year`` (``2023`` → 2023/24)."""
        return cls(dt.date(year, *SCHOOL_YEAR_START), dt.date(year + 1, *SCHOOL_YEAR_END))

    @classmethod
    def between(cls, start, end) -> Period:
        return cls(as_date(start), as_date(end))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, other: Period | dt.date) -> bool:
        if isinstance(other, Period):
            return self.start <= other.start and other.end <= self.end
        return self.start <= other <= self.end

    def months(self) -> Iterator[dt.date]:
        """The first day of every calendar month the period touches, in order."""
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            yield dt.date(year, month, 1)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    @property
    def month_labels(self) -> list[str]:
        return [f"{m.year}-{m.month:02d}" for m in self.months()]

    @property
    def is_calendar_year(self) -> bool:
        return self == Period.calendar_year(self.start.year)

    @property
    def is_school_year(self) -> bool:
        return self == Period.school_year(self.start.year)

    @property
    def label(self) -> str:
        """Italian label: ``anno 2023``, ``anno scolastico 2023/24`` or ``dal … al …``."""
        if self.is_calendar_year:
            return f"anno {self.start.year}"
        if self.is_school_year:
            return f"anno scolastico {self.start.year}/{(self.start.year + 1) % 100:02d}"
        return f"dal {_it(self.start)} al {_it(self.end)}"

    @property
    def span(self) -> str:
        """``01/01/2023–31/12/2023``."""
        return f"{_it(self.start)}–{_it(self.end)}"

    def __str__(self) -> str:
        return self.label


def resolve_period(
    period: Period | int | None = None, year: int | None = None, *, default: Period
) -> Period:
    """The period asked for: a Period, a calendar year (``period=2024`` or ``year=2024``), else
    ``default``."""
    if period is not None and year is not None:
        raise ValueError("give either period or year, not both")
    if isinstance(period, Period):
        return period
    chosen = period if period is not None else year
    return default if chosen is None else Period.calendar_year(int(chosen))


def _it(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


SCHOOL_YEAR_TEXT = re.compile(r"(\d{4})\s*/\s*(\d{2}|\d{4})")


def period_option(
    year: int | None = None,
    school_year: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> tuple[Period | None, str]:
    """The period the command line asks for, and the option it came from (for messages):
    ``--year 2024``, ``--anno-scolastico 2023/24`` or ``--from 2023-09-01 --to 2024-06-30``;
    ``None`` when none is given (the schedule's default). Bad or clashing options are refused
    with an :class:`~cscplan.errors.InputError` naming the option."""
    from cscplan.errors import InputError

    given = [k for k, v in (("--year", year), ("--anno-scolastico", school_year)) if v is not None]
    if start is not None or end is not None:
        given.append("--from/--to")
    if len(given) > 1:
        raise InputError(
            None,
            "un solo periodo: --year, --anno-scolastico oppure --from e --to",
            " e ".join(given),
            key=given[1],
        )
    if year is not None:
        return Period.calendar_year(year), "--year"
    if school_year is not None:
        return _school_year(school_year), "--anno-scolastico"
    if start is None and end is None:
        return None, "--year"
    if start is None or end is None:
        key = "--from" if start is None else "--to"
        raise InputError(
            None, "--from e --to insieme (il primo e l'ultimo giorno)", "solo uno dei due", key=key
        )
    first, last = _iso_day(start, "--from"), _iso_day(end, "--to")
    if last < first:
        raise InputError(
            None, "--to non precedente a --from", f"dal {_it(first)} al {_it(last)}", key="--to"
        )
    return Period(first, last), "--from"


def _school_year(text: str) -> Period:
    from cscplan.errors import InputError

    match = SCHOOL_YEAR_TEXT.fullmatch(text.strip())
    first = int(match.group(1)) if match else None
    if match is None or int(match.group(2)) % 100 != (first + 1) % 100:
        raise InputError(
            None,
            "un anno scolastico come 2023/24 (due anni consecutivi)",
            repr(text),
            key="--anno-scolastico",
        )
    return Period.school_year(first)


def _iso_day(text: str, key: str) -> dt.date:
    from cscplan.errors import InputError

    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            None, "una data esistente AAAA-MM-GG (es. 2023-09-01)", repr(text), key=key
        ) from None
