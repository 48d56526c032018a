"""The tariff schedule: YAML (data/tariffs/2023.yaml) → validated items, dated rates, parameters.

The file's contract is declared once, as data, in ``TARIFF_FILE`` (read by
:mod:`cscplan.yamlspec`): a ``parameters`` mapping (each ``{value, source_line?, note?}`` or the bare
value) and an ``items`` list; each item carries its dated ``periods`` ``[{from, to, rate,
group_size?, district_rate?, fud_contribution?, source_line}]``. ``group_size`` may be one integer
or a list of sizes sharing the same per-member rate. Every problem raises one :class:`InputError`
naming the file, the key (e.g. ``items[3].periods[1].from``) and its line, what was expected and
what was found. For every (item, group size) the periods must cover the schedule year
contiguously, without overlaps or gaps.

Parameters: ``ENGINE_PARAMETERS`` are read by the cost engine (and ``year`` by the coverage
check); any other parameter must be referred to by an item (``comune_share: isd_comune_share``),
so a parameter that nothing reads is refused rather than silently ignored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.io import read_yaml_document
from cscplan.metadata.fields import CODE_PATTERN
from cscplan.metadata.fields import TARIFF_UNITS as UNITS
from cscplan.metadata.fields import VAT_KINDS as VAT
from cscplan.periods import Period
from cscplan.yamlspec import (
    Choice,
    Date,
    Either,
    Flag,
    Integer,
    ListOf,
    Number,
    OneOrMany,
    Record,
    Shorthand,
    Text,
    Where,
    at_most_one,
    it_date,
    not_above,
    not_before,
    optional,
    required,
)

QTY_UNITS = ("hour", "day")
PARAMETER_NAME = r"[a-z][a-z0-9_]*"
SHARE = Number(minimum=0, maximum=1, text="una quota tra 0 e 1 (es. 0.8 per l'80%)")
VAT_RATE = Number(
    minimum=0, below=1, text="un'aliquota IVA tra 0 e 1, 1 escluso (es. 0.05 per il 5%)"
)
AMOUNT = Number(minimum=0)
LINE = Integer(minimum=1)


def parameter(value: Any) -> Shorthand:
    """A parameter entry: ``{value, source_line?, note?}``, or the value alone."""
    entry = Record(
        {"value": required(value), "source_line": optional(LINE), "note": optional(Text())}
    )
    return Shorthand(entry, "value")


ENGINE_PARAMETERS = {  # name → contract of its value; each is read by cscplan.tariffs.engine
    "year": Integer(2000, 2100, text="un anno come 2023"),  # the coverage check
    "vat_rate": VAT_RATE,
    "abatement_share": SHARE,
    "abatement_cap_month": AMOUNT,
    "uplift": Number(minimum=0, text="un numero ≥ 0 (es. 0.20 per il +20%)"),
    "adm_second_comune_share": SHARE,
    "sip_placed_minor_district_share": SHARE,
}
SHARE_OR_PARAMETER = Either(
    (SHARE, Text(pattern=PARAMETER_NAME, expected="il nome di un parametro"))
)
PERIOD = Record(
    {
        "from": required(Date()),
        "to": required(Date()),
        "rate": required(AMOUNT),
        "group_size": optional(OneOrMany(Integer(minimum=1))),
        "district_rate": optional(AMOUNT),
        "fud_contribution": optional(AMOUNT),
        "source_line": required(LINE),
    },
    rules=[not_before("to", "from"), not_above("district_rate", "rate")],
)
ITEM = Record(
    {
        "code": required(Text(pattern=CODE_PATTERN, expected="un codice MAIUSCOLO_CON_TRATTINI")),
        "service": required(Text()),
        "label": required(Text()),
        "unit": required(Choice(UNITS)),
        "vat": required(Choice(VAT)),
        "district_share": optional(SHARE_OR_PARAMETER),
        "comune_share": optional(SHARE_OR_PARAMETER),
        "abatement": optional(Flag(), False),
        "abatement_capped": optional(Flag(), True),
        "uplift_allowed": optional(Flag(), False),
        "min_weeks": optional(Integer(minimum=1)),
        "max_weeks": optional(Integer(minimum=1)),
        "group_pricing": optional(Flag(), False),
        "source_line": required(LINE),
        "note": optional(Text(strip=False), ""),
        "periods": required(ListOf(PERIOD, min_items=1)),
    },
    rules=[at_most_one("district_share", "comune_share"), not_above("min_weeks", "max_weeks")],
)
TARIFF_FILE = Record(
    {
        "document": optional(Text()),
        "source": optional(Text()),
        "parameters": required(
            Record(
                {name: required(parameter(spec)) for name, spec in ENGINE_PARAMETERS.items()},
                extra=parameter(Number()),
                extra_key=PARAMETER_NAME,
            )
        ),
        "items": required(ListOf(ITEM, min_items=1)),
    }
)
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

    @cached_property
    def period(self) -> Period:
        """The days the schedule's dated rates cover (the default costed period)."""
        return Period.between(self.rates["valid_from"].min(), self.rates["valid_to"].max())


