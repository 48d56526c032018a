"""The month's files as offices and providers send them: activity export, invoices, commitments.

Each file is read by :mod:`cscplan.tabular` (``.xlsx`` or CSV as Excel saves it) and its headers
are matched through a column profile (:mod:`cscplan.intake.profile`, ``table:`` naming the
registry's input table: ``activity``, ``invoices``, ``commitments``), exactly as the comuni's
prospetti are. The value of each column is read by the kind its registry field declares (number,
integer, date, month ``AAAA-MM``, tariff item through the profile's service names), and every
refusal names the file, the line as Excel shows it, the file's own header, what was expected and
what was found. Comuni are checked against the district's list (``data/comuni.csv``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.intake.profile import Profile, load_profile, normalised
from cscplan.intake.provenance import shown_path
from cscplan.intake.submissions import ServiceNames, merged_column, require_columns
from cscplan.metadata.fields import DATETIME, INTEGER, NUMBER
from cscplan.tabular import MONTHS, Table, parse_dates, parse_numbers, quote, read_table

ITEM_FIELD = "tariff_item"
MONTH_TEXT = re.compile(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?|(\d{1,2})/(\d{4})")
MONTH_NAMES = {name: i + 1 for i, name in enumerate(MONTHS.split())}
NUMBER_WORDS = {
    NUMBER: "un numero (es. 45 o 1.234,56)",
    INTEGER: "un numero intero (es. 2)",
}


@dataclass(frozen=True)
class InputFile:
    """A validated input table (registry columns, typed) and the file line of each row."""

    name: str  # the registry's table
    source: str
    frame: pd.DataFrame
    lines: list[int]
    notes: tuple[str, ...] = ()

    def line(self, position: int) -> int:
        return self.lines[position]


def read_input(
    path: str | Path,
    profile: Profile | str | Path,
    comuni: list[str] | None = None,
    items: pd.DataFrame | None = None,
) -> InputFile:
    """Read one file of the profile's table; any defect raises one InputError with its line."""
    profile = profile if isinstance(profile, Profile) else load_profile(profile)
    declared = metadata.TABLES[profile.table]
    table = read_table(path, sheet=profile.sheet)
    table.require_records()
    cells = table.frame().fillna("").map(str.strip)
    used: dict[str, list[str]] = {name: [] for name in declared.names}
    for header in table.header:
        column = profile.column_of(header)
        if column in used:
            used[column].append(header)
    require_columns(table, profile, used, declared)
    frame, headers = {}, {}
    for column, names in used.items():
        frame[column], headers[column] = merged_column(cells, names, table)
    reader = _Reader(table, pd.DataFrame(headers), profile)
    out = {}
    for column in declared.names:
        spec = metadata.field_of(profile.table, column)
        values = pd.Series(frame[column], dtype=object)
        out[column] = reader.typed(column, values, spec, declared, items)
    typed = pd.DataFrame(out)
    if comuni is not None and "comune" in typed:
        typed["comune"] = reader.comuni(typed["comune"], comuni)
    notes = (f"{Path(path).name}: " + ", ".join(table.notes),) if table.notes else ()
    return InputFile(profile.table, str(path), typed, list(table.lines), notes)


