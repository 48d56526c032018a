"""A caseload as offices send it: one file, or a folder of files (one per comune, as they arrive).

Each file is read by :mod:`cscplan.tabular` (``.xlsx`` — the profile's sheet or the first — or CSV
in UTF-8 or Windows-1252, ``;`` or ``,``, Italian numbers and dates) and its headers are matched
through a column :class:`~cscplan.intake.profile.Profile`:

* a required column of the caseload table (``Table.required_names``) without a header is refused,
  naming the closest header the file has (difflib); optional columns may be absent;
* a header the profile does not know is kept aside (:attr:`Submission.extras`) with a note, never
  an error;
* two headers for the same column (``Ore settimanali`` and ``Giorni settimanali``) are merged: a
  row fills one of them, not both;
* free-text service names become tariff items through the profile's ``services`` (a tariff code
  or the schedule's own label is accepted as is); an unknown name is refused with the closest one;
* numbers and dates are read by the file's convention; a date that is not in the calendar
  (``31/02/2024``) or a quantity written as text is refused. An empty end date is allowed: the plan
  is open-ended (see :mod:`cscplan.forecast.continuity`).

A folder is one caseload: the same beneficiary in two files is refused, naming both. Every message
names the file, its line (as an editor or Excel shows it) and the file's own header; errors found
later on the combined plans are brought back to the file by :meth:`Submission.relocate`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.intake.profile import Profile, normalised
from cscplan.intake.provenance import shown_path
from cscplan.tabular import (
    Table,
    parse_dates,
    parse_numbers,
    quote,
    read_table,
    relocated,
    renumber_rows,
)

CASELOAD = metadata.TABLES["caseload"]
COLUMNS = CASELOAD.names
NUMBER_COLUMNS = ("qty_per_week", "group_size")
DATE_COLUMNS = ("start", "end")
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".ods")
"""Files of a folder that are read (``.xls``/``.ods`` only to say how to save them)."""
NUMBER_WORDS = {
    "qty_per_week": "un numero di ore o giorni a settimana (es. 7,5)",
    "group_size": "un numero intero di componenti (es. 3)",
}


@dataclass
class Submission:
    """The plans of one file or folder, as caseload columns of text, and where each row is."""

    source: str
    plans: pd.DataFrame
    origin: pd.DataFrame  # per row: file, line, and for each column the header it came from
    files: list[Path]
    profile: Profile
    notes: list[str] = field(default_factory=list)
    extras: pd.DataFrame = field(default_factory=pd.DataFrame)

    def place(self, position: int) -> tuple[str, int]:
        """(file, line) of plan ``position``."""
        return str(self.origin["file"].iat[position]), int(self.origin["line"].iat[position])

    def header(self, position: int, column: str) -> str:
        """The header of ``column`` in the file of plan ``position`` (the profile's first name
        when the file has no such column)."""
        used = self.origin.get(f"header:{column}")
        if used is not None and used.iat[position]:
            return str(used.iat[position])
        names = self.profile.headers_for(column)
        return f"{names[0]} (assente)" if names else column

    def relocate(self, err: InputError) -> InputError:
        """An error about the combined plans (row = position + 2, caseload column names) as one
        about the file: its name, its line, its header; row numbers in the text too."""
        if (
            str(err.file) != self.source
            or err.row is None
            or not 2 <= err.row < len(self.plans) + 2
        ):
            return err
        position = err.row - 2
        file, line = self.place(position)
        found = renumber_rows(err.found, self._line_of)
        column = self.header(position, err.column) if err.column else None
        return replace(err, file=file, row=line, column=column, found=found)

    def _line_of(self, row: int) -> int:
        position = row - 2
        return self.place(position)[1] if 0 <= position < len(self.plans) else row

    def located(self):
        """Re-raise :class:`InputError` about the combined plans as one about the file."""
        return relocated(self.relocate)


class ServiceNames:
    """Service names of the files → tariff item codes (profile names, codes, schedule labels)."""

    def __init__(self, profile: Profile, items: pd.DataFrame) -> None:
        profile.check_codes(items["code"])
        self.profile = profile
        self.codes: dict[str, str] = {normalised(c): c for c in items["code"]}
        self.codes |= {
            normalised(label): code
            for code, label in zip(items["code"], items["label"], strict=True)
        }
        self.codes |= profile.services
        written = [n for names in profile.service_names.values() for n in names]
        self.shown = {normalised(n): n for n in [*items["code"], *written]}

    def code(self, text: str) -> str | None:
        return self.codes.get(normalised(text))

    def suggestion(self, text: str) -> str:
        close = difflib.get_close_matches(normalised(text), list(self.shown), n=1, cutoff=0.6)
        return f" (forse '{self.shown[close[0]]}'?)" if close else ""


def read_submissions(path: str | Path, profile: Profile, items: pd.DataFrame) -> Submission:
    """Read a caseload file, or every table file of a folder, through ``profile``.

    ``items`` is the tariff schedule's items table (codes and labels accepted as service names).
    """
    path = Path(path)
    files = table_files(path)
    names = ServiceNames(profile, items)
    parts = [_read_file(file, profile, names) for file in files]
    _check_one_file_per_beneficiary(parts)
    plans = pd.concat([p.plans for p in parts], ignore_index=True)
    origin = pd.concat([p.origin for p in parts], ignore_index=True).fillna("")
    extras = pd.concat([p.extras for p in parts], ignore_index=True)
    notes = [note for p in parts for note in p.notes]
    return Submission(str(path), plans, origin, files, profile, notes, extras)


def table_files(path: Path) -> list[Path]:
    """The file itself, or the table files of a folder (sorted; hidden and lock files skipped)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(path, "un file o una cartella esistente", "nessun file a questo percorso")
    files = sorted(
        p
        for p in path.iterdir()
        if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES and not p.name.startswith((".", "~$"))
    )
    if not files:
        raise InputError(
            path,
            "una cartella con almeno un file .xlsx o .csv (un prospetto per Comune)",
            "nessun file di tabella",
        )
    return files


