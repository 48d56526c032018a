"""Scenarios as *reforms* of the baseline: a YAML file lists what changes, nothing else.

A reform is applied by pure functions that return a new caseload, a new schedule and the engine
options; the baseline (name ``baseline``) is the bundled schedule and caseload unchanged. The file's
contract is ``SCENARIO_FILE`` (read by :mod:`cscplan.yamlspec`; errors name file, key and line).

YAML keys (all optional except ``name``)::

    name: tariffe_saap_plus5          # [a-z0-9_]
    label: "SAAP +5% da aprile"       # Italian label for tables and charts
    description: "..."                # free text
    tariff_changes:                   # item or service; percent or absolute (€/unit); from/to
      - {item: SAAP_D1, percent: 5, from: 2023-04-01}
    vat_rate: 0.10                    # fraction in [0, 1), replaces the schedule's VAT rate
    volume_multipliers: {SAAP: 1.10}  # by service or item code; finite, ≥ 0
    operator_mix: [{service: SAAP, from_item: SAAP_D1, to_item: SAAP_D2, share: 0.30}]
    flags: {district_abatement: false, abatement_cap_pro_rata: true}
    horizon_year: 2023                # costs this calendar year (inside the schedule's coverage)
    indicizzazione: "+2,0 % dal 2025-01-01"   # tariffs past the timeline (or a list of steps)
    volumes_from: cremona_growth      # Cremona 2018→2020 growth, one year (benchmarks.py)
    # or: volumes_from: cremona_size  → each listed service gets as many beneficiaries as
    #     Cremona had users in benchmark_year (default: the maps' last year)
    benchmark_services: [CDD, CSE]    # restricts volumes_from to these services (default: all)
    benchmark_year: 2020

Rules:

* a ``percent`` change (> −100) multiplies the rate and any explicit district € amount from
  ``from`` (default the start of the schedule) to ``to`` (default open): the split between payers
  keeps its proportions; an ``absolute`` change adds € per unit to the rate only (the comune pays
  it), and is refused if a rate would fall below zero or below its district € part;
* volume multipliers scale ``qty_per_week`` of hour/day items and the plan ``weight`` (number of
  plans, fractionally) of week/month/package items; an item-code entry overrides its service's;
  ``volumes_from`` multiplies them by the benchmark factors (``SAD-SADH`` applies to SAD and SADH);
* ``indicizzazione`` (:mod:`cscplan.tariffs.indexation`) indexes this scenario's tariffs from
  each step's date; past the tariff timeline it is what makes a later period costable (the
  baseline of a call over such a period takes it too, see :func:`cscplan.scenarios.api.cost`);
* an operator-mix shift moves ``share`` of every ``from_item`` plan to ``to_item``: the plan is
  kept with weight × (1 − share) and a copy with the new item gets weight × share.
* every number is finite (``.inf`` and ``.nan`` are refused where the file has them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cscplan.errors import InputError
from cscplan.fmt import eur, signed_eur
from cscplan.io import read_yaml_document
from cscplan.tariffs.indexation import Step
from cscplan.tariffs.schedule import Steps, indexed_schedule
from cscplan.vocabulary import BASELINE
from cscplan.yamlspec import (
    Choice,
    Date,
    Flag,
    Integer,
    ListOf,
    MapOf,
    Number,
    Record,
    Text,
    Where,
    exactly_one,
    it_date,
    not_before,
    optional,
    required,
    show,
)

VOLUME_SOURCES = ("cremona_growth", "cremona_size")
QTY_UNITS = ("hour", "day")
FRACTION = Number(minimum=0, maximum=1, text="una frazione tra 0 e 1 (es. 0.30 per il 30%)")
CHANGE = Record(
    {
        "item": optional(Text()),
        "service": optional(Text()),
        "percent": optional(
            Number(above=-100, text="un numero come 10 o -5 (in %, maggiore di -100, senza %)")
        ),
        "absolute": optional(Number(text="un numero come 1.50 (€ per unità, senza €)")),
        "from": optional(Date()),
        "to": optional(Date()),
    },
    rules=[
        exactly_one("item", "service"),
        exactly_one("percent", "absolute"),
        not_before("to", "from"),
    ],
)
MIX = Record(
    {
        "service": optional(Text()),
        "from_item": required(Text()),
        "to_item": required(Text()),
        "share": required(FRACTION),
    }
)
SCENARIO_FILE = Record(
    {
        "name": required(
            Text(
                pattern=rf"(?!{BASELINE}$)[a-z0-9_]+",
                expected=f"un nome di sole lettere minuscole, cifre e _ (non '{BASELINE}')",
            )
        ),
        "label": optional(Text()),
        "description": optional(Text(), ""),
        "tariff_changes": optional(ListOf(CHANGE), []),
        "vat_rate": optional(
            Number(
                minimum=0,
                below=1,
                text="una frazione tra 0 e 1, 1 escluso (es. 0.10 per il 10%)",
            )
        ),
        "volume_multipliers": optional(
            MapOf(Text(), Number(minimum=0, text="un moltiplicatore ≥ 0 come 1.10")), {}
        ),
        "operator_mix": optional(ListOf(MIX), []),
        "flags": optional(
            Record(
                {
                    "district_abatement": optional(Flag()),
                    "abatement_cap_pro_rata": optional(Flag()),
                }
            ),
            {},
        ),
        "horizon_year": optional(Integer(2000, 2100, text="un anno come 2023")),
        "indicizzazione": optional(Steps()),
        "volumes_from": optional(Choice(VOLUME_SOURCES)),
        "benchmark_services": optional(ListOf(Text()), []),
        "benchmark_year": optional(Integer(text="un anno come 2020")),  # checked against the maps
    }
)


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
    indexation: tuple[Step, ...] = ()
    volumes_from: str | None = None
    benchmark_services: tuple[str, ...] = ()
    benchmark_year: int | None = None
    source: str = ""
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def error(self, key: str, expected: str, found: str) -> InputError:
        """An InputError about this scenario's ``key`` (with its file line when known)."""
        return Where(self.source, self.lines).error(key, expected, found)


