"""Scenarios as *reforms* of the baseline: a YAML file lists what changes, nothing else.

A reform is applied by pure functions that return a new caseload, a new schedule and the engine
options; the baseline (name ``baseline``) is the bundled schedule and caseload unchanged.

YAML keys (all optional except ``name``)::

    name: tariffe_saap_plus5          # [a-z0-9_]
    label: "SAAP +5% da aprile"       # Italian label for tables and charts
    description: "..."                # free text
    tariff_changes:                   # item or service; percent or absolute (€/unit); from/to
      - {item: SAAP_D1, percent: 5, from: 2023-04-01}
    vat_rate: 0.10                    # fraction, replaces the schedule's VAT rate
    volume_multipliers: {SAAP: 1.10}  # by service or item code
    operator_mix: [{service: SAAP, from_item: SAAP_D1, to_item: SAAP_D2, share: 0.30}]
    flags: {district_abatement: false}
    horizon_year: 2023
    volumes_from: cremona_growth      # Cremona 2018→2020 growth, one year (benchmarks.py)
    # or: volumes_from: cremona_size  → each listed service gets as many beneficiaries as
    #     Cremona had users in benchmark_year (default: the maps' last year)
    benchmark_services: [CDD, CSE]    # restricts volumes_from to these services (default: all)
    benchmark_year: 2020

Rules:

* a ``percent`` change multiplies the rate and any explicit district € amount from ``from`` (default
  the start of the schedule) to ``to`` (default open): the split between payers keeps its
  proportions; an ``absolute`` change adds € per unit to the rate only (the comune pays it);
* volume multipliers scale ``qty_per_week`` of hour/day items and the plan ``weight`` (number of
  plans, fractionally) of week/month/package items; an item-code entry overrides its service's;
  ``volumes_from`` multiplies them by the benchmark factors (``SAD-SADH`` applies to SAD and SADH);
* an operator-mix shift moves ``share`` of every ``from_item`` plan to ``to_item``: the plan is
  kept with weight × (1 − share) and a copy with the new item gets weight × share.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cscplan.errors import InputError
from cscplan.io import read_yaml
from cscplan.vocabulary import BASELINE

NAME = re.compile(r"^[a-z0-9_]+$")
TOP_KEYS = {
    "name",
    "label",
    "description",
    "tariff_changes",
    "vat_rate",
    "volume_multipliers",
    "operator_mix",
    "flags",
    "horizon_year",
    "volumes_from",
    "benchmark_services",
    "benchmark_year",
}
CHANGE_KEYS = {"item", "service", "percent", "absolute", "from", "to"}
MIX_KEYS = {"service", "from_item", "to_item", "share"}
FLAGS = {"district_abatement"}
VOLUME_SOURCES = ("cremona_growth", "cremona_size")
QTY_UNITS = ("hour", "day")


@dataclass(frozen=True)
class TariffChange:
    target: str  # item code or service
    by: str  # "item" | "service"
    percent: float | None
    absolute: float | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    key: str  # where it is in the file, for errors


@dataclass(frozen=True)
class MixShift:
    service: str | None
    from_item: str
    to_item: str
    share: float
    key: str


@dataclass(frozen=True)
class Reform:
    """A validated scenario definition (see module docstring)."""

    name: str
    label: str = ""
    description: str = ""
    tariff_changes: tuple[TariffChange, ...] = ()
    vat_rate: float | None = None
    volume_multipliers: dict[str, float] = field(default_factory=dict)
    operator_mix: tuple[MixShift, ...] = ()
    flags: dict[str, bool] = field(default_factory=dict)
    horizon_year: int | None = None
    volumes_from: str | None = None
    benchmark_services: tuple[str, ...] = ()
    benchmark_year: int | None = None
    source: str = ""


# --------------------------------------------------------------------------- parsing


def load_scenario(path: str | Path) -> Reform:
    """Read and validate a scenario YAML file."""
    return parse_scenario(read_yaml(path), str(path))


def parse_scenario(mapping: Any, source: str) -> Reform:
    """Validate a scenario mapping; errors name the file and the key."""
    _keys(mapping, TOP_KEYS, "", source)
    if "name" not in mapping:
        raise InputError(source, "la chiave 'name'", "assente", key="name")
    name = _text(mapping["name"], "name", source)
    if not NAME.match(name) or name == BASELINE:
        raise InputError(
            source,
            "un nome di sole lettere minuscole, cifre e _ (non 'baseline')",
            name,
            key="name",
        )
    flags = _mapping(mapping.get("flags", {}), "flags", source)
    _keys(flags, FLAGS, "flags.", source)
    volumes_from = mapping.get("volumes_from")
    if volumes_from is not None and volumes_from not in VOLUME_SOURCES:
        raise InputError(
            source, f"uno tra {list(VOLUME_SOURCES)}", repr(volumes_from), key="volumes_from"
        )
    horizon = mapping.get("horizon_year")
    return Reform(
        name=name,
        label=_text(mapping.get("label", name), "label", source),
        description=_text(mapping["description"], "description", source)
        if "description" in mapping
        else "",
        tariff_changes=tuple(
            _change(raw, f"tariff_changes[{i}]", source)
            for i, raw in enumerate(
                _list(mapping.get("tariff_changes", []), "tariff_changes", source)
            )
        ),
        vat_rate=None
        if mapping.get("vat_rate") is None
        else _fraction(mapping["vat_rate"], "vat_rate", source),
        volume_multipliers={
            str(k): _number(v, f"volume_multipliers.{k}", source, positive=True)
            for k, v in _mapping(
                mapping.get("volume_multipliers", {}), "volume_multipliers", source
            ).items()
        },
        operator_mix=tuple(
            _mix(raw, f"operator_mix[{i}]", source)
            for i, raw in enumerate(_list(mapping.get("operator_mix", []), "operator_mix", source))
        ),
        flags={k: _flag(v, f"flags.{k}", source) for k, v in flags.items()},
        horizon_year=None if horizon is None else _year(horizon, source),
        volumes_from=volumes_from,
        benchmark_services=tuple(
            _text(s, f"benchmark_services[{i}]", source)
            for i, s in enumerate(
                _list(mapping.get("benchmark_services", []), "benchmark_services", source)
            )
        ),
        benchmark_year=_benchmark_year(mapping.get("benchmark_year"), source),
        source=source,
    )


def _benchmark_year(value: Any, source: str) -> int | None:
    """A year of the Cremona maps (checked against the maps when they are used), or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(source, "un anno come 2020", _show(value), key="benchmark_year")
    return int(value)