def load_schedule(path: str | Path) -> TariffSchedule:
    """Read and validate a tariff YAML file; any defect raises InputError."""
    document = read_yaml_document(path)
    return parse_schedule(document.data, document.source, document.lines)


def parse_schedule(data: Any, source: str, lines: dict | None = None) -> TariffSchedule:
    """Validate an already-parsed YAML mapping (``lines``: key path → file line, if known)."""
    where = Where(source, lines or {})
    spec = TARIFF_FILE.read(data, "", where)
    parameters = {name: entry["value"] for name, entry in spec["parameters"].items()}
    items, rates = [], []
    for i, raw in enumerate(spec["items"]):
        item, item_rates = _item(raw, f"items[{i}]", parameters, where)
        items.append(item)
        rates.extend(item_rates)
    _check_unique_codes(items, where)
    _check_coverage(rates, parameters["year"], where)
    _check_parameters_read(spec["items"], parameters, where)
    return TariffSchedule(
        items=_items_frame(items),
        rates=_rates_frame(rates),
        parameters=parameters,
        source=source,
        parameter_lines={n: e["source_line"] for n, e in spec["parameters"].items()},
    )


def rate_in_force(
    schedule: TariffSchedule, code: str, day: dt.date, group_size: int | None = None
) -> float:
    """The rate of ``code`` on ``day`` (for group-priced items: per member of a group of that size)."""
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
            schedule.source, f"una data coperta dal tariffario per {code}", it_date(stamp)
        )
    return float(hit.iloc[0]["rate"])


# --- items --------------------------------------------------------------------------------------


def _item(raw: dict, key: str, parameters: dict, where: Where) -> tuple[dict, list[dict]]:
    code = raw["code"]
    rates = [
        {
            "code": code,
            "valid_from": period["from"],
            "valid_to": period["to"],
            "rate": period["rate"],
            "district_rate": _or_nan(period["district_rate"]),
            "fud_contribution": _or_nan(period["fud_contribution"]),
            "source_line": period["source_line"],
            "group_size": size,
            "_key": f"{key}.periods[{j}]",
        }
        for j, period in enumerate(raw["periods"])
        for size in _group_sizes(raw, period, f"{key}.periods[{j}]", where)
    ]
    item = {name: raw[name] for name in ("code", "service", "label", "unit", "vat", "note")}
    item |= {name: raw[name] for name in ("abatement", "abatement_capped", "uplift_allowed")}
    item |= {
        "district_share": _district_share(raw, rates, key, parameters, where),
        "qty_required": raw["unit"] in QTY_UNITS,
        "min_weeks": pd.NA if raw["min_weeks"] is None else raw["min_weeks"],
        "max_weeks": pd.NA if raw["max_weeks"] is None else raw["max_weeks"],
        "group_pricing": raw["group_pricing"],
        "source_line": raw["source_line"],
        "_key": key,
    }
    return item, rates


def _or_nan(value: float | None) -> float:
    return float("nan") if value is None else value


def _group_sizes(item: dict, period: dict, key: str, where: Where) -> list[int | None]:
    sizes = period["group_size"]
    if item["group_pricing"] and sizes is None:
        where.fail(key, f"group_size per la voce a tariffa di gruppo {item['code']}", "nessuno")
    if not item["group_pricing"] and sizes is not None:
        where.fail(
            f"{key}.group_size",
            f"nessun group_size ({item['code']} non ha group_pricing: true)",
            ", ".join(map(str, sizes)),
        )
    return [None] if sizes is None else sizes


def _district_share(
    raw: dict, rates: list[dict], key: str, parameters: dict, where: Where
) -> float:
    """Explicit district share, or 1 − the comune's share; else the first period's
    ``district_rate`` as a fraction of its rate; else 0. A share may name a parameter."""
    for name in ("district_share", "comune_share"):
        if raw[name] is not None:
            share = _share_value(raw[name], f"{key}.{name}", parameters, where)
            return share if name == "district_share" else 1 - share
    first = rates[0]
    if pd.notna(first["district_rate"]) and first["rate"] > 0:
        return first["district_rate"] / first["rate"]
    return 0.0


