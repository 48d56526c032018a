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
REQUIRED_COLUMNS = CASELOAD_COLUMNS[:6]
SECOND_COMUNE_SERVICES = ("ADM-ADEA", "SIP")
PLACED_MINOR_SERVICES = ("SIP",)
MAX_QTY_PER_WEEK = {"hour": 168.0, "day": 7.0}
TRUE_WORDS = {"1", "true", "vero", "si", "sì", "x", "yes"}
FALSE_WORDS = {"", "0", "false", "falso", "no"}
NUMBER_COLUMNS = frozenset({"qty_per_week", "group_size"})
DATE_COLUMNS = frozenset({"start", "end"})


def load_caseload(
    path_or_frame: str | Path | pd.DataFrame,
    schedule: TariffSchedule,
    source: str | None = None,
    comuni: Collection[str] | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read a caseload CSV or ``.xlsx`` (or take a frame) and validate it against ``schedule``.

    Files are read by :func:`cscplan.tabular.read_table` (UTF-8 or Windows-1252, ``;`` or ``,``,
    xlsx: first sheet or ``sheet``); every message names the file's line.

    With ``comuni`` (e.g. :func:`district_comuni`), every ``comune``/``second_comune`` must be one
    of them (compared ignoring case and surrounding spaces; the canonical spelling is kept).
    """
    if isinstance(path_or_frame, pd.DataFrame):
        return validate_caseload(path_or_frame, schedule, source or "caseload", comuni)
    name = source or str(path_or_frame)
    table = read_table(path_or_frame, sheet=sheet, source=name)
    with table.located():
        plans = validate_caseload(_read_table(table), schedule, name, comuni)
    plans.attrs["notes"] = table.notes
    return plans


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
) -> pd.DataFrame:
    """Check every rule of the caseload contract; return typed columns CASELOAD_COLUMNS."""
    text = _as_text(_with_columns(frame, source))
    items = schedule.items.set_index("code")
    _check_identity(text, source)
    if comuni is not None:
        text = _canonical_comuni(text, comuni, source)
    _fail(~text["item"].isin(items.index), text["item"], source, "item", "un codice del tariffario")
    item = items.loc[text["item"]].reset_index()
    start, end = _dates(text, source, schedule)
    qty = _quantities(text, item, source)
    group_size = _group_sizes(text, item, schedule, source)
    uplift = _flags(text, "uplift", source)
    placed_minor = _flags(text, "placed_minor", source)
    _check_applicability(text, item, uplift, placed_minor, source)
    _check_weeks(start, end, item, text, source)
    result = pd.DataFrame(
        {
            "beneficiary_id": text["beneficiary_id"].astype(object),
            "comune": text["comune"].astype(object),
            "item": text["item"].astype(object),
            "start": start,
            "end": end,
            "qty_per_week": qty,
            "second_comune": text["second_comune"].astype(object),
            "group_size": group_size,
            "uplift": uplift,
            "placed_minor": placed_minor,
        }
    )
    _check_overlaps(result, source)
    return metadata.validate("caseload", result, source)


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
    for column in NUMBER_COLUMNS.intersection(frame.columns):
        numbers, why = parse_numbers(frame[column], table.style)
        _refuse(why.ne("") & why.ne("non è un numero"), frame[column], why, table, column)
        frame[column] = frame[column].where(numbers.isna(), numbers.map(_plain_number))
    for column in DATE_COLUMNS.intersection(frame.columns):
        dates, why = parse_dates(frame[column])
        _refuse(why.ne("") & why.ne("formato"), frame[column], why, table, column)
        frame[column] = frame[column].where(dates.isna(), dates.dt.strftime("%Y-%m-%d"))
    return frame


def _refuse(bad: pd.Series, cells: pd.Series, why: pd.Series, table: Table, column: str) -> None:
    if bad.any():
        position = int(np.argmax(bad.to_numpy()))
        raise InputError(
            table.source,
            "un numero" if column in NUMBER_COLUMNS else "una data AAAA-MM-GG (o GG/MM/AAAA)",
            f"{quote(cells.iloc[position])}: {why.iloc[position]}",
            row=table.lines[position],
            column=column,
        )


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


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as stripped text ('' for missing), whatever the input dtypes."""
    out = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            column = column.dt.strftime("%Y-%m-%d")
        out[name] = column.astype("string").fillna("").str.strip().replace("<NA>", "")
    return pd.DataFrame(out)


# --- checks -------------------------------------------------------------------------------------


def _fail(
    bad: pd.Series | np.ndarray, found: pd.Series, source: str, column: str, expected: str
) -> None:
    """Raise for the first True in ``bad`` (positional), naming its file row."""
    bad = np.asarray(bad, dtype=bool)
    if bad.any():
        position = int(np.argmax(bad))
        raise InputError(
            source, expected, repr(found.iloc[position]), row=position + 2, column=column
        )


def _canonical_comuni(text: pd.DataFrame, comuni: Collection[str], source: str) -> pd.DataFrame:
    canonical = {name.strip().casefold(): name.strip() for name in comuni}
    text = text.copy()
    for column in ("comune", "second_comune"):
        folded = text[column].str.strip().str.casefold()
        known = folded.map(canonical)
        bad = known.isna() & (folded != "")
        if bad.any():
            position = int(np.argmax(bad.to_numpy()))
            found = text[column].iloc[position]
            close = difflib.get_close_matches(
                found.strip(), list(canonical.values()), n=1, cutoff=0.8
            )
            hint = f" (forse '{close[0]}'?)" if close else ""
            raise InputError(
                source,
                "un comune dell'Ambito (data/comuni.csv)",
                repr(found) + hint,
                row=position + 2,
                column=column,
            )
        text[column] = known.fillna("")
    return text


def _check_identity(text: pd.DataFrame, source: str) -> None:
    for name in ("beneficiary_id", "comune"):
        _fail(text[name] == "", text[name], source, name, "un valore non vuoto")


def _parse_dates(values: pd.Series) -> pd.Series:
    iso = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    italian = pd.to_datetime(values, format="%d/%m/%Y", errors="coerce")
    return iso.fillna(italian).astype("datetime64[ns]")


def _dates(
    text: pd.DataFrame, source: str, schedule: TariffSchedule
) -> tuple[pd.Series, pd.Series]:
    parsed = {}
    for name in ("start", "end"):
        parsed[name] = _parse_dates(text[name])
        _fail(parsed[name].isna(), text[name], source, name, "una data AAAA-MM-GG (o GG/MM/AAAA)")
    start, end = parsed["start"], parsed["end"]
    _fail(end < start, text["end"], source, "end", "una fine non precedente all'inizio")
    span = schedule.rates.groupby("code").agg(lo=("valid_from", "min"), hi=("valid_to", "max"))
    lo = text["item"].map(span["lo"]).to_numpy()
    hi = text["item"].map(span["hi"]).to_numpy()
    period = f"date nel periodo del tariffario ({_it_span(span)})"
    _fail(start.to_numpy() < lo, text["start"], source, "start", period)
    _fail(end.to_numpy() > hi, text["end"], source, "end", period)
    return start, end


def _quantities(text: pd.DataFrame, item: pd.DataFrame, source: str) -> pd.Series:
    raw = text["qty_per_week"]
    given = raw != ""
    qty = pd.to_numeric(raw.str.replace(",", ".", regex=False), errors="coerce").astype(float)
    required = item["qty_required"].to_numpy()
    column = "qty_per_week"
    _fail(given & qty.isna(), raw, source, column, "un numero (es. 7,5)")
    _fail(qty < 0, raw, source, column, "un numero non negativo")
    _fail(required & ~given, raw, source, column, "ore o giorni a settimana per voci a ora/giorno")
    _fail(
        ~required & given,
        raw,
        source,
        column,
        "nessuna quantità per voci a settimana, mese o pacchetto",
    )
    limit = item["unit"].map(MAX_QTY_PER_WEEK).to_numpy(dtype=float)
    _fail(qty.to_numpy() > limit, raw, source, column, "al massimo 168 ore o 7 giorni a settimana")
    return qty.where(required)


def _group_sizes(
    text: pd.DataFrame, item: pd.DataFrame, schedule: TariffSchedule, source: str
) -> pd.Series:
    raw = text["group_size"]
    given = raw != ""
    number = pd.to_numeric(raw, errors="coerce")
    whole = number.notna() & (number == number.round()) & (number >= 1)
    _fail(given & ~whole, raw, source, "group_size", "un intero ≥ 1")
    grouped = item["group_pricing"].to_numpy()
    _fail(given & ~grouped, raw, source, "group_size", "vuoto (voce senza tariffa di gruppo)")
    sizes = schedule.rates.dropna(subset=["group_size"])
    allowed = set(zip(sizes["code"], sizes["group_size"].astype(int), strict=True))
    pairs = zip(text["item"], number.fillna(1).astype(int), strict=True)
    unknown = np.fromiter((pair not in allowed for pair in pairs), bool, len(text)) & grouped
    _fail(unknown, raw, source, "group_size", "una dimensione di gruppo prevista dalla voce")
    return pd.array(number.where(given).round(), dtype="Int64")


def _flags(text: pd.DataFrame, name: str, source: str) -> pd.Series:
    words = text[name].str.lower()
    _fail(
        ~words.isin(TRUE_WORDS | FALSE_WORDS),
        text[name],
        source,
        name,
        "vero/falso (1, 0, true, false, si, no o vuoto)",
    )
    return words.isin(TRUE_WORDS).astype(bool)


def _check_applicability(
    text: pd.DataFrame, item: pd.DataFrame, uplift: pd.Series, placed: pd.Series, source: str
) -> None:
    allowed = item["uplift_allowed"].to_numpy()
    _fail(uplift & ~allowed, text["uplift"], source, "uplift", "uplift solo per le voci affido")
    sip = item["service"].isin(PLACED_MINOR_SERVICES).to_numpy()
    _fail(placed & ~sip, text["placed_minor"], source, "placed_minor", "placed_minor solo per SIP")
    second = text["second_comune"]
    shared = item["service"].isin(SECOND_COMUNE_SERVICES).to_numpy()
    column = "second_comune"
    _fail((second != "") & ~shared, second, source, column, "un secondo Comune solo per ADM o SIP")
    _fail(
        second == text["comune"], second, source, column, "un Comune diverso da quello di residenza"
    )


def _check_weeks(
    start: pd.Series, end: pd.Series, item: pd.DataFrame, text: pd.DataFrame, source: str
) -> None:
    days = ((end - start).dt.days + 1).to_numpy()
    low = item["min_weeks"].astype("Float64").fillna(0).to_numpy(dtype=float) * 7
    high = item["max_weeks"].astype("Float64").fillna(np.inf).to_numpy(dtype=float) * 7
    outside = (days < low) | (days > high)
    if outside.any():
        position = int(np.argmax(outside))
        weeks = f"{item['min_weeks'].iloc[position]}–{item['max_weeks'].iloc[position]}"
        raise InputError(
            source,
            f"una durata di {weeks} settimane per {text['item'].iloc[position]}",
            f"{days[position]} giorni",
            row=position + 2,
            column="end",
        )


def _check_overlaps(plans: pd.DataFrame, source: str) -> None:
    """The same beneficiary may not hold the same item twice on the same day."""
    order = plans.sort_values(["beneficiary_id", "item", "start"], kind="stable")
    keys = order["beneficiary_id"] + "\x1f" + order["item"]
    same = keys.eq(keys.shift()).to_numpy()
    previous_end = order.groupby(keys.to_numpy(), sort=False)["end"].cummax().shift()
    clash = same & (order["start"] <= previous_end).to_numpy()
    if clash.any():
        at = int(np.argmax(clash))
        row = int(order.index[at]) + 2
        other = int(order.index[at - 1]) + 2
        raise InputError(
            source,
            "piani dello stesso beneficiario e voce senza date sovrapposte",
            f"{order['beneficiary_id'].iloc[at]} / {order['item'].iloc[at]} si sovrappone "
            f"al piano della riga {other}",
            row=row,
            column="start",
        )


def _it_span(span: pd.DataFrame) -> str:
    lo, hi = span["lo"].min(), span["hi"].max()
    return f"{lo:%d/%m/%Y}–{hi:%d/%m/%Y}"