def _change(raw: Any, key: str, source: str) -> TariffChange:
    _keys(raw, CHANGE_KEYS, key + ".", source)
    targets = [k for k in ("item", "service") if k in raw]
    amounts = [k for k in ("percent", "absolute") if k in raw]
    if len(targets) != 1:
        raise InputError(
            source, "una sola tra 'item' e 'service'", str(targets or "nessuna"), key=key
        )
    if len(amounts) != 1:
        raise InputError(
            source, "una sola tra 'percent' e 'absolute'", str(amounts or "nessuna"), key=key
        )
    by, amount = targets[0], amounts[0]
    value = _number(raw[amount], f"{key}.{amount}", source)
    if amount == "percent" and value <= -100:
        raise InputError(
            source, "una variazione percentuale maggiore di -100", str(value), key=f"{key}.percent"
        )
    first = _date(raw.get("from"), f"{key}.from", source)
    last = _date(raw.get("to"), f"{key}.to", source)
    if first and last and last < first:
        raise InputError(
            source, "'to' non precedente a 'from'", f"{first} → {last}", key=f"{key}.to"
        )
    return TariffChange(
        target=_text(raw[by], f"{key}.{by}", source),
        by=by,
        percent=value if amount == "percent" else None,
        absolute=value if amount == "absolute" else None,
        valid_from=first,
        valid_to=last,
        key=key,
    )


def _mix(raw: Any, key: str, source: str) -> MixShift:
    _keys(raw, MIX_KEYS, key + ".", source)
    for required in ("from_item", "to_item", "share"):
        if required not in raw:
            raise InputError(source, f"la chiave '{required}'", "assente", key=f"{key}.{required}")
    share = _fraction(raw["share"], f"{key}.share", source)
    service = raw.get("service")
    return MixShift(
        service=None if service is None else _text(service, f"{key}.service", source),
        from_item=_text(raw["from_item"], f"{key}.from_item", source),
        to_item=_text(raw["to_item"], f"{key}.to_item", source),
        share=share,
        key=key,
    )


def _keys(raw: Any, allowed: set[str], prefix: str, source: str) -> None:
    if not isinstance(raw, dict):
        raise InputError(
            source, "una mappa chiave: valore", _type_name(raw), key=prefix.rstrip(".") or None
        )
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise InputError(
            source, f"una delle chiavi {sorted(allowed)}", repr(unknown[0]), key=prefix + unknown[0]
        )


def _mapping(raw: Any, key: str, source: str) -> dict:
    if not isinstance(raw, dict):
        raise InputError(source, "una mappa chiave: valore", _show(raw), key=key)
    return raw


