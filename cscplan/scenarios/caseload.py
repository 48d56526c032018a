"""Caseload (individual plans) CSV/xlsx → validated frame, checked against the tariff schedule.

One row per plan: a beneficiary receiving one tariff item from ``start`` to ``end`` (inclusive).
Read by :mod:`cscplan.tabular`: comma or semicolon separators (Italian Excel), UTF-8 (BOM or
not) or Windows-1252, ``.xlsx``, numbers by the file's convention (``7,5``, ``1.000`` = one
thousand in a ';' file) and dates as ``AAAA-MM-GG`` or ``GG/MM/AAAA``. Validation is vectorised:
on the first failing check the error names the first offending row (the file's line as an editor
shows it; the validators count ``position + 2`` and the reader translates), the column, what was
expected and what was found.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from cscplan import metadata, paths
from cscplan.errors import InputError
from cscplan.tabular import Table, parse_dates, parse_numbers, quote, read_table
from cscplan.tariffs.schedule import TariffSchedule

CASELOAD_COLUMNS = list(metadata.dtypes("caseload"))
REQUIRED_COLUMNS = metadata.TABLES["caseload"].required_names  # the others may be omitted
MAX_QTY_PER_WEEK = {"hour": 168.0, "day": 7.0}
TRUE_WORDS = {"1", "true", "vero", "si", "sì", "x", "yes"}
FALSE_WORDS = {"", "0", "false", "falso", "no"}
NUMBER_COLUMNS = frozenset({"qty_per_week", "group_size"})
DATE_COLUMNS = frozenset({"start", "end"})
CONTRACT_MARKERS = frozenset({"beneficiary_id", "item"})
"""A file whose header names one of these is read as the contract (CASELOAD_COLUMNS); any other
file, or a folder, is read as offices send it, through the default column profile."""


def load_caseload(
    path_or_frame: str | Path | pd.DataFrame,
    schedule: TariffSchedule,
    source: str | None = None,
    comuni: Collection[str] | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read a caseload CSV or ``.xlsx`` (or take a frame) and validate it against ``schedule``.

    Files are read by :func:`cscplan.tabular.read_table` (UTF-8 or Windows-1252, ``;`` or ``,``,
    xlsx: first sheet or ``sheet``); every message names the file's line. A folder, or a file
    whose header has none of ``CONTRACT_MARKERS`` (Italian headers of a comune's prospetto), is
    read through the default column profile (:func:`load_submissions`).

    With ``comuni`` (e.g. :func:`district_comuni`), every ``comune``/``second_comune`` must be one
    of them (compared ignoring case and surrounding spaces; the canonical spelling is kept).
    """
    if isinstance(path_or_frame, pd.DataFrame):
        return validate_caseload(path_or_frame, schedule, source or "caseload", comuni)
    name = source or str(path_or_frame)
    if Path(path_or_frame).is_dir():
        return load_submissions(path_or_frame, schedule, comuni)
    table = read_table(path_or_frame, sheet=sheet, source=name)
    if not CONTRACT_MARKERS.intersection(table.header):
        return load_submissions(path_or_frame, schedule, comuni)
    with table.located():
        plans = validate_caseload(_read_table(table), schedule, name, comuni)
    plans.attrs["notes"] = table.notes
    return plans


def load_submissions(
    path: str | Path,
    schedule: TariffSchedule,
    comuni: Collection[str] | None = None,
    profile: str | Path = paths.DEFAULT_PROFILE,
) -> pd.DataFrame:
    """A caseload as offices send it (a folder of files, Italian headers: :mod:`cscplan.intake`)
    over the days the schedule covers: an open-ended plan runs to their end."""
    from cscplan.forecast.continuity import continuing_plans
    from cscplan.intake.profile import load_profile
    from cscplan.intake.submissions import read_submissions

    submission = read_submissions(path, load_profile(profile), schedule.items)
    return continuing_plans(submission, schedule, comuni, schedule.period)[0]