@dataclass
class _Part:
    plans: pd.DataFrame
    origin: pd.DataFrame
    extras: pd.DataFrame
    notes: list[str]


def _read_file(path: Path, profile: Profile, names: ServiceNames) -> _Part:
    table = read_table(path, sheet=profile.sheet)
    table.require_records("almeno un utente (una riga) dopo l'intestazione")
    frame = table.frame().fillna("").map(str.strip)
    used = {column: [] for column in COLUMNS}
    extra = []
    for header in table.header:
        column = profile.column_of(header)
        (used[column] if column else extra).append(header)
    require_columns(table, profile, used)
    plans, origin = {}, {"file": str(path), "line": table.lines}
    for column, headers in used.items():
        plans[column], origin[f"header:{column}"] = merged_column(frame, headers, table)
    plans = pd.DataFrame(plans, index=frame.index, dtype=object)
    _read_values(plans, pd.DataFrame(origin, index=frame.index), table)
    plans["item"] = _items(plans["item"], origin["header:item"], table, names)
    notes = [f"{path.name}: " + ", ".join(table.notes)]
    if extra:
        shown = ", ".join(f"'{h}'" for h in extra)
        notes.append(f"{path.name}: colonne non usate nel calcolo, conservate a parte: {shown}")
    return _Part(
        plans, pd.DataFrame(origin, index=frame.index), _extras(frame, extra, plans, origin), notes
    )


def require_columns(
    table: Table, profile: Profile, used: dict[str, list[str]], declared=CASELOAD
) -> None:
    """Every required column (of ``declared``, a registry table) has a header; else name the
    closest header of the file."""
    for column in declared.required_names:
        if used[column]:
            continue
        wanted = profile.headers_for(column)
        free = [h for h in table.header if profile.column_of(h) is None]
        close = _closest(wanted, free or table.header)
        found = (
            f"intestazione più simile: '{close}'"
            if close
            else "colonne presenti: " + ", ".join(f"'{h}'" for h in table.header)
        )
        raise InputError(
            table.source,
            f"una colonna '{wanted[0]}' (o {', '.join(repr(w) for w in wanted[1:4])}; profilo "
            f"{profile.name})",
            found,
            row=table.header_line,
            column=wanted[0],
        )


def _closest(wanted: tuple[str, ...], headers: list[str]) -> str | None:
    by_form = {normalised(h): h for h in headers}
    for name in wanted:
        close = difflib.get_close_matches(normalised(name), list(by_form), n=1, cutoff=0.6)
        if close:
            return by_form[close[0]]
    return None