# --------------------------------------------------------------------------- parsing


def load_scenario(path: str | Path) -> Reform:
    """Read and validate a scenario YAML file."""
    document = read_yaml_document(path)
    return parse_scenario(document.data, document.source, document.lines)


def parse_scenario(mapping: Any, source: str, lines: Mapping[str, int] | None = None) -> Reform:
    """Validate a scenario mapping (see ``SCENARIO_FILE``); errors name the file, key and line."""
    spec = SCENARIO_FILE.read(mapping, "", Where(source, lines or {}))
    return Reform(
        name=spec["name"],
        label=spec["label"] or spec["name"],
        description=spec["description"],
        tariff_changes=tuple(
            _change(raw, f"tariff_changes[{i}]") for i, raw in enumerate(spec["tariff_changes"])
        ),
        vat_rate=spec["vat_rate"],
        volume_multipliers=spec["volume_multipliers"],
        operator_mix=tuple(
            MixShift(key=f"operator_mix[{i}]", **raw) for i, raw in enumerate(spec["operator_mix"])
        ),
        flags={k: v for k, v in spec["flags"].items() if v is not None},
        horizon_year=spec["horizon_year"],
        indexation=spec["indicizzazione"] or (),
        volumes_from=spec["volumes_from"],
        benchmark_services=tuple(spec["benchmark_services"]),
        benchmark_year=spec["benchmark_year"],
        source=source,
        lines=dict(lines or {}),
    )


def _change(raw: dict, key: str) -> TariffChange:
    by = "item" if raw["item"] is not None else "service"
    return TariffChange(
        target=raw[by],
        by=by,
        percent=raw["percent"],
        absolute=raw["absolute"],
        valid_from=raw["from"],
        valid_to=raw["to"],
        key=key,
    )


# --------------------------------------------------------------------------- applying


def apply_reform(
    caseload: pd.DataFrame,
    schedule: Any,
    reform: Reform,
    benchmarks: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, Any, dict]:
    """The reformed caseload, schedule and engine options (``vat_rate``, ``district_abatement``,
    ``cap_pro_rata``); inputs are not modified. A change that leaves a rate below zero, or below
    its district part, is refused naming the change."""
    _check_targets(reform, schedule)
    schedule = indexed_schedule(schedule, reform.indexation, reform.source)
    new_schedule = replace(schedule, rates=_changed_rates(schedule, reform))
    plans = _with_weight(caseload)
    plans = _shift_mix(plans, schedule, reform)
    multipliers = _multipliers(reform, schedule, benchmarks)
    plans = _scale_volumes(plans, schedule, multipliers)
    options = {
        "vat_rate": reform.vat_rate,
        "district_abatement": reform.flags.get("district_abatement", True),
        "cap_pro_rata": reform.flags.get("abatement_cap_pro_rata"),
    }
    return plans, new_schedule, options


def _check_targets(reform: Reform, schedule: Any) -> None:
    items = set(schedule.items["code"])
    services = set(schedule.items["service"])

    def check(value: str, allowed: set[str], what: str, key: str) -> None:
        if value not in allowed:
            raise reform.error(
                key, f"{what} del tariffario ({', '.join(sorted(allowed))})", show(value)
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
            raise reform.error(
                f"{shift.key}.from_item",
                f"una voce del servizio {shift.service}",
                f"{shift.from_item} ({attrs.at[shift.from_item, 'service']})",
            )
        for column in ("unit", "group_pricing"):
            if attrs.at[shift.from_item, column] != attrs.at[shift.to_item, column]:
                raise reform.error(
                    f"{shift.key}.to_item",
                    f"una voce con la stessa unità e tariffazione di {shift.from_item}",
                    f"{shift.to_item} ({column}: {attrs.at[shift.to_item, column]})",
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
            _check_changed(rates[inside], reform, change)
    order = rates["group_size"].fillna(0)
    return (
        rates.assign(_g=order)
        .sort_values(["code", "_g", "valid_from"], kind="stable")
        .drop(columns="_g")
        .reset_index(drop=True)
    )


def _check_changed(rates: pd.DataFrame, reform: Reform, change: TariffChange) -> None:
    """After an absolute change every rate stays ≥ 0 and not below its district € part."""
    district = rates["district_rate"].fillna(0.0)
    bad = rates[(rates["rate"] < 0) | (rates["rate"] < district)]
    if bad.empty:
        return
    row = bad.sort_values("valid_from", kind="stable").iloc[0]
    part = f" (quota distrettuale {eur(row['district_rate'])})" if row["district_rate"] > 0 else ""
    raise reform.error(
        f"{change.key}.absolute",
        "tariffe non negative e non inferiori alla quota distrettuale dopo la variazione",
        f"{row['code']} dal {it_date(row['valid_from'])}: {_amount(row['rate'])}{part}",
    )


def _amount(value: float) -> str:
    return signed_eur(value) if value < 0 else eur(value)


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
            raise reform.error(
                "volumes_from", "i moltiplicatori di Cremona (benchmarks)", "nessuno"
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