def district_comuni(path: str | Path = paths.DATA_DIR / "comuni.csv") -> list[str]:
    """The comuni of the district, from the reference file ``data/comuni.csv``."""
    table = read_table(path)
    if "comune" not in table.header:
        raise InputError(path, "una colonna 'comune'", ", ".join(table.header), row=1)
    return table.frame()["comune"].str.strip().tolist()


def validate_caseload(
    frame: pd.DataFrame,
    schedule: TariffSchedule,
    source: str,
    comuni: Collection[str] | None = None,
    *,
    within_schedule: bool = True,
) -> pd.DataFrame:
    """Check every rule of the caseload contract; return typed columns CASELOAD_COLUMNS.

    Vectorised: each column is factorised once and every text rule (dates, numbers, flags, codes,
    comuni) is checked on its distinct values, then broadcast to the rows. With
    ``within_schedule=False`` plans may start before or end after the days the schedule covers
    (a forecast costs only the part inside its period: :mod:`cscplan.forecast`).
    """
    columns = _columns(_with_columns(frame, source))
    check = _Checker(source, len(frame))
    items = _ItemTable(schedule)
    for name in ("beneficiary_id", "comune"):
        check.fail(
            columns[name].rows(columns[name].uniques == ""),
            columns[name],
            name,
            "un valore non vuoto",
        )
    if comuni is not None:
        for name in ("comune", "second_comune"):
            columns[name] = _canonical_comuni(columns[name], comuni, check, name)
    item = columns["item"].rows(items.position(columns["item"].uniques))
    check.fail(item < 0, columns["item"], "item", "un codice del tariffario")
    start, end = _dates(columns, item, items, check, within_schedule)
    result = {
        "beneficiary_id": pd.Series(columns["beneficiary_id"].text(), dtype=object),
        "comune": pd.Series(columns["comune"].text(), dtype=object),
        "item": pd.Series(columns["item"].text(), dtype=object),
        "start": start,
        "end": end,
        "qty_per_week": _quantities(columns["qty_per_week"], item, items, check),
        "second_comune": pd.Series(columns["second_comune"].text(), dtype=object),
        "group_size": _group_sizes(columns["group_size"], item, items, check),
        "uplift": _flags(columns["uplift"], check, "uplift"),
        "placed_minor": _flags(columns["placed_minor"], check, "placed_minor"),
    }
    _check_applicability(columns, result, item, items, check)
    _check_weeks(start, end, item, items, columns["item"], check)
    _check_overlaps(columns, item, start, end, check)
    return pd.DataFrame(result)[CASELOAD_COLUMNS]


# --- reading ------------------------------------------------------------------------------------


def _read_table(table: Table) -> pd.DataFrame:
    """The file's cells as text, numbers and dates already read by the file's convention.

    Numbers become plain ``7.5``/``1000`` and dates ``AAAA-MM-GG``; a number the convention
    makes ambiguous (``1.000`` in a ',' file) or a date that is not in the calendar
    (``31/02/2024``) is refused here, saying why. Text that is no number or date at all is left
    for :func:`validate_caseload` to name.
    """
    table.require_records("almeno un piano (una riga) dopo l'intestazione")
    frame = table.frame()
    for columns, rewrite in (
        (NUMBER_COLUMNS, _canonical_numbers),
        (DATE_COLUMNS, _canonical_dates),
    ):
        present = sorted(columns.intersection(frame.columns))
        if present:
            frame[present] = _canonical(frame[present], table, rewrite)
    return frame