def merged_column(frame: pd.DataFrame, headers: list[str], table: Table) -> tuple[list, list]:
    """One column from the file's headers for it: each row fills at most one of them."""
    if not headers:
        return [""] * len(frame), [""] * len(frame)
    cells = frame[headers]
    filled = cells.ne("").to_numpy()
    both = filled.sum(axis=1) > 1
    if both.any():
        position = int(np.argmax(both))
        given = [h for h, f in zip(headers, filled[position], strict=True) if f]
        raise InputError(
            table.source,
            "un valore in una sola tra " + " e ".join(f"'{h}'" for h in headers),
            "entrambe compilate: " + ", ".join(quote(cells[h].iat[position]) for h in given),
            row=table.lines[position],
            column=given[1],
        )
    which = np.where(filled.any(axis=1), filled.argmax(axis=1), 0)
    values = cells.to_numpy()[np.arange(len(frame)), which]
    return list(values), [headers[i] for i in which]


def _fail(table: Table, origin: pd.DataFrame, position: int, column: str, expected: str, found):
    return InputError(
        table.source,
        expected,
        found,
        row=table.lines[position],
        column=origin[f"header:{column}"].iat[position] or column,
    )


def _read_values(plans: pd.DataFrame, origin: pd.DataFrame, table: Table) -> None:
    """Numbers and dates by the file's convention, as plain ``7.5`` and ``AAAA-MM-GG`` text."""
    for column in NUMBER_COLUMNS:
        numbers, why = parse_numbers(plans[column], table.style)
        bad = why.ne("").to_numpy()
        if bad.any():
            position = int(np.argmax(bad))
            cell = plans[column].iat[position]
            found = f"{quote(cell)}: {why.iat[position]}"
            raise _fail(table, origin, position, column, NUMBER_WORDS[column], found)
        plain = numbers.map(lambda v: np.format_float_positional(v, trim="-"), na_action="ignore")
        plans[column] = plain.where(numbers.notna(), "")
    for column in DATE_COLUMNS:
        dates, why = parse_dates(plans[column])
        bad = why.ne("").to_numpy()
        if bad.any():
            position = int(np.argmax(bad))
            cell = plans[column].iat[position]
            reason = why.iat[position]
            found = quote(cell) if reason == "formato" else reason
            expected = "una data GG/MM/AAAA (o AAAA-MM-GG)"
            raise _fail(table, origin, position, column, expected, found)
        plans[column] = dates.dt.strftime("%Y-%m-%d").where(dates.notna(), "")


def _items(texts: pd.Series, headers: list[str], table: Table, names: ServiceNames) -> pd.Series:
    codes = texts.map(names.code)
    unknown = codes.isna().to_numpy()
    if unknown.any():
        position = int(np.argmax(unknown))
        text = texts.iat[position]
        raise InputError(
            table.source,
            f"un servizio del profilo {names.profile.name} ({shown_path(names.profile.source)}) "
            "o un codice del tariffario",
            quote(text) + names.suggestion(text),
            row=table.lines[position],
            column=headers[position] or "item",
        )
    return codes


def _extras(
    frame: pd.DataFrame, extra: list[str], plans: pd.DataFrame, origin: dict
) -> pd.DataFrame:
    """The cells of the columns the profile does not know, kept aside (non-empty ones)."""
    rows = [
        (origin["file"], origin["line"][i], plans["beneficiary_id"].iat[i], header, value)
        for header in extra
        for i, value in enumerate(frame[header])
        if value
    ]
    return pd.DataFrame(rows, columns=["file", "line", "beneficiary_id", "column", "value"])


def _check_one_file_per_beneficiary(parts: list[_Part]) -> None:
    """The same beneficiary may be in one file only (each comune sends its own users)."""
    first: dict[str, tuple[str, int]] = {}
    for part in parts:
        for person, file, line, header in zip(
            part.plans["beneficiary_id"],
            part.origin["file"],
            part.origin["line"],
            part.origin["header:beneficiary_id"],
            strict=True,
        ):
            if not person:
                continue
            seen = first.setdefault(person, (file, line))
            if seen[0] != file:
                raise InputError(
                    file,
                    "ogni beneficiario in un solo file (ogni Comune invia i propri utenti)",
                    f"{quote(person)} anche in {seen[0]} riga {seen[1]}",
                    row=line,
                    column=header,
                )
