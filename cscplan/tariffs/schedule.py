"""The tariff schedule: YAML (data/tariffs/2023.yaml) → validated items, dated rates, parameters.

The YAML has a ``parameters`` mapping (each ``{value, source_line?, note?}``) and an ``items`` list;
each item carries its dated ``periods`` ``[{from, to, rate, group_size?, district_rate?,
fud_contribution?, source_line}]``. ``group_size`` may be one integer or a list of sizes sharing
the same per-member rate. Every structural problem raises :class:`InputError` naming the file and
the key (e.g. ``items[3].periods[1].from``), what was expected and what was found. For every
(item, group size) the periods must cover the schedule year contiguously, without overlaps or gaps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.io import read_yaml
from cscplan.metadata.fields import CODE_PATTERN
from cscplan.metadata.fields import TARIFF_UNITS as UNITS
from cscplan.metadata.fields import VAT_KINDS as VAT

QTY_UNITS = ("hour", "day")
TOP_KEYS = {"document": False, "source": False, "parameters": True, "items": True}
PARAMETER_KEYS = {"value": True, "source_line": False, "note": False}
PARAMETERS = {
    "year": int,
    "vat_rate": float,
    "abatement_share": float,
    "abatement_cap_month": float,
    "uplift": float,
    "adm_second_comune_share": float,
    "sip_placed_minor_district_share": float,
    "isd_comune_share": float,
}
ITEM_KEYS = {
    "code": True,
    "service": True,
    "label": True,
    "unit": True,
    "vat": True,
    "district_share": False,
    "abatement": False,
    "abatement_capped": False,
    "uplift_allowed": False,
    "min_weeks": False,
    "max_weeks": False,
    "group_pricing": False,
    "source_line": True,
    "note": False,
    "periods": True,
}
PERIOD_KEYS = {
    "from": True,
    "to": True,
    "rate": True,
    "group_size": False,
    "district_rate": False,
    "fud_contribution": False,
    "source_line": True,
}
ITEM_COLUMNS = list(metadata.dtypes("tariff_items"))
RATE_COLUMNS = list(metadata.dtypes("tariff_rates"))


@dataclass(frozen=True)
class TariffSchedule:
    """Validated schedule: one row per item, dated rates, scalar policy parameters."""

    items: pd.DataFrame
    rates: pd.DataFrame
    parameters: dict
    source: str
    parameter_lines: dict = field(default_factory=dict)


def load_schedule(path: str | Path) -> TariffSchedule:
    """Read and validate a tariff YAML file; any defect raises InputError."""
    return parse_schedule(read_yaml(path), str(path))


def parse_schedule(data: Any, source: str) -> TariffSchedule:
    """Validate an already-parsed YAML mapping into a TariffSchedule."""
    _check_mapping(data, TOP_KEYS, "", source)
    parameters, lines = _parse_parameters(data["parameters"], source)
    items_data = data["items"]
    if not isinstance(items_data, list) or not items_data:
        raise InputError(source, "una lista non vuota di voci", _show(items_data), key="items")
    items, rates = [], []
    for i, raw in enumerate(items_data):
        item, item_rates = _parse_item(raw, f"items[{i}]", source)
        items.append(item)
        rates.extend(item_rates)
    _check_unique_codes(items, source)
    _check_coverage(rates, parameters["year"], source)
    return TariffSchedule(
        items=metadata.validate("tariff_items", _items_frame(items), source),
        rates=metadata.validate("tariff_rates", _rates_frame(rates), source),
        parameters=parameters,
        source=source,
        parameter_lines=lines,
    )


def rate_in_force(
    schedule: TariffSchedule, code: str, day: dt.date, group_size: int | None = None
) -> float:
    """The rate of ``code`` on ``day`` (for group-priced items: per member of a group of that size)."""
    row = _rate_row(schedule, code, day, group_size)
    return float(row["rate"])


def _rate_row(
    schedule: TariffSchedule, code: str, day: dt.date, group_size: int | None
) -> pd.Series:
    items = schedule.items.set_index("code")
    if code not in items.index:
        raise InputError(schedule.source, "un codice voce del tariffario", repr(code), key="code")
    rates = schedule.rates[schedule.rates["code"] == code]
    if bool(items.at[code, "group_pricing"]):
        size = 1 if group_size is None or pd.isna(group_size) else int(group_size)
        rates = rates[rates["group_size"] == size]
        if rates.empty:
            raise InputError(
                schedule.source, f"una dimensione di gruppo prevista per {code}", str(size)
            )
    stamp = pd.Timestamp(day)
    hit = rates[(rates["valid_from"] <= stamp) & (rates["valid_to"] >= stamp)]
    if hit.empty:
        raise InputError(
            schedule.source, f"una data coperta dal tariffario per {code}", _it_date(stamp)
        )
    return hit.iloc[0]


# --- parameters and items -----------------------------------------------------------------------


def _parse_parameters(data: Any, source: str) -> tuple[dict, dict]:
    _check_mapping(data, dict.fromkeys(PARAMETERS, True), "parameters", source)
    values, lines = {}, {}
    for name, kind in PARAMETERS.items():
        key = f"parameters.{name}"
        entry = data[name]
        if isinstance(entry, dict):
            _check_mapping(entry, PARAMETER_KEYS, key, source)
            line = entry.get("source_line")
            lines[name] = None if line is None else _integer(line, f"{key}.source_line", source)
            entry = entry["value"]
            key = f"{key}.value"
        else:
            lines[name] = None
        values[name] = _integer(entry, key, source) if kind is int else _number(entry, key, source)
    return values, lines


def _parse_item(raw: Any, key: str, source: str) -> tuple[dict, list[dict]]:
    _check_mapping(raw, ITEM_KEYS, key, source)
    code = _text(raw["code"], f"{key}.code", source)
    if not pd.Series([code]).str.fullmatch(CODE_PATTERN).iloc[0]:
        raise InputError(source, "un codice MAIUSCOLO_CON_TRATTINI", repr(code), key=f"{key}.code")
    unit = _choice(raw["unit"], UNITS, f"{key}.unit", source)
    group_pricing = _flag(raw.get("group_pricing", False), f"{key}.group_pricing", source)
    periods = raw["periods"]
    if not isinstance(periods, list) or not periods:
        raise InputError(
            source, "una lista non vuota di periodi", _show(periods), key=f"{key}.periods"
        )
    rates = [
        row
        for j, period in enumerate(periods)
        for row in _parse_period(period, code, group_pricing, f"{key}.periods[{j}]", source)
    ]
    item = {
        "code": code,
        "service": _text(raw["service"], f"{key}.service", source),
        "label": _text(raw["label"], f"{key}.label", source),
        "unit": unit,
        "vat": _choice(raw["vat"], VAT, f"{key}.vat", source),
        "district_share": _district_share(raw, rates, key, source),
        "abatement": _flag(raw.get("abatement", False), f"{key}.abatement", source),
        "abatement_capped": _flag(
            raw.get("abatement_capped", True), f"{key}.abatement_capped", source
        ),
        "uplift_allowed": _flag(raw.get("uplift_allowed", False), f"{key}.uplift_allowed", source),
        "qty_required": unit in QTY_UNITS,
        "min_weeks": _optional_int(raw.get("min_weeks"), f"{key}.min_weeks", source),
        "max_weeks": _optional_int(raw.get("max_weeks"), f"{key}.max_weeks", source),
        "group_pricing": group_pricing,
        "source_line": _integer(raw["source_line"], f"{key}.source_line", source, minimum=1),
        "note": "" if raw.get("note") is None else str(raw["note"]),
        "_key": key,
    }
    return item, rates


def _district_share(raw: dict, rates: list[dict], key: str, source: str) -> float:
    """Explicit share, else the first period's district_rate as a fraction of its rate, else 0."""
    if raw.get("district_share") is not None:
        share = _number(raw["district_share"], f"{key}.district_share", source, minimum=0.0)
        if share > 1:
            raise InputError(
                source, "una quota tra 0 e 1", _show(share), key=f"{key}.district_share"
            )
        return share
    first = rates[0]
    if pd.notna(first["district_rate"]) and first["rate"] > 0:
        return first["district_rate"] / first["rate"]
    return 0.0