def _canonical(cells: pd.DataFrame, table: Table, rewrite) -> np.ndarray:
    """Each distinct cell of ``cells`` (one kind of column) rewritten once (``rewrite`` →
    canonical texts and refusals), mapped back to the rows; the first refused cell (by row, then
    column) is named with its line."""
    codes, uniques = pd.factorize(cells.fillna("").to_numpy().ravel(), use_na_sentinel=False)
    canonical, why = rewrite(pd.Series(uniques, dtype=object), table.style)
    refused = why.to_numpy() != ""
    if refused.any():
        flat = int(np.argmax(refused[codes]))
        position, column = divmod(flat, cells.shape[1])
        name = cells.columns[column]
        raise InputError(
            table.source,
            "un numero" if name in NUMBER_COLUMNS else "una data AAAA-MM-GG (o GG/MM/AAAA)",
            f"{quote(cells.iloc[position, column])}: {why.iloc[codes[flat]]}",
            row=table.lines[position],
            column=name,
        )
    return canonical.to_numpy()[codes].reshape(cells.shape)


def _canonical_numbers(values: pd.Series, style: str) -> tuple[pd.Series, pd.Series]:
    numbers, why = parse_numbers(values, style)
    plain = values.where(numbers.isna(), numbers.map(_plain_number, na_action="ignore"))
    return plain, why.where(why != "non è un numero", "")  # text is named by the validation


def _canonical_dates(values: pd.Series, style: str) -> tuple[pd.Series, pd.Series]:
    dates, why = parse_dates(values)
    iso = values.where(dates.isna(), dates.dt.strftime("%Y-%m-%d"))
    return iso, why.where(why != "formato", "")  # text is named by the validation


def _plain_number(value: float) -> str:
    return np.format_float_positional(value, trim="-")


def _with_columns(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    columns = [str(c).strip() for c in frame.columns]
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            raise InputError(
                source,
                "le colonne " + ", ".join(REQUIRED_COLUMNS),
                "colonne presenti: " + ", ".join(columns),
                row=1,
                column=name,
            )
    for name in columns:
        if name not in CASELOAD_COLUMNS:
            raise InputError(
                source,
                "solo le colonne " + ", ".join(CASELOAD_COLUMNS),
                f"colonna sconosciuta '{name}'",
                row=1,
                column=name,
            )
    frame = frame.set_axis(columns, axis=1).reset_index(drop=True)
    for name in CASELOAD_COLUMNS:
        if name not in frame.columns:
            frame[name] = ""
    return frame[CASELOAD_COLUMNS]


class _Column:
    """A caseload column as stripped text, factorised: row ``i`` holds ``uniques[codes[i]]``.

    Rules are checked once per distinct value (``uniques``) and broadcast to rows (``rows``).
    """

    __slots__ = ("codes", "uniques")

    def __init__(self, codes: np.ndarray, uniques: np.ndarray) -> None:
        self.codes, self.uniques = codes, uniques

    def rows(self, per_unique) -> np.ndarray:
        return np.asarray(per_unique)[self.codes]

    def text(self) -> np.ndarray:
        return self.uniques[self.codes]

    def at(self, position: int) -> str:
        return self.uniques[self.codes[position]]


def _columns(frame: pd.DataFrame) -> dict[str, _Column]:
    return {name: _factorised(frame[name]) for name in frame.columns}


def _factorised(column: pd.Series) -> _Column:
    """Every cell as stripped text ('' for missing), whatever the input dtype."""
    try:
        codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists...) in an object column: compare their text
        codes, uniques = pd.factorize(column.astype("string").to_numpy(dtype=object))
    if pd.api.types.infer_dtype(uniques, skipna=False) == "string":  # text, as read from a CSV
        text = [value.strip() for value in uniques]
    else:
        values = pd.Series(uniques)
        if pd.api.types.is_datetime64_any_dtype(values):
            values = values.dt.strftime("%Y-%m-%d")
        text = values.astype("string").fillna("").str.strip().replace("<NA>", "").tolist()
    return _Column(np.where(codes < 0, len(text), codes), np.array([*text, ""], dtype=object))


