"""The one tabular reader at the edge: CSV (as offices save it) and ``.xlsx`` → string cells.

What it accepts, and why (files arrive from Italian offices, saved by Excel or by other programs):

* **CSV** in UTF-8 (with or without BOM) or Windows-1252 (Italian Excel's "CSV"): UTF-8 is tried
  first, then cp1252; :attr:`Table.notes` says which was used. Separator ``;`` or ``,`` sniffed
  from the header (the one that occurs more often outside quotes); CRLF or LF line ends; quoted
  fields spanning several lines.
* **xlsx** through openpyxl: the first sheet, or a named one. Numbers become text in the Italian
  form (``7,5``; no thousands separator), dates ``AAAA-MM-GG``, so one set of rules reads both.

Every record carries the **line as an editor shows it** (for xlsx: the Excel row number): blank
lines and multi-line quoted fields do not shift the numbers. Validators of this project number
records ``position + 2`` (header = row 1); :meth:`Table.relocate` turns such an error into one
naming the file's real line.

Numbers (:func:`parse_numbers`) follow the file's convention. In a ``;`` file (Italian) ``.``
groups thousands and ``,`` is the decimal mark: ``1.000`` is one thousand, ``2,5`` two and a half,
``1.234,56`` fine; ``7.5`` is refused (a point cannot be a decimal mark there). In a ``,`` file
``7.5`` is seven and a half and a quoted ``"7,5"`` too; ``1.000`` or ``"1,000"`` are refused as
ambiguous (one thousand or one?). Dates (:func:`parse_dates`): ``AAAA-MM-GG`` or ``GG/MM/AAAA``,
real calendar dates only (``31/02/2024`` is refused, saying why).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from cscplan.errors import InputError, shorten

T = TypeVar("T")
ITALIAN = "it"  # ';' CSV and xlsx: '.' groups thousands, ',' is the decimal mark
ENGLISH = "en"  # ',' CSV: '.' is the decimal mark
XLSX_SUFFIXES = (".xlsx", ".xlsm")
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0"
CSV_PROBLEMS = (
    ("unexpected end of data", "virgolette aperte e mai chiuse (il campo arriva a fine file)"),
    ("expected after", "testo subito dopo le virgolette di chiusura di un campo"),
    ("field larger than field limit", "un campo troppo lungo (virgolette non chiuse?)"),
)
MAX_QUOTED = 60  # characters of a cell quoted in a message
ROW_WORD = re.compile(r"\briga (\d+)\b")

_PLAIN = re.compile(r"\d+")
_COMMA_DECIMAL = re.compile(r"\d+,\d+")
_DOT_DECIMAL = re.compile(r"\d+\.\d+")
_DOT_GROUPS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")
_COMMA_GROUPS = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+")
_ITALIAN_FULL = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+,\d+")
_ENGLISH_FULL = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+\.\d+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_IT_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
MONTHS = (
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre"
)


@dataclass
class Table:
    """A table read from a file: stripped header, string cells, the file line of each record."""

    source: str
    header: list[str]
    cells: pd.DataFrame = field(repr=False)
    lines: Sequence[int]
    header_line: int = 1
    style: str = ITALIAN
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[list[str]]:
        """The records' cells, one list per record."""
        return self.cells.to_numpy().tolist()

    def frame(self) -> pd.DataFrame:
        """The records as a frame of strings (RangeIndex: record ``i`` is ``lines[i]``)."""
        return self.cells.copy(deep=False)

    def line_of(self, row: int | None) -> int | None:
        """File line of a validator's row number (``position + 2``; 1 = the header)."""
        if row is None:
            return None
        if row == 1:
            return self.header_line
        position = row - 2
        return self.lines[position] if 0 <= position < len(self.lines) else row

    def relocate(self, err: InputError) -> InputError:
        """The same error with record row numbers (``position + 2``) turned into file lines."""
        if not _same_file(err.file, self.source):
            return err
        found = renumber_rows(err.found, self.line_of)
        return replace(err, found=found, row=self.line_of(err.row))

    def located(self):
        """Re-raise :class:`InputError` about this file with file lines (see :meth:`relocate`)."""
        return relocated(self.relocate)

    def require_records(self, what: str = "almeno una riga di dati dopo l'intestazione") -> None:
        """A table with only its header is bad input (nothing to read)."""
        if self.cells.empty:
            raise InputError(self.source, what, "solo l'intestazione", row=self.header_line)