def _parse_period(raw: Any, code: str, group_pricing: bool, key: str, source: str) -> list[dict]:
    _check_mapping(raw, PERIOD_KEYS, key, source)
    sizes = _group_sizes(raw.get("group_size"), f"{key}.group_size", source)
    if group_pricing and sizes == [None]:
        raise InputError(
            source, f"group_size per la voce a tariffa di gruppo {code}", "nessuno", key=key
        )
    if not group_pricing and sizes != [None]:
        raise InputError(
            source,
            f"nessun group_size ({code} non ha group_pricing: true)",
            _show(raw["group_size"]),
            key=f"{key}.group_size",
        )
    base = {
        "code": code,
        "valid_from": _date(raw["from"], f"{key}.from", source),
        "valid_to": _date(raw["to"], f"{key}.to", source),
        "rate": _number(raw["rate"], f"{key}.rate", source, minimum=0.0),
        "district_rate": _optional_number(raw.get("district_rate"), f"{key}.district_rate", source),
        "fud_contribution": _optional_number(
            raw.get("fud_contribution"), f"{key}.fud_contribution", source
        ),
        "source_line": _integer(raw["source_line"], f"{key}.source_line", source, minimum=1),
        "_key": key,
    }
    if base["valid_to"] < base["valid_from"]:
        raise InputError(
            source,
            f"'to' non precedente a 'from' ({code})",
            f"dal {_it_date(base['valid_from'])} al {_it_date(base['valid_to'])}",
            key=f"{key}.to",
        )
    return [{**base, "group_size": size} for size in sizes]