class _Checker:
    """Raises the InputError of a failing rule, naming the first offending row of the file."""

    __slots__ = ("source", "file_rows")

    def __init__(self, source: str, n: int) -> None:
        self.source = source
        self.file_rows = np.arange(n) + 2  # header = row 1

    def row(self, position: int) -> int:
        return int(self.file_rows[position])

    def fail(self, bad: np.ndarray, column: _Column, name: str, expected: str) -> None:
        """Raise for the first True in ``bad`` (positional), quoting that row's cell."""
        if bad.any():
            position = int(np.argmax(bad))
            raise self.error(position, name, expected, repr(column.at(position)))

    def error(self, position: int, name: str, expected: str, found: str) -> InputError:
        return InputError(self.source, expected, found, row=self.row(position), column=name)


class _ItemTable:
    """The schedule's item attributes as arrays, looked up by item position."""

    def __init__(self, schedule: TariffSchedule) -> None:
        items, rates = schedule.items, schedule.rates
        self.index = pd.Index(items["code"])
        self.attrs = {name: items[name].to_numpy() for name in items.columns}
        self.attrs["max_qty"] = items["unit"].map(MAX_QTY_PER_WEEK).to_numpy(dtype=float)
        self.codes = items["code"].to_numpy(dtype=object)
        rate_item = self.index.get_indexer(rates["code"])
        first = rates["valid_from"].to_numpy("datetime64[ns]")
        last = rates["valid_to"].to_numpy("datetime64[ns]")
        self.lo = np.full(len(items), np.datetime64("NaT"), dtype="datetime64[ns]")
        self.hi = self.lo.copy()
        for item, lo, hi in zip(rate_item, first, last, strict=True):
            self.lo[item] = lo if np.isnat(self.lo[item]) else min(self.lo[item], lo)
            self.hi[item] = hi if np.isnat(self.hi[item]) else max(self.hi[item], hi)
        self.span = f"{_it_day(first.min())}–{_it_day(last.max())}"
        grouped = rates["group_size"].notna().to_numpy()
        self.group_keys = _pair_keys(
            rate_item[grouped], rates["group_size"].to_numpy(dtype=float)[grouped].astype(np.int64)
        )

    def position(self, codes: np.ndarray) -> np.ndarray:
        return self.index.get_indexer(codes)

    def attr(self, name: str, item: np.ndarray) -> np.ndarray:
        return self.attrs[name][item]

    def allowing(self, flag: str) -> str:
        """The codes of the items whose ``flag`` is set, for a message (the tariff file says)."""
        codes = list(self.codes[self.attrs[flag].astype(bool)])
        shown = ", ".join(codes[:6]) + (", …" if len(codes) > 6 else "")
        return shown or "nessuna voce"


def _it_day(day: np.datetime64) -> str:
    return pd.Timestamp(day).strftime("%d/%m/%Y")


def _pair_keys(item: np.ndarray, size: np.ndarray) -> np.ndarray:
    return item.astype(np.int64) * 1_000_000 + np.clip(size, 0, 999_999)


# --- checks -------------------------------------------------------------------------------------


def _canonical_comuni(
    column: _Column, comuni: Collection[str], check: _Checker, name: str
) -> _Column:
    """Comuni compared ignoring case and spaces; the canonical spelling replaces the given one."""
    canonical = {comune.strip().casefold(): comune.strip() for comune in comuni}
    known = np.array([canonical.get(u.casefold()) for u in column.uniques], dtype=object)
    unknown = column.rows((known == None) & (column.uniques != ""))  # noqa: E711
    if unknown.any():
        position = int(np.argmax(unknown))
        found = column.at(position)
        close = difflib.get_close_matches(found, list(canonical.values()), n=1, cutoff=0.8)
        hint = f" (forse '{close[0]}'?)" if close else ""
        raise check.error(
            position, name, "un comune dell'Ambito (data/comuni.csv)", repr(found) + hint
        )
    return _Column(column.codes, np.where(known == None, "", known).astype(object))  # noqa: E711


def _parse_dates(values: np.ndarray) -> np.ndarray:
    """``AAAA-MM-GG`` or ``GG/MM/AAAA`` text → datetime64[ns] (NaT when neither)."""
    values = pd.Series(values, dtype=object)
    iso = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    italian = pd.to_datetime(values, format="%d/%m/%Y", errors="coerce")
    return iso.fillna(italian).to_numpy("datetime64[ns]")


