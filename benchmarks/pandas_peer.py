"""A notebook-style pandas peer of ``cscplan.cost``: every plan expanded to one row per day.

This is how the costing is usually written in a notebook: read the CSV and the YAML, repeat each
plan once per active day, join the rate in force on that day, compute the day's amounts and sum
them per month. It implements the same cost semantics as :mod:`cscplan.tariffs.engine` (README,
"Cost semantics") for the baseline, so the benchmark compares like with like, and
``tests/test_benchmark_peer.py`` checks its rows equal ``cscplan.cost``'s to the cent. It does
no input validation: it trusts the caseload, as a notebook would.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import yaml

from cscplan import metadata

COLUMNS = list(metadata.dtypes("costs_monthly"))  # the output contract, as cscplan.cost's
AMOUNTS = ["quantity", "net_eur", "vat_eur", "district_eur"]
TRUE_WORDS = ("1", "true", "vero", "si", "sì", "x", "yes")


def read_tariffs(path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Items, one row per (item, period, group size), and the parameters of a tariff YAML."""
    with open(path, encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    params = {
        name: (entry["value"] if isinstance(entry, dict) else entry)
        for name, entry in spec["parameters"].items()
    }
    items = pd.DataFrame([{k: v for k, v in i.items() if k != "periods"} for i in spec["items"]])
    for column in ("district_share", "comune_share"):
        if column not in items:
            items[column] = np.nan
    comune_share = items["comune_share"].map(params).astype(float)
    items["share"] = items["district_share"].astype(float).fillna(1 - comune_share)
    for column, default in (("abatement", False), ("abatement_capped", True)):
        items[column] = items.get(column, pd.Series(default, index=items.index)).fillna(default)
    items["uplift_allowed"] = items.get("uplift_allowed", False)
    items["uplift_allowed"] = items["uplift_allowed"].fillna(False)
    items["group_pricing"] = items.get("group_pricing", False)
    items["group_pricing"] = items["group_pricing"].fillna(False)
    periods = pd.json_normalize(spec["items"], "periods", ["code"]).explode("group_size")
    if "district_rate" not in periods:
        periods["district_rate"] = np.nan
    periods["group_size"] = periods["group_size"].astype(float).fillna(-1)
    periods["valid_from"] = pd.to_datetime(periods["from"])
    periods["valid_to"] = pd.to_datetime(periods["to"])
    first = periods.sort_values("valid_from").groupby("code").first()
    share = first["district_rate"] / first["rate"]
    items["share"] = items["share"].fillna(items["code"].map(share)).fillna(0.0)
    return items, periods, params


def peer_cost(caseload_csv, tariffs_yaml) -> pd.DataFrame:
    """``costs_monthly`` of the baseline, walking one row per plan and active day."""
    items, periods, params = read_tariffs(tariffs_yaml)
    plans = pd.read_csv(caseload_csv, dtype=str, keep_default_na=False)
    plans["start"] = pd.to_datetime(plans["start"])
    plans["end"] = pd.to_datetime(plans["end"])
    plans["qty"] = pd.to_numeric(plans["qty_per_week"].str.replace(",", "."), errors="coerce")
    for flag in ("uplift", "placed_minor"):
        plans[flag] = plans[flag].str.strip().str.lower().isin(TRUE_WORDS)
    plans = plans.reset_index(names="plan").merge(items, left_on="item", right_on="code")
    year = int(params["year"])
    first = plans["start"].clip(lower=pd.Timestamp(f"{year}-01-01"))
    last = plans["end"].clip(upper=pd.Timestamp(f"{year}-12-31"))
    month_end = plans["start"] + pd.offsets.MonthEnd(0)
    package = plans["unit"] == "package"
    last = last.where(~package, np.minimum(plans["end"], month_end))
    plans["n_days"] = (last - first).dt.days + 1

    size = pd.to_numeric(plans["group_size"], errors="coerce").fillna(1)
    plans["key"] = np.where(plans["group_pricing"], size, -1.0)
    plans["uplift_factor"] = np.where(
        plans["uplift"] & plans["uplift_allowed"], 1 + params["uplift"], 1.0
    )
    plans["vat_rate"] = np.where(plans["vat"] == "added", params["vat_rate"], 0.0)
    plans["share"] = np.where(
        plans["placed_minor"] & (plans["service"] == "SIP"),
        params["sip_placed_minor_district_share"],
        plans["share"],
    )
    plans["first"] = first
    per_plan = ["plan", "item", "key", "unit", "start", "first", "qty"]
    per_plan += ["uplift_factor", "vat_rate", "share"]
    days = plans.loc[plans.index.repeat(plans["n_days"].clip(lower=0)), per_plan]
    days["day"] = days["first"] + pd.to_timedelta(days.groupby(level=0).cumcount(), unit="D")
    days = days.merge(
        periods[["code", "group_size", "valid_from", "valid_to", "rate", "district_rate"]],
        left_on=["item", "key"],
        right_on=["code", "group_size"],
    )
    days = days[(days["day"] >= days["valid_from"]) & (days["day"] <= days["valid_to"])]

    dim = days["day"].dt.days_in_month
    per_day = np.select(
        [days["unit"].isin(["hour", "day"]), days["unit"] == "week", days["unit"] == "month"],
        [days["qty"] / 7, 1 / 7, 1 / dim],
        default=(days["day"] == days["start"]).astype(float),
    )
    days["quantity"] = per_day
    days["net_eur"] = per_day * days["rate"] * days["uplift_factor"]
    days["vat_eur"] = days["net_eur"] * days["vat_rate"]
    gross = days["net_eur"] + days["vat_eur"]
    days["district_eur"] = np.where(
        days["district_rate"].isna(), gross * days["share"], per_day * days["district_rate"]
    )
    days["month"] = days["day"].dt.to_period("M")
    days["days"] = 1
    days["dim"] = dim
    monthly = days.groupby(["plan", "month"], sort=True).agg(
        {**dict.fromkeys([*AMOUNTS, "days"], "sum"), "dim": "first"}
    )
    monthly = monthly.reset_index().merge(plans.drop(columns=AMOUNTS, errors="ignore"), on="plan")
    monthly["month"] = monthly["month"].astype(str)

    abate = monthly["abatement"]
    cap = np.where(monthly["abatement_capped"], params["abatement_cap_month"], np.inf)
    cap = cap * monthly["days"] / monthly["dim"]
    comune_part = monthly["net_eur"] + monthly["vat_eur"] - monthly["district_eur"]
    monthly["district_eur"] += np.where(
        abate, np.minimum(params["abatement_share"] * comune_part, cap), 0.0
    )
    return _split_second_comune(monthly, params["adm_second_comune_share"])


def _split_second_comune(monthly: pd.DataFrame, share2: float) -> pd.DataFrame:
    """Round per row; a plan with a second comune gives it ``share2`` of every amount."""
    total = monthly[AMOUNTS].apply(_rounder)
    second = monthly["second_comune"] != ""
    part = (monthly.loc[second, AMOUNTS] * share2).apply(_rounder)
    first = total.copy()
    first.loc[second] = (total.loc[second] - part).apply(_rounder)
    labels = monthly[["beneficiary_id", "comune", "service", "item", "month", "plan"]]
    rows = pd.concat(
        [
            labels.assign(order=0).join(first),
            labels[second].assign(comune=monthly.loc[second, "second_comune"], order=1).join(part),
        ]
    )
    rows = rows.sort_values(["plan", "month", "order"]).reset_index(drop=True)
    rows["gross_eur"] = (rows["net_eur"] + rows["vat_eur"]).round(2)
    rows["comune_eur"] = (rows["gross_eur"] - rows["district_eur"]).round(2)
    rows.insert(0, "scenario", "baseline")
    return rows[COLUMNS]


def _rounder(column: pd.Series) -> pd.Series:
    decimals = 6 if column.name == "quantity" else 2
    return np.round(np.round(column, 9), decimals)
