"""From tariffs to budget lines: what the 2020 Piano Programma amounts become at 2023 tariffs.

``data/service_budget_link.csv`` ties each tariff service (its item codes) to the 2020 budget line
that funds it (objective, label, column, source line, amount). For every line:

* ``price_index`` — a Laspeyres index of the 2023 tariff path against the tariffs in force on
  1 January 2023 (the last pre-revision rates the sheets state, the closest available to the
  prices behind the 2020 budget), weighted by the caseload's monthly quantities of the linked
  items: ``Σ q × rate(month) × (1+VAT) / Σ q × rate(1 Jan) × (1+VAT)``; month rates are
  day-weighted, the individual (group size 1) rate for group-priced items;
* ``amount_2020_at_2023_tariffs`` — the volume implied by the 2020 amount at 1 January prices,
  repriced along the 2023 tariffs: ``amount_2020 × price_index``;
* per scenario: ``scenario_factor`` = the caseload's gross for the linked items in the scenario
  ÷ baseline, and ``effect_eur`` = ``amount_2020_at_2023_tariffs × (scenario_factor − 1)``.

The result is long: one row per (budget line, scenario), the baseline first with effect 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cscplan import paths
from cscplan.errors import InputError
from cscplan.tabular import ENGLISH, load_reference, parse_numbers, quote, source_line
from cscplan.tariffs.engine import BASELINE

LINK_COLUMNS = [
    "service",
    "item_code",
    "objective_id",
    "budget_item_label",
    "column",
    "source_line",
    "amount_2020",
    "note",
]
TABLE_COLUMNS = [
    "objective_id",
    "budget_item_label",
    "column",
    "source_line",
    "service",
    "item_code",
    "amount_2020",
    "price_index",
    "amount_2020_at_2023_tariffs",
    "scenario",
    "caseload_gross_eur",
    "scenario_factor",
    "effect_eur",
]


def load_budget_link(path: str | Path = paths.BUDGET_LINK) -> pd.DataFrame:
    """Read and check the service → budget line link (errors name the file's line and column)."""
    return load_reference(path, validate_budget_link)


def validate_budget_link(frame: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """Columns, integer ids and lines, amounts, item codes (rows counted ``position + 2``)."""
    missing = [c for c in LINK_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(path, f"le colonne {LINK_COLUMNS}", f"mancano {missing}")
    style = frame.attrs.get("number_style", ENGLISH)
    frame = frame[LINK_COLUMNS].copy()
    for column, kind in (("objective_id", "int"), ("source_line", "int"), ("amount_2020", "float")):
        values, why = parse_numbers(frame[column].astype(str), style)
        bad = values.isna() | ((values % 1 != 0) if kind == "int" else False)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            reason = why.iat[row] or "cella vuota"
            raise InputError(
                path,
                "un numero intero" if kind == "int" else "un importo come 2950000.00",
                f"{quote(frame[column].iat[row])} ({reason})",
                row=row + 2,
                column=column,
            )
        frame[column] = values.astype(kind)
    empty = frame["item_code"].str.strip() == ""
    if empty.any():
        row = int(np.flatnonzero(empty.to_numpy())[0])
        raise InputError(
            path, "uno o più codici voce separati da ';'", "vuoto", row=row + 2, column="item_code"
        )
    return frame


def budget_link_table(
    link: pd.DataFrame, costs_monthly: pd.DataFrame, schedule: Any = None
) -> pd.DataFrame:
    """Per budget line and scenario: 2020 amount, repriced amount, scenario effect (see module)."""
    if schedule is None:
        from cscplan.tariffs.schedule import load_schedule

        schedule = load_schedule(paths.TARIFFS_2023)
    items = link["item_code"].str.split(";").map(lambda codes: [c.strip() for c in codes])
    _check_codes(items, schedule, link)
    year = int(costs_monthly["month"].iloc[0][:4]) if len(costs_monthly) else 2023
    prices = month_prices(schedule, year)
    baseline = costs_monthly[costs_monthly["scenario"] == BASELINE]
    gross = costs_monthly.groupby(["scenario", "item"])["gross_eur"].sum()
    scenarios = list(dict.fromkeys([BASELINE, *costs_monthly["scenario"]]))
    rows = []
    for line, codes in zip(link.to_dict("records"), items, strict=True):
        index = _price_index(baseline[baseline["item"].isin(codes)], prices)
        repriced = line["amount_2020"] * index
        base = _total(gross, BASELINE, codes)
        for scenario in scenarios:
            total = _total(gross, scenario, codes)
            factor = total / base if base else np.nan
            rows.append(
                {k: line[k] for k in LINK_COLUMNS if k != "note"}
                | {
                    "price_index": index,
                    "amount_2020_at_2023_tariffs": repriced,
                    "scenario": scenario,
                    "caseload_gross_eur": total,
                    "scenario_factor": factor,
                    "effect_eur": repriced * (factor - 1) if base else np.nan,
                }
            )
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    money = ["amount_2020_at_2023_tariffs", "caseload_gross_eur", "effect_eur"]
    table[money] = table[money].astype(float).round(2)
    return table


def _check_codes(items: pd.Series, schedule: Any, link: pd.DataFrame) -> None:
    known = set(schedule.items["code"])
    for position, codes in enumerate(items):
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise InputError(
                link.attrs.get("source", "service_budget_link.csv"),
                "codici voce del tariffario",
                quote(unknown[0]),
                row=source_line(link, position),
                column="item_code",
            )


def _total(gross: pd.Series, scenario: str, codes: list[str]) -> float:
    if scenario not in gross.index.get_level_values(0):
        return 0.0
    return float(gross.loc[scenario].reindex(codes, fill_value=0.0).sum())


def month_prices(schedule: Any, year: int) -> pd.DataFrame:
    """Per item and month: day-weighted gross unit rate, and the gross rate on 1 January."""
    rates = schedule.rates
    single = rates["group_size"].isna() | (rates["group_size"] == 1)
    rates = rates[single]
    vat = schedule.items.set_index("code")["vat"]
    vat_rate = float(schedule.parameters["vat_rate"])
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    rows = []
    for code, periods in rates.groupby("code"):
        daily = np.full(len(days), np.nan)
        for p in periods.itertuples(index=False):
            inside = (days >= p.valid_from) & (days <= p.valid_to)
            daily[inside] = p.rate
        factor = 1 + (vat_rate if vat.get(code) == "added" else 0.0)
        monthly = pd.Series(daily * factor, index=days).groupby(days.month).mean()
        for month, value in monthly.items():
            rows.append(
                {
                    "item": code,
                    "month": f"{year}-{month:02d}",
                    "price": value,
                    "start_price": daily[0] * factor,
                }
            )
    return pd.DataFrame(rows)


def _price_index(costs: pd.DataFrame, prices: pd.DataFrame) -> float:
    """Quantity-weighted index of month prices against 1 January prices (1 when no volume)."""
    if costs.empty:
        return 1.0
    volume = costs.groupby(["item", "month"], as_index=False)["quantity"].sum()
    merged = volume.merge(prices, on=["item", "month"], how="left")
    start = (merged["quantity"] * merged["start_price"]).sum()
    if not start:
        return 1.0
    return float((merged["quantity"] * merged["price"]).sum() / start)
