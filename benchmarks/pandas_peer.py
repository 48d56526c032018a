"""A notebook-style pandas peer of ``cscplan.cost``: every plan expanded to one row per day.

This is how the costing is usually written in a notebook: read the CSV and the YAML, repeat each
plan once per active day, join the rate in force on that day, compute the day's amounts and sum
them per month. It implements the same cost semantics as :mod:`cscplan.tariffs.engine` (README,
"Cost semantics") for the baseline over the tariffs' dated year — the FUD contribution, the pronto
intervento switch, the closing units, every payer, the abatement with its monthly cap — so the
benchmark compares like with like, and ``tests/test_benchmark_peer.py`` checks its rows equal
``cscplan.cost``'s to the cent. It does no input validation: it trusts the caseload, as a
notebook would, and reads each parameter's first value (the bundled ones never change).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import yaml

from cscplan import metadata
from cscplan.vocabulary import COMUNE, DISTRICT, PAYER_COLUMNS

COLUMNS = list(metadata.dtypes("costs_monthly"))  # the output contract, as cscplan.cost's
AMOUNTS = ["quantity", "net_eur", "vat_eur", "district_eur"]
OTHERS = [p for p in PAYER_COLUMNS if p not in (COMUNE, DISTRICT)] + [COMUNE]
TRUE_WORDS = ("1", "true", "vero", "si", "sì", "x", "yes")


def _first_value(entry):
    if not isinstance(entry, dict):
        return entry
    if "values" in entry:
        first = entry["values"][min(entry["values"])]
        return first["value"] if isinstance(first, dict) else first
    return entry["value"]


def read_tariffs(path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Items (with their payer shares), one row per (item, period, group size), parameters."""
    with open(path, encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    params = {name: _first_value(entry) for name, entry in spec["parameters"].items()}
    lists = spec.get("rate_lists", {})
    raw = [
        i | {"periods": lists[i["periods"]] if isinstance(i["periods"], str) else i["periods"]}
        for i in spec["items"]
    ]

    def value(v):
        return params[v] if isinstance(v, str) else v

    rows = []
    for item in raw:
        row = {k: v for k, v in item.items() if k not in ("periods", "shares", "continues_as")}
        row["share_" + DISTRICT] = (
            value(item["district_share"]) if "district_share" in item
            else 1 - value(item["comune_share"]) if "comune_share" in item
            else np.nan
        )  # fmt: skip
        for payer in OTHERS:
            row["share_" + payer] = value(item.get("shares", {}).get(payer, 0.0))
        row["placed_share"] = value(item.get("placed_minor_district_share", np.nan))
        row["second_share"] = value(item.get("second_comune_share", 0.0))
        row["closing"] = value(item.get("closing_units", 0.0))
        switch = item.get("continues_as") or {}
        row["switch_item"], row["switch_months"] = (
            switch.get("item", ""),
            switch.get("after_months", 0),
        )
        rows.append(row)
    items = pd.DataFrame(rows)
    defaults = {"abatement": False, "abatement_capped": True, "uplift_allowed": False}
    defaults |= {"group_pricing": False, "payer": COMUNE}
    for column, default in defaults.items():
        items[column] = items.get(column, pd.Series(default, index=items.index)).fillna(default)
    periods = pd.json_normalize(raw, "periods", ["code"]).explode("group_size")
    for column in ("district_rate", "fud_contribution"):
        if column not in periods:
            periods[column] = np.nan
    periods["rate"] = periods["rate"] + periods["fud_contribution"].fillna(0.0)
    periods["group_size"] = periods["group_size"].astype(float).fillna(-1)
    periods["valid_from"] = pd.to_datetime(periods["from"])
    periods["valid_to"] = pd.to_datetime(periods["to"])
    first = periods.sort_values("valid_from").groupby("code").first()
    share = (first["district_rate"] / first["rate"]).where(first["district_rate"].notna(), 0.0)
    items["share_" + DISTRICT] = items["share_" + DISTRICT].fillna(items["code"].map(share) * 0)
    params["year"] = periods["valid_from"].min().year
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
    placed = plans["placed_minor"] & plans["placed_share"].notna()
    plans["share"] = np.where(placed, plans["placed_share"], plans["share_" + DISTRICT])
    plans["switch_day"] = [
        s + pd.DateOffset(months=int(m)) if m else pd.NaT
        for s, m in zip(plans["start"], plans["switch_months"], strict=True)
    ]
    plans["first"] = first
    per_plan = ["plan", "item", "switch_item", "switch_day", "key", "unit", "start", "first", "qty"]
    per_plan += ["uplift_factor", "vat_rate", "share", *(f"share_{p}" for p in OTHERS)]
    days = plans.loc[plans.index.repeat(plans["n_days"].clip(lower=0)), per_plan]
    days["day"] = days["first"] + pd.to_timedelta(days.groupby(level=0).cumcount(), unit="D")
    closing = plans[(plans["closing"] > 0) & plans["end"].dt.year.eq(year)]
    extra = closing[per_plan].assign(day=closing["end"], units=closing["closing"])
    days = pd.concat([days.assign(units=np.nan), extra], ignore_index=True)
    switched = days["switch_day"].notna() & (days["day"] >= days["switch_day"])
    days["rate_item"] = days["item"].where(~switched, days["switch_item"])
    days = days.merge(
        periods[["code", "group_size", "valid_from", "valid_to", "rate", "district_rate"]],
        left_on=["rate_item", "key"],
        right_on=["code", "group_size"],
    )
    days = days[(days["day"] >= days["valid_from"]) & (days["day"] <= days["valid_to"])]

    dim = days["day"].dt.days_in_month
    per_day = np.select(
        [days["unit"].isin(["hour", "day"]), days["unit"] == "week", days["unit"] == "month"],
        [days["qty"] / 7, 1 / 7, 1 / dim],
        default=(days["day"] == days["start"]).astype(float),
    )
    per_day = np.where(days["units"].notna(), days["units"], per_day)
    days["quantity"] = per_day
    days["net_eur"] = per_day * days["rate"] * days["uplift_factor"]
    days["vat_eur"] = days["net_eur"] * days["vat_rate"]
    gross = days["net_eur"] + days["vat_eur"]
    days["district_eur"] = np.where(
        days["district_rate"].isna(), gross * days["share"], per_day * days["district_rate"]
    )
    for payer in OTHERS:
        days[f"own_{payer}"] = gross * days[f"share_{payer}"]
    own = [f"own_{payer}" for payer in OTHERS]
    days["month"] = days["day"].dt.to_period("M")
    days["days"] = days["units"].isna().astype(int)
    days["dim"] = dim
    monthly = days.groupby(["plan", "month"], sort=True).agg(
        {**dict.fromkeys([*AMOUNTS, *own, "days"], "sum"), "dim": "first"}
    )
    monthly = monthly.reset_index().merge(plans.drop(columns=AMOUNTS, errors="ignore"), on="plan")
    monthly["month"] = monthly["month"].astype(str)
    return _payers_and_rounding(monthly, params, own)


def _payers_and_rounding(monthly: pd.DataFrame, params: dict, own: list[str]) -> pd.DataFrame:
    gross = monthly["net_eur"] + monthly["vat_eur"]
    others = sum(monthly[f"own_{p}"] for p in OTHERS if p != COMUNE)
    rest_is_comune = monthly["payer"] == COMUNE
    comune_part = np.where(
        rest_is_comune, gross - monthly["district_eur"] - others, monthly[f"own_{COMUNE}"]
    )
    cap = np.where(monthly["abatement_capped"], params["abatement_cap_month"], np.inf)
    if params.get("abatement_cap_pro_rata"):
        cap = cap * monthly["days"] / monthly["dim"]
    abatement = np.where(
        monthly["abatement"], np.minimum(params["abatement_share"] * comune_part, cap), 0.0
    )
    monthly["district_eur"] += abatement
    monthly[f"own_{COMUNE}"] -= np.where(rest_is_comune, 0.0, abatement)
    for payer in OTHERS:  # the payer paying the rest takes no share of its own
        monthly[f"own_{payer}"] = monthly[f"own_{payer}"].where(monthly["payer"] != payer, 0.0)
    return _split_second_comune(monthly, own)


def _split_second_comune(monthly: pd.DataFrame, own: list[str]) -> pd.DataFrame:
    """Round per row; a plan with a second comune gives it its share of every amount; the
    payer paying the rest takes gross minus the others."""
    amounts = [*AMOUNTS, *own]
    total = monthly[amounts].apply(_rounder)
    second = (monthly["second_comune"] != "") & (monthly["second_share"] > 0)
    share2 = monthly.loc[second, "second_share"]
    part = monthly.loc[second, amounts].mul(share2, axis=0).apply(_rounder)
    first = total.copy()
    first.loc[second] = (total.loc[second] - part).apply(_rounder)
    labels = monthly[["beneficiary_id", "comune", "service", "item", "month", "plan", "payer"]]
    rows = pd.concat(
        [
            labels.assign(order=0).join(first),
            labels[second].assign(comune=monthly.loc[second, "second_comune"], order=1).join(part),
        ]
    )
    rows = rows.sort_values(["plan", "month", "order"]).reset_index(drop=True)
    rows["gross_eur"] = (rows["net_eur"] + rows["vat_eur"]).round(2)
    rest = (rows["gross_eur"] - rows["district_eur"] - rows[own].sum(axis=1)).round(2)
    for payer in OTHERS:
        rows[PAYER_COLUMNS[payer]] = rows[f"own_{payer}"].where(rows["payer"] != payer, rest)
    rows.insert(0, "scenario", "baseline")
    return rows[COLUMNS]


def _rounder(column: pd.Series) -> pd.Series:
    decimals = 6 if column.name == "quantity" else 2
    return np.round(np.round(column, 9), decimals)