def _dates(
    columns: dict[str, _Column],
    item: np.ndarray,
    items: _ItemTable,
    check: _Checker,
    within_schedule: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    parsed = {}
    for name in ("start", "end"):
        column = columns[name]
        parsed[name] = column.rows(_parse_dates(column.uniques))
        check.fail(np.isnat(parsed[name]), column, name, "una data AAAA-MM-GG (o GG/MM/AAAA)")
    start, end = parsed["start"], parsed["end"]
    check.fail(end < start, columns["end"], "end", "una fine non precedente all'inizio")
    if not within_schedule:
        return start, end
    period = f"date nel periodo del tariffario ({items.span})"
    check.fail(start < items.lo[item], columns["start"], "start", period)
    check.fail(end > items.hi[item], columns["end"], "end", period)
    return start, end


def _quantities(
    column: _Column, item: np.ndarray, items: _ItemTable, check: _Checker
) -> np.ndarray:
    given = column.rows(column.uniques != "")
    numbers = pd.to_numeric(
        pd.Series(column.uniques, dtype=object).str.replace(",", ".", regex=False),
        errors="coerce",
    )
    qty = column.rows(numbers.to_numpy(dtype=float))
    required = items.attr("qty_required", item).astype(bool)
    name = "qty_per_week"
    check.fail(given & np.isnan(qty), column, name, "un numero (es. 7,5)")
    check.fail(qty < 0, column, name, "un numero non negativo")
    check.fail(required & ~given, column, name, "ore o giorni a settimana per voci a ora/giorno")
    check.fail(
        ~required & given, column, name, "nessuna quantità per voci a settimana, mese o pacchetto"
    )
    check.fail(
        qty > items.attr("max_qty", item), column, name, "al massimo 168 ore o 7 giorni a settimana"
    )
    return np.where(required, qty, np.nan)


def _group_sizes(
    column: _Column, item: np.ndarray, items: _ItemTable, check: _Checker
) -> pd.api.extensions.ExtensionArray:
    given = column.rows(column.uniques != "")
    number = column.rows(
        pd.to_numeric(pd.Series(column.uniques, dtype=object), errors="coerce").to_numpy(float)
    )
    whole = ~np.isnan(number) & (number == np.round(number)) & (number >= 1)
    check.fail(given & ~whole, column, "group_size", "un intero ≥ 1")
    grouped = items.attr("group_pricing", item).astype(bool)
    check.fail(given & ~grouped, column, "group_size", "vuoto (voce senza tariffa di gruppo)")
    size = np.where(given, np.nan_to_num(number, nan=1.0, posinf=0.0), 1.0).astype(np.int64)
    unknown = grouped & ~np.isin(_pair_keys(item, size), items.group_keys)
    check.fail(unknown, column, "group_size", "una dimensione di gruppo prevista dalla voce")
    return pd.array(np.where(given, np.round(number), np.nan), dtype="Float64").astype("Int64")


def _flags(column: _Column, check: _Checker, name: str) -> np.ndarray:
    words = np.array([u.lower() for u in column.uniques], dtype=object)
    known = np.isin(words, list(TRUE_WORDS | FALSE_WORDS))
    check.fail(column.rows(~known), column, name, "vero/falso (1, 0, true, false, si, no o vuoto)")
    return column.rows(np.isin(words, list(TRUE_WORDS)))


def _check_applicability(
    columns: dict[str, _Column], result: dict, item: np.ndarray, items: _ItemTable, check: _Checker
) -> None:
    for name, flag, what in (
        ("uplift", "uplift_allowed", "uplift"),
        ("placed_minor", "placed_minor_allowed", "placed_minor"),
    ):
        allowed = items.attr(flag, item).astype(bool)
        expected = f"{what} solo per le voci che lo prevedono ({items.allowing(flag)})"
        check.fail(result[name] & ~allowed, columns[name], name, expected)
    second, name = result["second_comune"].to_numpy(), "second_comune"
    shared = items.attr("second_comune_allowed", item).astype(bool)
    expected = f"un secondo Comune solo per le voci che lo prevedono ({items.allowing('second_comune_allowed')})"
    check.fail((second != "") & ~shared, columns[name], name, expected)
    check.fail(
        second == result["comune"].to_numpy(),
        columns[name],
        name,
        "un Comune diverso da quello di residenza",
    )


def _check_weeks(
    start: np.ndarray,
    end: np.ndarray,
    item: np.ndarray,
    items: _ItemTable,
    codes: _Column,
    check: _Checker,
) -> None:
    days = (end - start).astype("timedelta64[D]").astype(np.int64) + 1
    low_weeks = pd.array(items.attr("min_weeks", item), dtype="Int64")
    high_weeks = pd.array(items.attr("max_weeks", item), dtype="Int64")
    low = low_weeks.astype("Float64").fillna(0).to_numpy(dtype=float) * 7
    high = high_weeks.astype("Float64").fillna(np.inf).to_numpy(dtype=float) * 7
    outside = (days < low) | (days > high)
    if outside.any():
        position = int(np.argmax(outside))
        weeks = f"{low_weeks[position]}–{high_weeks[position]}"
        raise check.error(
            position,
            "end",
            f"una durata di {weeks} settimane per {codes.at(position)}",
            f"{days[position]} giorni",
        )


def _check_overlaps(
    columns: dict[str, _Column],
    item: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    check: _Checker,
) -> None:
    """The same beneficiary may not hold the same item twice on the same day.

    Plans are sorted by (beneficiary, item, start); a plan clashes when it starts on or before
    the latest end of the earlier plans of its group (a running maximum, offset per group).
    """
    people = columns["beneficiary_id"]
    person = people.rows(pd.factorize(people.uniques)[0])  # equal text, equal code
    pair = person.astype(np.int64) * (item.max(initial=0) + 1) + item
    first = start.astype("datetime64[D]").astype(np.int64)
    last = end.astype("datetime64[D]").astype(np.int64)
    offset = first.min(initial=0)
    order = np.argsort(pair * 2**20 + (first - offset), kind="stable")
    pair, first, last = pair[order], first[order] - offset, last[order] - offset
    same = np.r_[False, pair[1:] == pair[:-1]]
    group = np.cumsum(~same).astype(np.int64) * 2**20
    first, last = first + group, last + group
    latest = np.r_[np.iinfo(np.int64).min, np.maximum.accumulate(last)[:-1]]
    if (same & (first <= latest)).any():
        _report_overlap(columns, start, end, check)


def _report_overlap(
    columns: dict[str, _Column], start: np.ndarray, end: np.ndarray, check: _Checker
) -> None:
    """Name the first clash in (beneficiary, item, start) text order and the row before it."""
    plans = pd.DataFrame(
        {
            "beneficiary_id": pd.Series(columns["beneficiary_id"].text(), dtype=object),
            "item": pd.Series(columns["item"].text(), dtype=object),
            "start": start,
            "end": end,
        }
    )
    order = plans.sort_values(["beneficiary_id", "item", "start"], kind="stable")
    keys = order["beneficiary_id"] + "\x1f" + order["item"]
    same = keys.eq(keys.shift()).to_numpy()
    previous_end = order.groupby(keys.to_numpy(), sort=False)["end"].cummax().shift()
    clash = same & (order["start"] <= previous_end).to_numpy()
    at = int(np.argmax(clash))
    raise check.error(
        int(order.index[at]),
        "start",
        "piani dello stesso beneficiario e voce senza date sovrapposte",
        f"{order['beneficiary_id'].iloc[at]} / {order['item'].iloc[at]} si sovrappone "
        f"al piano della riga {check.row(int(order.index[at - 1]))}",
    )