class _Reader:
    """Typed values of one file's columns, refusing the first bad cell with its place."""

    def __init__(self, table: Table, headers: pd.DataFrame, profile: Profile) -> None:
        self.table, self.headers, self.profile = table, headers, profile

    def fail(self, position: int, column: str, expected: str, found: str) -> InputError:
        header = (
            self.headers[column].iat[position] or (self.profile.headers_for(column) or (column,))[0]
        )
        return InputError(
            self.table.source, expected, found, row=self.table.lines[position], column=header
        )

    def typed(self, column, values, spec, declared, items) -> pd.Series:
        required = column in declared.required_names
        empty = values.eq("")
        if required and spec.kind != INTEGER and empty.any():
            position = int(np.argmax(empty.to_numpy()))
            raise self.fail(position, column, f"un valore in '{column}'", "cella vuota")
        if spec.kind in (NUMBER, INTEGER):
            return self.numbers(column, values, spec.kind)
        if spec.kind == DATETIME:
            return self.dates(column, values)
        if column == "month":
            return self.months(column, values)
        if {c.name: c.field for c in declared.columns}[column] == ITEM_FIELD:
            return self.items(column, values, items)
        return values.astype(str)

    def numbers(self, column: str, values: pd.Series, kind: str) -> pd.Series:
        numbers, why = parse_numbers(values, self.table.style)
        if kind == INTEGER:
            numbers = numbers.fillna(1.0)  # operators: one when not written
            why = why.where(why.ne("") | numbers.eq(numbers.round()), "non è un numero intero")
        bad = why.ne("").to_numpy()
        if not bad.any():
            bad = (numbers < (1 if kind == INTEGER else 0)).to_numpy()
            why = pd.Series(
                "zero o negativo" if kind == INTEGER else "un numero negativo", index=values.index
            )
        if bad.any():
            position = int(np.argmax(bad))
            found = f"{quote(values.iat[position])}: {why.iat[position]}"
            raise self.fail(position, column, NUMBER_WORDS[kind], found)
        return numbers.astype("int64") if kind == INTEGER else numbers.fillna(0.0)

    def dates(self, column: str, values: pd.Series) -> pd.Series:
        dates, why = parse_dates(values)
        bad = why.ne("").to_numpy()
        if bad.any():
            position = int(np.argmax(bad))
            reason = why.iat[position]
            found = quote(values.iat[position]) if reason == "formato" else reason
            raise self.fail(position, column, "una data GG/MM/AAAA (o AAAA-MM-GG)", found)
        return dates

    def months(self, column: str, values: pd.Series) -> pd.Series:
        labels = _on_distinct(values, month_label)
        bad = labels.isna().to_numpy()
        if bad.any():
            position = int(np.argmax(bad))
            raise self.fail(
                position,
                column,
                "un mese come 2023-03, 03/2023 o marzo 2023",
                quote(values.iat[position]),
            )
        return labels.astype(str)

    def items(self, column: str, values: pd.Series, items: pd.DataFrame | None) -> pd.Series:
        names = ServiceNames(self.profile, items)
        codes = _on_distinct(values, names.code)
        bad = codes.isna().to_numpy()
        if bad.any():
            position = int(np.argmax(bad))
            text = values.iat[position]
            raise self.fail(
                position,
                column,
                f"una prestazione del profilo {self.profile.name} "
                f"({shown_path(self.profile.source)}) o un codice del tariffario",
                quote(text) + names.suggestion(text),
            )
        return codes.astype(str)

    def comuni(self, values: pd.Series, comuni: list[str]) -> pd.Series:
        known = {normalised(c): c for c in comuni}
        names = _on_distinct(values, lambda v: known.get(normalised(v)))
        bad = names.isna() & values.ne("")
        if bad.any():
            position = int(np.argmax(bad.to_numpy()))
            text = values.iat[position]
            close = difflib.get_close_matches(normalised(text), list(known), n=1, cutoff=0.6)
            hint = f" (forse '{known[close[0]]}'?)" if close else ""
            raise self.fail(
                position,
                "comune",
                "un Comune dell'Ambito (data/comuni.csv)",
                quote(text) + hint,
            )
        return names.fillna("").astype(str)


def _on_distinct(values: pd.Series, function) -> pd.Series:
    """``values.map(function)``, calling it once per distinct value."""
    codes, uniques = pd.factorize(values.astype(str), use_na_sentinel=False)
    mapped = pd.Series([function(u) for u in uniques], dtype=object)
    return pd.Series(mapped.to_numpy()[codes], index=values.index, dtype=object)


def month_label(text: str) -> str | None:
    """``2023-03``, ``2023-03-01``, ``03/2023``, ``marzo 2023`` → ``2023-03``; else None."""
    text = str(text).strip().casefold()
    match = MONTH_TEXT.fullmatch(text)
    if match:
        year, month = (match[1], match[2]) if match[1] else (match[4], match[3])
    else:
        words = text.split()
        if len(words) != 2 or words[0] not in MONTH_NAMES or not words[1].isdigit():
            return None
        year, month = words[1], MONTH_NAMES[words[0]]
    year, month = int(year), int(month)
    if not (1 <= month <= 12 and 1900 <= year <= 2200):
        return None
    return f"{year:04d}-{month:02d}"