def renumber_rows(text: str, line_of: Callable[[int], int | None]) -> str:
    """Every ``riga N`` (a validator's ``position + 2``) in ``text`` as the file's line."""
    return ROW_WORD.sub(lambda m: f"riga {line_of(int(m[1]))}", text)


@contextmanager
def relocated(relocate: Callable[[InputError], InputError]) -> Iterator[None]:
    """Re-raise any :class:`InputError` of the block as ``relocate(error)``."""
    try:
        yield
    except InputError as err:
        raise relocate(err) from None


def _same_file(a, b) -> bool:
    return a is not None and str(a) == str(b)


# --------------------------------------------------------------------------- reading


def read_table(path: str | Path, sheet: str | None = None, source: str | None = None) -> Table:
    """Read a CSV or ``.xlsx`` file (see the module docstring); bad files raise InputError."""
    path = Path(path)
    name = source or str(path)
    if not path.is_file():
        raise InputError(name, "un file esistente", "nessun file a questo percorso")
    data = path.read_bytes()
    if path.suffix.lower() in XLSX_SUFFIXES or data[:4] == ZIP_MAGIC:
        return _read_xlsx(path, name, sheet)
    if sheet is not None:
        raise InputError(name, "un file .xlsx per scegliere un foglio", "un file di testo (CSV)")
    return _read_csv(data, name)


def _read_csv(data: bytes, name: str) -> Table:
    if not data.strip():
        raise InputError(name, "un CSV con intestazione e righe", "file vuoto")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(
            name,
            "un CSV in UTF-8 o Windows-1252",
            "testo UTF-16 ('Testo Unicode' di Excel): salvare come 'CSV (delimitato dal "
            "separatore di elenco)'",
        )
    if data[:4] == OLE2_MAGIC:
        raise InputError(
            name,
            "un CSV di testo o un file .xlsx",
            "un file Excel 97-2003 (.xls): salvarlo come .xlsx",
        )
    if b"\x00" in data[:4096]:
        raise InputError(name, "un CSV di testo o un file .xlsx", "un file binario")
    text, notes = decode(data, name)
    separator = sniff_separator(text)
    style = ITALIAN if separator == ";" else ENGLISH
    notes.append(f"separatore '{separator}'")
    fast = _plain_csv(text, separator, name, style, notes)
    if fast is not None:
        return fast
    return _table(name, _csv_records(text, separator, name), style, notes, separator)


IRREGULAR_MARKS = ('"', "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
"""What the C reader would read differently from :func:`_csv_records`: quotes and line breaks
other than CR/LF (short and blank records are found on the parsed cells)."""


def _plain_csv(text: str, separator: str, name: str, style: str, notes: list[str]) -> Table | None:
    """The common export (no quotes, no blank records, every record as wide as the header) read
    by pandas' C reader, record ``i`` on line ``i + 2``; ``None`` when the file is not that
    plain, for :func:`_csv_records` to read and to name what is wrong."""
    body = text.rstrip("\r\n")
    if not body or any(mark in body for mark in IRREGULAR_MARKS):
        return None
    try:
        cells = pd.read_csv(
            io.StringIO(body),
            sep=separator,
            header=None,
            dtype=object,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError):
        return None
    header = [str(cell).strip().lstrip("\ufeff") for cell in cells.iloc[0]]
    short = body.count(separator) != len(cells) * (len(header) - 1)  # long ones raised above
    if not all(header) or short or _has_blank_record(cells):
        return None
    _check_header(name, header, 1)
    cells = cells.iloc[1:].set_axis(header, axis=1).reset_index(drop=True)
    return Table(name, header, cells, range(2, len(cells) + 2), 1, style, notes)


def _has_blank_record(cells: pd.DataFrame) -> bool:
    """Whether a record has only blank cells (a blank record starts with a blank cell: only
    those few are checked whole)."""
    first = cells.iloc[:, 0]
    candidates = cells[first.str.strip().to_numpy() == ""]
    if candidates.empty:
        return False
    return bool(candidates.apply(lambda column: column.str.strip() == "").all(axis=1).any())


def decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """UTF-8 (BOM optional), else Windows-1252; the note says which encoding was read."""
    try:
        return data.decode("utf-8-sig"), ["codifica UTF-8"]
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), ["codifica Windows-1252 (file salvato da Excel/Windows)"]
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            name,
            "testo codificato UTF-8 o Windows-1252",
            f"byte {data[exc.start : exc.start + 1]!r} non valido in entrambe",
            row=line,
        ) from None


