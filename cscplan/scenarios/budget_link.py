"""From tariffs to budget lines: what the plan's amounts become at the costed tariffs.

``data/service_budget_link.csv`` ties each tariff service (its item codes) to the budget line
that funds it (objective, label, column, source line; the column names the plan's year as a
placeholder, ``PO {anno}``); the line's amount is read from the parsed plan, never restated. For
every line:

* ``price_index`` — a Laspeyres index of the tariff path over the costed months against the
  tariffs in force on the first costed day (the 2023 sheets' 1 January rates are the last
  pre-revision rates, the closest available to the prices behind the 2020 budget), weighted by
  the caseload's monthly quantities of the linked items: ``Σ q × rate(month) × (1+VAT) /
  Σ q × rate(first day) × (1+VAT)``; month rates are day-weighted, the individual (group size 1)
  rate for group-priced items;
* ``amount_at_tariffs`` — the volume implied by the plan amount at first-day prices, repriced
  along the tariffs: ``plan_amount × price_index``;
* per scenario: ``scenario_factor`` = the caseload's gross for the linked items in the scenario
  ÷ baseline, and ``effect_eur`` = ``amount_at_tariffs × (scenario_factor − 1)``.

The result is long: one row per (budget line, scenario), the baseline first with effect 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.plan_years import PlanYears
from cscplan.tabular import load_reference, quote, reference_error
from cscplan.vocabulary import BASELINE

LINK_COLUMNS = [
    "service",
    "item_code",
    "objective_id",
    "action",
    "budget_item_label",
    "column",
    "note",
]
LINE_KEY = ["objective_id", "action", "item", "column"]
LINK_FILE = "service_budget_link.csv"
TABLE_COLUMNS = list(metadata.dtypes("budget_link"))


def load_budget_link(path: str | Path, years: PlanYears) -> pd.DataFrame:
    """Read and check the service → budget line link (errors name the file's line and column);
    the ``column`` placeholders are filled with the plan's years."""
    return load_reference(path, lambda frame, source: validate_budget_link(frame, source, years))


def validate_budget_link(frame: pd.DataFrame, path: str | Path, years: PlanYears) -> pd.DataFrame:
    """Columns, integer ids and lines, item codes (rows counted ``position + 2``)."""
    missing = [c for c in LINK_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(path, f"le colonne {LINK_COLUMNS}", f"mancano {missing}")
    frame = frame[LINK_COLUMNS].copy()
    values = pd.to_numeric(frame["objective_id"].str.strip(), errors="coerce")
    bad = values.isna() | (values % 1 != 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        found = repr(frame["objective_id"].iat[row])
        raise InputError(path, "un numero intero", found, row=row + 2, column="objective_id")
    frame["objective_id"] = values.astype(int)
    empty = frame["item_code"].str.strip() == ""
    if empty.any():
        row = int(np.flatnonzero(empty.to_numpy())[0])
        raise InputError(
            path, "uno o più codici voce separati da ';'", "vuoto", row=row + 2, column="item_code"
        )
    frame["column"] = frame["column"].map(years.fill)
    return frame


def linked_cells(link: pd.DataFrame, budget_lines: pd.DataFrame) -> pd.DataFrame:
    """Per link row: the plan's cell it names (objective, action, item label, column) — its
    ``source_line`` in the plan read and its ``plan_amount``. Labels, not line numbers, so the
    same link serves any document of the plan; a link naming no cell, or several, is bad input
    naming the link's row."""
    cells = budget_lines[LINE_KEY + ["source_line", "amount"]]
    keyed = link[LINE_KEY[:2] + ["budget_item_label", "column"]].rename(
        columns={"budget_item_label": "item"}
    )
    matched = keyed.reset_index().merge(cells, on=LINE_KEY, how="left")
    counts = matched.groupby("index")["amount"].count()
    for position, count in enumerate(counts.reindex(link.index, fill_value=0)):
        if count != 1:
            row = link.iloc[position]
            raise reference_error(
                link,
                position,
                "budget_item_label",
                "una sola cella del piano con importo per obiettivo, azione, voce e colonna",
                f"{count} celle per {quote(row['budget_item_label'])} ({quote(row['action'])}, "
                f"{quote(row['column'])})",
                LINK_FILE,
            )
    found = matched.dropna(subset=["amount"]).set_index("index")
    return pd.DataFrame(
        {
            "source_line": found["source_line"].astype(int),
            "plan_amount": found["amount"].astype(float),
        }
    ).reindex(link.index)


def plan_amounts(link: pd.DataFrame, budget_lines: pd.DataFrame) -> pd.Series:
    """Each linked line's amount in the plan (see :func:`linked_cells`)."""
    return linked_cells(link, budget_lines)["plan_amount"]


def linked_amount(link: pd.DataFrame, budget_lines: pd.DataFrame) -> float:
    """The plan amounts of every linked budget line, summed: what the plan commits to the tariff
    services (the Monte Carlo's default commitment)."""
    return float(plan_amounts(link, budget_lines).sum()) if len(link) else 0.0


def budget_link_table(
    link: pd.DataFrame, costs_monthly: pd.DataFrame, schedule: Any, budget_lines: pd.DataFrame
) -> pd.DataFrame:
    """Per budget line and scenario: plan amount, repriced amount, scenario effect (see module)."""
    items = link["item_code"].str.split(";").map(lambda codes: [c.strip() for c in codes])
    _check_codes(items, schedule, link)
    link = link.join(linked_cells(link, budget_lines))
    prices = month_prices(schedule, costed_months(costs_monthly))
    baseline = costs_monthly[costs_monthly["scenario"] == BASELINE]
    gross = costs_monthly.groupby(["scenario", "item"])["gross_eur"].sum()
    scenarios = list(dict.fromkeys([BASELINE, *costs_monthly["scenario"]]))
    rows = []
    for line, codes in zip(link.to_dict("records"), items, strict=True):
        index = _price_index(baseline[baseline["item"].isin(codes)], prices)
        repriced = line["plan_amount"] * index
        base = _total(gross, BASELINE, codes)
        for scenario in scenarios:
            total = _total(gross, scenario, codes)
            factor = total / base if base else np.nan
            rows.append(
                {k: line[k] for k in TABLE_COLUMNS if k in line}
                | {
                    "price_index": index,
                    "amount_at_tariffs": repriced,
                    "scenario": scenario,
                    "caseload_gross_eur": total,
                    "scenario_factor": factor,
                    "effect_eur": repriced * (factor - 1) if base else np.nan,
                }
            )
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    money = ["amount_at_tariffs", "caseload_gross_eur", "effect_eur"]
    table[money] = table[money].astype(float).round(2)
    return table


def costed_months(costs_monthly: pd.DataFrame) -> list[str]:
    """The months the costs cover, in order (``AAAA-MM``)."""
    return sorted(costs_monthly["month"].unique())


def _check_codes(items: pd.Series, schedule: Any, link: pd.DataFrame) -> None:
    known = set(schedule.items["code"])
    for position, codes in enumerate(items):
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise reference_error(
                link,
                position,
                "item_code",
                "codici voce del tariffario",
                quote(unknown[0]),
                LINK_FILE,
            )


def _total(gross: pd.Series, scenario: str, codes: list[str]) -> float:
    if scenario not in gross.index.get_level_values(0):
        return 0.0
    return float(gross.loc[scenario].reindex(codes, fill_value=0.0).sum())


def month_prices(schedule: Any, months: list[str]) -> pd.DataFrame:
    """Per item and month: day-weighted gross unit rate, and the gross rate on the first day."""
    rates = schedule.rates
    single = rates["group_size"].isna() | (rates["group_size"] == 1)
    rates = rates[single]
    vat = schedule.items.set_index("code")["vat"]
    if not months:
        return pd.DataFrame(columns=["item", "month", "price", "start_price"])
    first = pd.Period(months[0], "M").start_time
    last = pd.Period(months[-1], "M").end_time.normalize()
    days = pd.date_range(first, last, freq="D")
    labels = days.strftime("%Y-%m")
    vat_rate = schedule.parameters["vat_rate"].on(
        days.to_numpy().astype("datetime64[D]").astype(np.int64)
    )
    rows = []
    for code, periods in rates.groupby("code"):
        daily = np.full(len(days), np.nan)
        for p in periods.itertuples(index=False):
            inside = (days >= p.valid_from) & (days <= p.valid_to)
            daily[inside] = p.rate
        factor = 1 + (vat_rate if vat.get(code) == "added" else 0.0)  # per day
        gross = daily * factor
        monthly = pd.Series(gross, index=days).groupby(labels).mean()
        for month, value in monthly.items():
            rows.append({"item": code, "month": month, "price": value, "start_price": gross[0]})
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