def _share_value(value: float | str, key: str, parameters: dict, where: Where) -> float:
    if not isinstance(value, str):
        return value
    if value not in parameters:
        where.fail(key, "il nome di un parametro ({})".format(", ".join(parameters)), repr(value))
    share = parameters[value]
    if not SHARE.within(share):
        where.fail(f"parameters.{value}.value", f"{SHARE.text} (letta da {key})", f"{share:g}")
    return share


def _check_parameters_read(items: list[dict], parameters: dict, where: Where) -> None:
    """Every parameter is read: by the engine (ENGINE_PARAMETERS) or by an item."""
    referenced = {
        item[name]
        for item in items
        for name in ("district_share", "comune_share")
        if isinstance(item[name], str)
    }
    for name in parameters:
        if name not in ENGINE_PARAMETERS and name not in referenced:
            where.fail(
                f"parameters.{name}",
                "parametri letti da una regola (dal motore di calcolo o da una voce, es. "
                f"comune_share: {name})",
                f"'{name}' non è letto da nessuna voce",
            )


# --- whole-schedule checks ----------------------------------------------------------------------


def _check_unique_codes(items: list[dict], where: Where) -> None:
    seen: dict[str, str] = {}
    for item in items:
        if item["code"] in seen:
            where.fail(
                f"{item['_key']}.code",
                "codici voce univoci",
                f"{item['code']} già definito in {seen[item['code']]}",
            )
        seen[item["code"]] = item["_key"]


def _check_coverage(rates: list[dict], year: int, where: Where) -> None:
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
                where.fail(
                    f"{row['_key']}.{'from' if start < first else 'to'}",
                    f"periodi entro l'anno {year} per {label}",
                    f"dal {it_date(start)} al {it_date(end)}",
                )
            if start < expected:
                where.fail(
                    f"{row['_key']}.from",
                    f"periodi senza sovrapposizioni per {label}",
                    f"il periodo dal {it_date(start)} al {it_date(end)} si sovrappone a quello "
                    f"dal {it_date(previous['valid_from'])} al {it_date(previous['valid_to'])}",
                )
            if start > expected:
                where.fail(
                    f"{row['_key']}.from",
                    f"periodi contigui per {label}",
                    f"nessuna tariffa dal {it_date(expected)} al "
                    f"{it_date(start - dt.timedelta(days=1))}",
                )
            expected, previous = end + dt.timedelta(days=1), row
        if expected <= last:
            where.fail(
                f"{previous['_key']}.to",
                f"periodi contigui fino al {it_date(last)} per {label}",
                f"nessuna tariffa dal {it_date(expected)} al {it_date(last)}",
            )


# --- frames -------------------------------------------------------------------------------------


def _items_frame(items: list[dict]) -> pd.DataFrame:
    """One row per item, typed as the registry's ``tariff_items`` (built column by column)."""
    kinds = {
        "district_share": float,
        "source_line": int,
        "min_weeks": "Int64",
        "max_weeks": "Int64",
    }
    kinds |= dict.fromkeys(
        ("abatement", "abatement_capped", "uplift_allowed", "qty_required", "group_pricing"), bool
    )
    return pd.DataFrame(
        {
            name: _typed([item[name] for item in items], kinds.get(name, object))
            for name in ITEM_COLUMNS
        },
        copy=False,
    )


def _rates_frame(rates: list[dict]) -> pd.DataFrame:
    """One row per (item, group size, period), sorted so, typed as the registry's
    ``tariff_rates``."""
    rates = sorted(rates, key=lambda r: (r["code"], r["group_size"] or 0, r["valid_from"]))
    kinds = {"valid_from": "datetime64[ns]", "valid_to": "datetime64[ns]", "group_size": "Int64"}
    kinds |= {"rate": float, "district_rate": float, "fud_contribution": float, "source_line": int}
    return pd.DataFrame(
        {
            name: _typed([rate[name] for rate in rates], kinds.get(name, object))
            for name in RATE_COLUMNS
        },
        copy=False,
    )


def _typed(values: list, kind) -> Any:
    if kind == "Int64":
        return pd.array([pd.NA if v is None or v is pd.NA else v for v in values], dtype="Int64")
    if kind == "datetime64[ns]":
        return np.array(values, dtype="datetime64[D]").astype("datetime64[ns]")
    if kind is object:  # plain Python strings, as the engine expects (not pandas' str dtype)
        return pd.Series(values, dtype=object)
    return np.array(values, dtype=kind)