def sniff_separator(text: str) -> str:
    """``;`` or ``,``: whichever occurs more often outside quotes in the first non-blank line."""
    for line in text.splitlines():
        if line.strip():
            unquoted = re.sub(r'"[^"]*"', "", line)
            return ";" if unquoted.count(";") > unquoted.count(",") else ","
    return ","


def _csv_records(text: str, separator: str, name: str) -> list[tuple[int, list[str]]]:
    """(first line, cells) of every non-blank record; line numbers count physical lines."""
    if '"' not in text:  # no quoting: one record per line (the common export), split directly
        lines = enumerate(text.splitlines(), start=1)
        blank = separator + " \t\r"
        return [(number, line.split(separator)) for number, line in lines if line.strip(blank)]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    records: list[tuple[int, list[str]]] = []
    consumed = 0
    while True:
        start = consumed + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            text = str(exc)
            found = next((it for en, it in CSV_PROBLEMS if en in text), shorten(text))
            raise InputError(
                name, "un CSV valido (virgolette chiuse, campi separati)", found, row=start
            ) from None
        consumed = reader.line_num
        if any(cell.strip() for cell in row):
            records.append((start, row))
    return records


def _table(name: str, records, style: str, notes: list[str], separator: str | None) -> Table:
    if not records:
        raise InputError(name, "un'intestazione con i nomi delle colonne", "nessuna riga con dati")
    header_line, raw_header = records[0]
    header = [cell.strip().lstrip("\ufeff") for cell in raw_header]
    while header and not header[-1]:
        header.pop()
    _check_header(name, header, header_line)
    width = len(header)
    rows, lines = [], []
    for line, cells in records[1:]:
        if len(cells) != width:
            _check_width(name, cells, width, line, separator)
            cells = (cells + [""] * width)[:width]
        rows.append(cells)
        lines.append(line)
    cells = pd.DataFrame(rows, columns=header, dtype=object)
    return Table(name, header, cells, lines, header_line, style, notes)


def _check_header(name: str, header: list[str], line: int) -> None:
    seen: set[str] = set()
    for index, cell in enumerate(header, start=1):
        if cell in seen:
            raise InputError(
                name, "nomi di colonna distinti", f"{quote(cell)} ripetuto", row=line, column=cell
            )
        if not cell:
            raise InputError(
                name, "un nome per ogni colonna", f"colonna {index} senza nome", row=line
            )
        seen.add(cell)


def _check_width(name: str, cells: list[str], width: int, line: int, separator: str | None):
    """A record has the header's fields; extra trailing empty fields are tolerated."""
    if len(cells) == width:
        return
    extra = [c for c in cells[width:] if c.strip()]
    if len(cells) >= width and not extra:
        return
    hint = ""
    if width == 1:
        hint = " (la prima riga non vuota deve essere l'intestazione: togliere i titoli sopra)"
    elif separator == "," and extra:
        hint = (
            " (una virgola decimale come 7,5 fuori dalle virgolette? usare ';' come "
            'separatore, come Excel in italiano, oppure scrivere "7,5" o 7.5)'
        )
    raise InputError(
        name,
        f"{width} {_fields(width)} come l'intestazione",
        f"{len(cells)} {_fields(len(cells))}{hint}",
        row=line,
    )