def _group_sizes(value: Any, key: str, source: str) -> list[int | None]:
    if value is None:
        return [None]
    values = value if isinstance(value, list) else [value]
    if not values:
        raise InputError(source, "un intero ≥ 1 o una lista di interi", "lista vuota", key=key)
    return [_integer(v, key, source, minimum=1) for v in values]


# --- whole-schedule checks ----------------------------------------------------------------------


def _check_unique_codes(items: list[dict], source: str) -> None:
    seen: dict[str, str] = {}
    for item in items:
        if item["code"] in seen:
            raise InputError(
                source,
                "codici voce univoci",
                f"{item['code']} già definito in {seen[item['code']]}",
                key=f"{item['_key']}.code",
            )
        seen[item["code"]] = item["_key"]


def _check_coverage(rates: list[dict], year: int, source: str) -> None:
    """Per (code, group_size), periods tile 1 Jan..31 Dec of ``year`` without overlap or gap."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    groups: dict[tuple, list[dict]] = {}
    for row in rates:
        groups.setdefault((row["code"], row["group_size"]), []).append(row)
    for (code, size), rows in groups.items():
        label = code if size is None else f"{code} (gruppo di {size})"
        expected = first
        previous = None
        for row in sorted(rows, key=lambda r: r["valid_from"]):
            start, end = row["valid_from"], row["valid_to"]
            if start < first or end > last:
                raise InputError(
                    source,
                    f"periodi entro l'anno {year} per {label}",
                    f"dal {_it_date(start)} al {_it_date(end)}",
                    key=f"{row['_key']}.{'from' if start < first else 'to'}",
                )
            if start < expected:
                raise InputError(
                    source,
                    f"periodi senza sovrapposizioni per {label}",
                    f"il periodo dal {_it_date(start)} al {_it_date(end)} si sovrappone a quello "
                    f"dal {_it_date(previous['valid_from'])} al {_it_date(previous['valid_to'])}",
                    key=f"{row['_key']}.from",
                )
            if start > expected:
                raise InputError(
                    source,
                    f"periodi contigui per {label}",
                    f"nessuna tariffa dal {_it_date(expected)} al "
                    f"{_it_date(start - dt.timedelta(days=1))}",
                    key=f"{row['_key']}.from",
                )
            expected, previous = end + dt.timedelta(days=1), row
        if expected <= last:
            raise InputError(
                source,
                f"periodi contigui fino al {_it_date(last)} per {label}",
                f"nessuna tariffa dal {_it_date(expected)} al {_it_date(last)}",
                key=f"{previous['_key']}.to",
            )


# --- frames -------------------------------------------------------------------------------------


def _items_frame(items: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(items)[ITEM_COLUMNS]
    for column in ("code", "service", "label", "unit", "vat", "note"):
        frame[column] = frame[column].astype(str).astype(object)
    for column in (
        "abatement",
        "abatement_capped",
        "uplift_allowed",
        "qty_required",
        "group_pricing",
    ):
        frame[column] = frame[column].astype(bool)
    frame["district_share"] = frame["district_share"].astype(float)
    frame["min_weeks"] = frame["min_weeks"].astype("Int64")
    frame["max_weeks"] = frame["max_weeks"].astype("Int64")
    frame["source_line"] = frame["source_line"].astype(int)
    return frame


def _rates_frame(rates: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rates)[RATE_COLUMNS]
    frame["code"] = frame["code"].astype(str).astype(object)
    frame["valid_from"] = pd.to_datetime(frame["valid_from"]).astype("datetime64[ns]")
    frame["valid_to"] = pd.to_datetime(frame["valid_to"]).astype("datetime64[ns]")
    frame["group_size"] = pd.array(frame["group_size"].tolist(), dtype="Int64")
    for column in ("rate", "district_rate", "fud_contribution"):
        frame[column] = frame[column].astype(float)
    frame["source_line"] = frame["source_line"].astype(int)
    return frame.sort_values(["code", "group_size", "valid_from"]).reset_index(drop=True)


# --- scalar readers -----------------------------------------------------------------------------


def _check_mapping(data: Any, keys: dict[str, bool], key: str, source: str) -> None:
    where = key or None
    if not isinstance(data, dict):
        raise InputError(source, "una mappa chiave: valore", _show(data), key=where)
    for name in data:
        if name not in keys:
            raise InputError(
                source,
                "una delle chiavi " + ", ".join(keys),
                f"chiave sconosciuta '{name}'",
                key=f"{key}.{name}" if key else str(name),
            )
    for name, required in keys.items():
        if required and data.get(name) is None:
            raise InputError(
                source,
                f"la chiave obbligatoria '{name}'",
                "chiave assente",
                key=f"{key}.{name}" if key else name,
            )


def _text(value: Any, key: str, source: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(source, "un testo non vuoto", _show(value), key=key)
    return value.strip()


def _choice(value: Any, allowed: tuple[str, ...], key: str, source: str) -> str:
    if value not in allowed:
        raise InputError(source, "uno tra " + ", ".join(allowed), _show(value), key=key)
    return value


def _flag(value: Any, key: str, source: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(source, "true o false", _show(value), key=key)
    return value


def _number(value: Any, key: str, source: str, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(source, "un numero (es. 20.20, senza € né %)", _show(value), key=key)
    if minimum is not None and value < minimum:
        raise InputError(source, f"un numero ≥ {minimum:g}", _show(value), key=key)
    return float(value)


def _optional_number(value: Any, key: str, source: str) -> float:
    return float("nan") if value is None else _number(value, key, source, minimum=0.0)


def _integer(value: Any, key: str, source: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(source, "un numero intero", _show(value), key=key)
    if minimum is not None and value < minimum:
        raise InputError(source, f"un intero ≥ {minimum}", _show(value), key=key)
    return value


def _optional_int(value: Any, key: str, source: str) -> Any:
    return pd.NA if value is None else _integer(value, key, source, minimum=1)


def _date(value: Any, key: str, source: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(source, "una data AAAA-MM-GG", _show(value), key=key) from None


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _it_date(day: dt.date | pd.Timestamp) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"