def _list(raw: Any, key: str, source: str) -> list:
    if not isinstance(raw, list):
        raise InputError(source, "un elenco (righe che iniziano con '-')", _show(raw), key=key)
    return raw


def _text(raw: Any, key: str, source: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InputError(source, "un testo non vuoto", _show(raw), key=key)
    return raw.strip()


def _number(raw: Any, key: str, source: str, positive: bool = False) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InputError(source, "un numero come 10 o 1.10 (senza % né €)", _show(raw), key=key)
    if positive and not raw > 0:
        raise InputError(source, "un numero positivo", _show(raw), key=key)
    return float(raw)


def _fraction(raw: Any, key: str, source: str) -> float:
    value = _number(raw, key, source)
    if not 0 <= value <= 1:
        raise InputError(
            source, "una frazione tra 0 e 1 (es. 0.10 per il 10%)", _show(raw), key=key
        )
    return value


def _flag(raw: Any, key: str, source: str) -> bool:
    if not isinstance(raw, bool):
        raise InputError(source, "true o false", _show(raw), key=key)
    return raw


def _year(raw: Any, source: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 2000 <= raw <= 2100:
        raise InputError(source, "un anno come 2023", _show(raw), key="horizon_year")
    return raw


def _date(raw: Any, key: str, source: str) -> dt.date | None:
    if raw is None:
        return None
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise InputError(source, "una data nel formato AAAA-MM-GG (YYYY-MM-DD)", _show(raw), key=key)


YAML_TYPES = {
    bool: "vero/falso",
    int: "numero intero",
    float: "numero decimale",
    list: "elenco",
    dict: "mappa",
    type(None): "valore vuoto",
    dt.date: "data",
}


def _type_name(raw: Any) -> str:
    """The YAML kind of a value, in Italian (for messages)."""
    return YAML_TYPES.get(type(raw), type(raw).__name__)


def _show(raw: Any) -> str:
    return repr(raw) if isinstance(raw, str) else f"{raw} ({_type_name(raw)})"


# --------------------------------------------------------------------------- applying


def apply_reform(
    caseload: pd.DataFrame,
    schedule: Any,
    reform: Reform,
    benchmarks: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, Any, dict]:
    """The reformed caseload, schedule and engine options (``vat_rate``, ``district_abatement``,
    ``year``); inputs are not modified."""
    _check_targets(reform, schedule)
    new_schedule = replace(schedule, rates=_changed_rates(schedule, reform))
    plans = _with_weight(caseload)
    plans = _shift_mix(plans, schedule, reform)
    multipliers = _multipliers(reform, schedule, benchmarks)
    plans = _scale_volumes(plans, schedule, multipliers)
    options = {
        "vat_rate": reform.vat_rate,
        "district_abatement": reform.flags.get("district_abatement", True),
        "year": reform.horizon_year or int(schedule.parameters["year"]),
    }
    return plans, new_schedule, options


def _check_targets(reform: Reform, schedule: Any) -> None:
    items = set(schedule.items["code"])
    services = set(schedule.items["service"])
    source = reform.source

    def check(value: str, allowed: set[str], what: str, key: str) -> None:
        if value not in allowed:
            raise InputError(
                source,
                f"{what} del tariffario ({', '.join(sorted(allowed))})",
                repr(value),
                key=key,
            )

    for change in reform.tariff_changes:
        pool = items if change.by == "item" else services
        what = "un codice voce" if change.by == "item" else "un servizio"
        check(change.target, pool, what, f"{change.key}.{change.by}")
    for key in reform.volume_multipliers:
        check(key, items | services, "un servizio o un codice voce", f"volume_multipliers.{key}")
    attrs = schedule.items.set_index("code")
    for shift in reform.operator_mix:
        check(shift.from_item, items, "un codice voce", f"{shift.key}.from_item")
        check(shift.to_item, items, "un codice voce", f"{shift.key}.to_item")
        if shift.service is not None and attrs.at[shift.from_item, "service"] != shift.service:
            raise InputError(
                source,
                f"una voce del servizio {shift.service}",
                f"{shift.from_item} ({attrs.at[shift.from_item, 'service']})",
                key=f"{shift.key}.from_item",
            )
        for column in ("unit", "group_pricing"):
            if attrs.at[shift.from_item, column] != attrs.at[shift.to_item, column]:
                raise InputError(
                    source,
                    f"una voce con la stessa unità e tariffazione di {shift.from_item}",
                    f"{shift.to_item} ({column}: {attrs.at[shift.to_item, column]})",
                    key=f"{shift.key}.to_item",
                )


def _changed_rates(schedule: Any, reform: Reform) -> pd.DataFrame:
    rates = schedule.rates
    for change in reform.tariff_changes:
        if change.by == "item":
            codes = {change.target}
        else:
            codes = set(schedule.items.loc[schedule.items["service"] == change.target, "code"])
        for cut in (change.valid_from, _day_after(change.valid_to)):
            if cut is not None:
                rates = _split_at(rates, codes, pd.Timestamp(cut))
        inside = rates["code"].isin(codes)
        if change.valid_from is not None:
            inside &= rates["valid_from"] >= pd.Timestamp(change.valid_from)
        if change.valid_to is not None:
            inside &= rates["valid_to"] <= pd.Timestamp(change.valid_to)
        rates = rates.copy()
        if change.percent is not None:
            factor = 1 + change.percent / 100
            rates.loc[inside, "rate"] *= factor
            rates.loc[inside, "district_rate"] *= factor
        else:
            rates.loc[inside, "rate"] += change.absolute
    order = rates["group_size"].fillna(0)
    return (
        rates.assign(_g=order)
        .sort_values(["code", "_g", "valid_from"], kind="stable")
        .drop(columns="_g")
        .reset_index(drop=True)
    )


def _day_after(day: dt.date | None) -> dt.date | None:
    return None if day is None else day + dt.timedelta(days=1)


def _split_at(rates: pd.DataFrame, codes: set[str], cut: pd.Timestamp) -> pd.DataFrame:
    """Split every period of ``codes`` that straddles ``cut`` into before/after."""
    straddles = rates["code"].isin(codes) & (rates["valid_from"] < cut) & (rates["valid_to"] >= cut)
    if not straddles.any():
        return rates
    before = rates[straddles].assign(valid_to=cut - pd.Timedelta(days=1))
    after = rates[straddles].assign(valid_from=cut)
    return pd.concat([rates[~straddles], before, after], ignore_index=True)


def _with_weight(caseload: pd.DataFrame) -> pd.DataFrame:
    if "weight" in caseload.columns:
        return caseload.copy()
    return caseload.assign(weight=1.0)


def _shift_mix(plans: pd.DataFrame, schedule: Any, reform: Reform) -> pd.DataFrame:
    for shift in reform.operator_mix:
        moving = plans["item"] == shift.from_item
        if not moving.any() or shift.share == 0:
            continue
        copies = plans[moving].assign(
            item=shift.to_item, weight=plans.loc[moving, "weight"] * shift.share
        )
        plans = plans.copy()
        plans.loc[moving, "weight"] *= 1 - shift.share
        position = np.arange(len(plans)) * 2
        order = np.concatenate([position, position[moving.to_numpy()] + 1])
        plans = pd.concat([plans, copies], ignore_index=True)
        plans = plans.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
    return plans


def _multipliers(
    reform: Reform, schedule: Any, benchmarks: dict[str, float] | None
) -> dict[str, float]:
    """Item code → volume multiplier (benchmarks × explicit; item entries override services)."""
    items = schedule.items
    services = set(items["service"])
    result = dict.fromkeys(items["code"], 1.0)
    if reform.volumes_from:
        if benchmarks is None:
            raise InputError(
                reform.source,
                "i moltiplicatori di Cremona (benchmarks)",
                "nessuno",
                key="volumes_from",
            )
        for key, factor in benchmarks.items():
            for service in _benchmark_services(key, services):
                for code in items.loc[items["service"] == service, "code"]:
                    result[code] *= float(factor)
    explicit = reform.volume_multipliers
    for key, factor in explicit.items():
        if key in services:
            for code in items.loc[items["service"] == key, "code"]:
                if code not in explicit:
                    result[code] *= factor
    for key, factor in explicit.items():
        if key in result:
            result[key] *= factor
    return result


def _benchmark_services(key: str, services: set[str]) -> list[str]:
    if key in services:
        return [key]
    parts = key.split("-")
    return parts if all(p in services for p in parts) else []


def _scale_volumes(
    plans: pd.DataFrame, schedule: Any, multipliers: dict[str, float]
) -> pd.DataFrame:
    factor = plans["item"].map(multipliers).astype(float).to_numpy()
    if np.all(factor == 1.0):
        return plans
    units = plans["item"].map(schedule.items.set_index("code")["unit"]).to_numpy()
    by_qty = np.isin(units, QTY_UNITS)
    plans = plans.copy()
    plans["qty_per_week"] = np.where(
        by_qty, plans["qty_per_week"].to_numpy(float) * factor, plans["qty_per_week"]
    )
    plans["weight"] = np.where(by_qty, plans["weight"], plans["weight"].to_numpy(float) * factor)
    return plans