def _read_xlsx(path: Path, name: str, sheet: str | None) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise InputError(
            name, "un file .xlsx leggibile", "un archivio .xlsx danneggiato o un file rinominato"
        ) from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise InputError(
                name, f"un foglio tra {workbook.sheetnames}", quote(sheet), key="foglio"
            )
        ws = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        records = [
            (number, [xlsx_text(v) for v in values])
            for number, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)
            if any(v is not None and str(v).strip() for v in values)
        ]
    finally:
        workbook.close()
    notes = [f"foglio '{ws.title}'"]
    return _table(name, records, ITALIAN, notes, None)


def xlsx_text(value) -> str:
    """An Excel cell as text: numbers in Italian form (``7,5``), dates ``AAAA-MM-GG``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return np.format_float_positional(value, trim="-").replace(".", ",")
    return str(value)


def load_reference(path: str | Path, validate: Callable[[pd.DataFrame, str], T]) -> T:
    """The loader of the reference tables in ``data/`` (funding map, comuni, benchmark map, ...).

    Reads ``path`` with :func:`read_table` (so a table saved by Italian Excel — BOM, ';', CRLF,
    cp1252 — is read), refuses a table with only its header, and runs ``validate(frame, path)``
    with its errors pointing at the file's lines (``frame.attrs["number_style"]`` tells the
    validator the file's number convention, for :func:`parse_numbers`). The result carries ``attrs["source"]`` and
    ``attrs["source_lines"]`` (file line of each record) for checks made later.
    """
    table = read_table(path)
    table.require_records()
    frame = table.frame()
    frame.attrs["number_style"] = table.style
    with table.located():
        result = validate(frame, str(path))
    if isinstance(result, pd.DataFrame):
        result.attrs.update(source=str(path), source_lines=list(table.lines))
    return result


def source_line(frame: pd.DataFrame, position: int) -> int:
    """File line of record ``position`` of a frame from :func:`load_reference` (else pos. + 2)."""
    lines = frame.attrs.get("source_lines")
    if lines is not None and 0 <= position < len(lines):
        return int(lines[position])
    return position + 2


def reference_error(
    frame: pd.DataFrame, position: int, column: str, expected: str, found: str, default: str
) -> InputError:
    """The error for record ``position`` of a reference frame: its file (``default`` when the
    frame was built in memory), its file line and ``column``."""
    source = frame.attrs.get("source", default)
    return InputError(source, expected, found, row=source_line(frame, position), column=column)


# --------------------------------------------------------------------------- values


def quote(value: object, width: int = MAX_QUOTED) -> str:
    """``repr`` of a cell for a message, truncated (a message never quotes an unbounded value)."""
    return repr(shorten(value, width))


def on_distinct(parse):
    """Run a cell parser once per distinct text, not once per row (a caseload of 20 000 rows has
    a few hundred distinct dates or quantities); the result is mapped back to every row."""

    def wrapper(values: pd.Series, *args) -> tuple[pd.Series, pd.Series]:
        codes, uniques = pd.factorize(values.fillna("").astype(str), use_na_sentinel=False)
        parsed, why = parse(pd.Series(uniques, dtype=object), *args)
        return (
            pd.Series(parsed.to_numpy()[codes], index=values.index, dtype=parsed.dtype),
            pd.Series(why.to_numpy()[codes], index=values.index, dtype=object),
        )

    wrapper.__doc__ = parse.__doc__
    wrapper.__name__ = parse.__name__
    return wrapper


@on_distinct
def parse_numbers(values: pd.Series, style: str) -> tuple[pd.Series, pd.Series]:
    """Text → floats by the file's convention; returns (numbers, reasons).

    ``numbers`` is NaN where a cell is empty or refused; ``reasons`` holds, for a refused
    non-empty cell, why (Italian), else ``""``. Text that is not a number at all gets
    ``"non è un numero"``.
    """
    text = values.fillna("").astype(str).str.strip()
    sign = text.str.extract(r"^([+-]?)(.*)$")
    negative, body = sign[0] == "-", sign[1]
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    why = pd.Series("", index=values.index, dtype=object)

    def accept(mask, cleaned):
        out[mask] = pd.to_numeric(cleaned[mask], errors="coerce")

    plain = body.str.fullmatch(_PLAIN.pattern)
    comma = body.str.fullmatch(_COMMA_DECIMAL.pattern)
    dot = body.str.fullmatch(_DOT_DECIMAL.pattern)
    dot_groups = body.str.fullmatch(_DOT_GROUPS.pattern)
    comma_groups = body.str.fullmatch(_COMMA_GROUPS.pattern)
    italian_full = body.str.fullmatch(_ITALIAN_FULL.pattern)
    english_full = body.str.fullmatch(_ENGLISH_FULL.pattern)
    accept(plain, body)
    if style == ITALIAN:
        accept(comma | italian_full, body.str.replace(".", "", regex=False).str.replace(",", "."))
        accept(dot_groups & ~comma, body.str.replace(".", "", regex=False))
        why[dot & ~dot_groups] = (
            "in un file separato da ';' (formato italiano) il punto separa le migliaia e la "
            "virgola i decimali: scrivere " + body[dot & ~dot_groups].str.replace(".", ",")
        )
        why[english_full] = "formato inglese in un file italiano: scrivere " + (
            body[english_full].str.replace(",", "", regex=False).str.replace(".", ",")
        )
    else:
        ambiguous = dot_groups | comma_groups
        accept(dot & ~ambiguous, body)
        accept(comma & ~ambiguous, body.str.replace(",", "."))
        accept(italian_full, body.str.replace(".", "", regex=False).str.replace(",", "."))
        accept(english_full, body.str.replace(",", "", regex=False))
        why[ambiguous] = (
            "ambiguo in un file separato da ',': "
            + body[ambiguous]
            + " può indicare migliaia (formato italiano) o decimali; scrivere il numero senza "
            "separatore delle migliaia (es. 1000) oppure con il punto decimale (es. 1.5)"
        )
    out[negative] = -out[negative]
    refused = (text != "") & out.isna()
    why[refused & (why == "")] = "non è un numero"
    why[~refused] = ""
    return out, why


@on_distinct
def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Text ``AAAA-MM-GG`` or ``GG/MM/AAAA`` → dates; returns (dates, reasons).

    ``reasons`` is ``"formato"`` for text in neither form, an Italian sentence for a date that
    does not exist in the calendar (``31/02/2024``), ``""`` where parsed or empty.
    """
    text = values.fillna("").astype(str).str.strip()
    iso = text.str.extract(_ISO_DATE.pattern + "$").where(text.str.fullmatch(_ISO_DATE.pattern))
    italian = text.str.extract("^" + _IT_DATE.pattern + "$")
    year = pd.to_numeric(iso[0].fillna(italian[2]), errors="coerce")
    month = pd.to_numeric(iso[1].fillna(italian[1]), errors="coerce")
    day = pd.to_numeric(iso[2].fillna(italian[0]), errors="coerce")
    shaped = year.notna()
    why = pd.Series("", index=values.index, dtype=object)
    why[(text != "") & ~shaped] = "formato"
    parts = pd.DataFrame({"year": year, "month": month, "day": day}).where(shaped, 1)
    dates = pd.to_datetime(parts, errors="coerce").where(shaped).astype("datetime64[ns]")
    for index in np.flatnonzero((shaped & dates.isna()).to_numpy()):
        y, m, d = int(year.iat[index]), int(month.iat[index]), int(day.iat[index])
        problem = calendar_problem(y, m, d) or "data non valida"
        why.iat[index] = f"{quote(text.iat[index])} non è una data del calendario ({problem})"
    return dates, why


def calendar_problem(year: int, month: int, day: int) -> str:
    """Why (year, month, day) is not a real date, in Italian; ``""`` if it is one."""
    if not 1 <= month <= 12:
        return f"il mese {month} non esiste"
    if not 1900 <= year <= 2200:
        return f"anno {year} fuori dall'intervallo 1900–2200"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"{MONTHS.split()[month - 1]} {year} ha {days} giorni"
    return ""


def _fields(count: int) -> str:
    return "campo" if count == 1 else "campi"
